"""The whole Key statistics tab as one XLSX workbook: the figures, per month, per project and per
employee, each sheet with real numbers (money as exact kroner, hours as decimal hours) and a sum
row. The rows behind each figure download from the drill-down page (`lib.table_export`)."""

import io
from decimal import Decimal

import xlsxwriter
from django.utils.translation import gettext as _

from kunde.lib.table_export import money_value


def _hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"))


def statistics_workbook(*, customer, stats, params) -> bytes:
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output, {"in_memory": True})
    fmt = {
        "money": book.add_format({"num_format": "#,##0.00"}),
        "hours": book.add_format({"num_format": "0.00"}),
        "int": book.add_format({"num_format": "0"}),
        "ratio": book.add_format({"num_format": "0.0"}),
        "date": book.add_format({"num_format": "mm.yyyy"}),
        "text": book.add_format({}),
    }
    bold = book.add_format({"bold": True})
    total = {
        kind: book.add_format({"num_format": f.num_format, "bold": True, "top": 1})
        for kind, f in fmt.items()
    }
    title = book.add_format({"bold": True, "font_size": 14})
    period = params.period
    subtitle = " – ".join(d.strftime("%d.%m.%Y") if d else "…" for d in (period.start, period.end))

    def cell(sheet, row, col, kind, value, style=None):
        style = style or fmt
        if value is None:
            sheet.write_blank(row, col, None, style[kind])
        elif kind == "money":
            sheet.write_number(row, col, money_value(value), style[kind])
        elif kind == "hours":
            sheet.write_number(row, col, _hours(value), style[kind])
        elif kind in ("int", "ratio"):
            sheet.write_number(row, col, value, style[kind])
        elif kind == "date":
            sheet.write_datetime(row, col, value, style[kind])
        else:
            sheet.write_string(row, col, str(value), style[kind])

    def table(name, heading, columns, rows, sums=True):
        sheet = book.add_worksheet(name)
        sheet.write_string(0, 0, f"{heading} · {customer.name}", title)
        sheet.write_string(1, 0, subtitle)
        for col, (label, _kind) in enumerate(columns):
            sheet.write_string(3, col, str(label), bold)
            sheet.set_column(col, col, 30 if col == 0 else 16)
        r = 3
        for r, values in enumerate(rows, start=4):
            for col, ((_label, kind), value) in enumerate(zip(columns, values, strict=True)):
                cell(sheet, r, col, kind, value)
        if sums:
            r += 1
            sheet.write_string(r, 0, _("Total"), total["text"])
            for col, (_label, kind) in enumerate(columns[1:], start=1):
                if kind in ("money", "hours", "int"):
                    values = [row[col] or 0 for row in rows]
                    cell(sheet, r, col, kind, sum(values), total)
        sheet.freeze_panes(4, 0)

    ratio_rows = [
        (_("Margin ratio %"), stats.margin_ratio),
        (_("Profit factor"), stats.profit_factor),
        (_("Average days to pay"), stats.average_days_to_pay),
        (_("Median days to pay"), stats.median_days_to_pay),
        (_("Share paid late %"), stats.paid_late_ratio),
        (_("Hit rate"), stats.hit_rate),
    ]
    figures = [
        (_("Invoiced excl. VAT"), "money", stats.invoiced_ore),
        (_("Credited"), "money", stats.credited_ore),
        (_("Invoices"), "int", stats.invoice_count),
        (_("Paid"), "money", stats.paid_ore),
        (_("Outstanding"), "money", stats.outstanding_ore),
        (_("Overdue"), "money", stats.overdue_ore),
        (_("Hours registered"), "hours", stats.hours_registered_minutes),
        (_("Billable hours"), "hours", stats.hours_billable_minutes),
        (_("Hours invoiced"), "hours", stats.hours_invoiced_minutes),
        (_("Invoiced value of hours"), "money", stats.hours_invoiced_value_ore),
        (_("Hours not yet invoiced"), "hours", stats.hours_uninvoiced_minutes),
        (_("Value not yet invoiced"), "money", stats.hours_uninvoiced_value_ore),
        (_("Revenue per hour"), "money", stats.revenue_per_hour_ore),
        (_("Cost of hours"), "money", stats.hours_cost_ore),
        (_("Expenses"), "money", stats.expenses_ore),
        (_("Cost"), "money", stats.cost_ore),
        (_("Contribution margin"), "money", stats.margin_ore),
        (_("Offers sent"), "int", stats.offers_sent),
        (_("Offers won"), "int", stats.offers_won),
        (_("Remaining to invoice on accepted offers"), "money", stats.offers_remaining_ore),
    ]
    sheet = book.add_worksheet(_("Figures")[:31])
    sheet.write_string(0, 0, f"{_('Key statistics')} · {customer.name}", title)
    sheet.write_string(1, 0, subtitle)
    sheet.set_column(0, 0, 32)
    sheet.set_column(1, 1, 18)
    for r, (label, kind, value) in enumerate(figures, start=3):
        sheet.write_string(r, 0, str(label))
        cell(sheet, r, 1, kind, value)
    for r, (label, value) in enumerate(ratio_rows, start=3 + len(figures)):
        sheet.write_string(r, 0, str(label))
        cell(sheet, r, 1, "ratio", value)

    table(
        _("Per month")[:31],
        _("Per month"),
        [
            (_("Month"), "date"),
            (_("Invoiced excl. VAT"), "money"),
            (_("Paid"), "money"),
            (_("Hours"), "hours"),
            (_("Cost"), "money"),
            (_("Contribution margin"), "money"),
        ],
        [
            (m.month, m.invoiced_ore, m.paid_ore, m.minutes, m.cost_ore, m.margin_ore)
            for m in stats.per_month
        ],
    )
    table(
        _("Per project")[:31],
        _("Per project"),
        [
            (_("Project"), "text"),
            (_("Invoiced excl. VAT"), "money"),
            (_("Hours"), "hours"),
            (_("Cost"), "money"),
            (_("Contribution margin"), "money"),
        ],
        [
            (p.name or _("No project"), p.invoiced_ore, p.minutes, p.cost_ore, p.margin_ore)
            for p in stats.per_project
        ],
    )
    table(
        _("Employees")[:31],
        _("Employees"),
        [
            (_("Employee"), "text"),
            (_("Hours"), "hours"),
            (_("Value at price"), "money"),
            (_("Cost"), "money"),
        ],
        [(e.name, e.minutes, e.value_ore, e.cost_ore) for e in stats.employees],
    )
    book.close()
    return output.getvalue()
