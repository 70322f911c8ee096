"""The invoice report's selectors: filters, order, totals, columns, payments and deliveries."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.db.models import Max
from django.http import QueryDict
from django.utils import timezone

from kunde.customers.services import customer_create
from kunde.invoices import report, services
from kunde.invoices.models import DeliveryAttempt, Invoice, ReportColumns
from kunde.invoices.report import CUSTOMER_REPORT, FINANCE_REPORT, ReportParams
from kunde.projects.models import Project

DEFAULT_KEYS = ["number", "type", "date", "due_date", "total", "payment_status", "status"]


def make_invoices(customer, user, count, *, start=date(2026, 1, 1), step=1, **fields):
    """`count` issued documents in one insert, a day apart from `start`. bulk_create skips
    Invoice.save(), which is fine for test data: numbers are taken after the highest one."""
    first = (Invoice.objects.aggregate(n=Max("number"))["n"] or 0) + 1
    defaults = {"net_ore": 80000, "vat_ore": 20000, "total_ore": 100000, "status": "issued"}
    invoices = []
    for i in range(count):
        issue_date = start + timedelta(days=i * step)
        values = {"number": first + i, "issue_date": issue_date, **defaults, **fields}
        if values["status"] == "draft":
            values.update(number=None, issue_date=None)
        invoices.append(
            Invoice(
                customer=customer,
                created_by=user,
                due_date=values["issue_date"] and values["issue_date"] + timedelta(days=14),
                **values,
            )
        )
    return Invoice.objects.bulk_create(invoices)


def params(report_key=CUSTOMER_REPORT, **query) -> ReportParams:
    data = QueryDict(mutable=True)
    data.update(query)
    return ReportParams.from_query(data, report=report_key)


def ids(invoices) -> list[int]:
    return [invoice.pk for invoice in invoices]


def page_ids(report_params, customer=None, **kwargs) -> list[int]:
    page = report.report_page(report_params, report.parse_columns(DEFAULT_KEYS, CUSTOMER_REPORT),
                              customer, **kwargs)  # fmt: skip
    return [row["id"] for row in page.rows]


@pytest.fixture
def other_customer(manager):
    return customer_create(actor=manager, data={"name": "Havbris Sjømat AS"})


@pytest.fixture
def issued(company, draft, finance):
    return services.invoice_issue(actor=finance, invoice=draft, issue_date=date(2026, 3, 2))


@pytest.fixture
def credit_note(issued, finance):
    note = services.credit_note_create(actor=finance, invoice=issued)
    return services.invoice_issue(actor=finance, invoice=note, issue_date=date(2026, 3, 9))


# Filters --------------------------------------------------------------------------------------


def test_the_tab_shows_only_the_customers_documents_drafts_included(
    customer, other_customer, finance, issued, credit_note
):
    draft = services.invoice_draft_create(
        actor=finance, customer=customer, lines=[{"description": "X", "unit_price_ore": 100}]
    )
    make_invoices(other_customer, finance, 2)
    assert page_ids(params(), customer) == [draft.pk, credit_note.pk, issued.pk]


def test_type_and_status_filters(customer, finance, issued, credit_note):
    draft = services.invoice_draft_create(
        actor=finance, customer=customer, lines=[{"description": "X", "unit_price_ore": 100}]
    )
    assert page_ids(params(type="credit_note"), customer) == [credit_note.pk]
    assert page_ids(params(type="invoice"), customer) == [draft.pk, issued.pk]
    assert page_ids(params(state="draft"), customer) == [draft.pk]
    assert page_ids(params(state="issued"), customer) == [credit_note.pk, issued.pk]
    assert page_ids(params(state="to_transfer", type="invoice"), customer) == [issued.pk]
    assert page_ids(params(state="transferred"), customer) == []


def test_export_status_filter_takes_only_issued_documents(customer, finance):
    transferred = make_invoices(customer, finance, 2, export_status="transferred")
    make_invoices(customer, finance, 1, export_status="do_not_transfer")
    make_invoices(customer, finance, 1, status="draft", export_status="transferred")
    assert sorted(page_ids(params(state="transferred"), customer)) == ids(transferred)


def test_the_period_filter_is_inclusive_and_leaves_out_drafts(customer, finance):
    made = make_invoices(customer, finance, 10, start=date(2026, 1, 1))  # 1–10 January
    make_invoices(customer, finance, 1, status="draft")
    found = page_ids(params(**{"from": "2026-01-03", "to": "05.01.2026"}), customer)
    assert found == ids(made[4:1:-1])


def test_the_project_filter(customer, finance, manager):
    project = Project.objects.create(number=7, name="Web", customer=customer, manager=manager)
    on_project = make_invoices(customer, finance, 2, project=project)
    make_invoices(customer, finance, 2)
    assert sorted(page_ids(params(project=str(project.pk)), customer)) == ids(on_project)


def test_the_finance_report_searches_customers_by_number_or_name(customer, other_customer, finance):
    theirs = make_invoices(other_customer, finance, 2)
    ours = make_invoices(customer, finance, 1)
    everything = page_ids(params(FINANCE_REPORT))
    assert sorted(everything) == sorted(ids(theirs) + ids(ours))
    assert sorted(page_ids(params(FINANCE_REPORT, search="sjømat havbris"))) == ids(theirs)
    assert page_ids(params(FINANCE_REPORT, search=str(customer.number))) == ids(ours)
    assert page_ids(params(FINANCE_REPORT, search="nobody")) == []


def test_bad_values_are_ignored_and_an_unreadable_date_is_reported():
    parsed = params(type="bill", state="paid", order="price", page="x", project="y",
                    **{"from": "2026-13-45", "to": "2026-02-30"})  # fmt: skip
    assert (parsed.kind, parsed.state, parsed.order, parsed.page, parsed.project) == (
        "", "", "-date", 1, None,
    )  # fmt: skip
    assert parsed.date_from is None and parsed.date_to is None
    assert len(parsed.errors) == 2
    assert "“2026-13-45” is not a date" in parsed.errors[0]


def test_the_state_round_trips_through_the_query_string():
    original = params(type="credit_note", state="to_transfer", order="-total", page="3",
                      project="12", **{"from": "01.02.2026", "to": "2026-03-31"})  # fmt: skip
    again = ReportParams.from_query(QueryDict(original.querystring()), report=CUSTOMER_REPORT)
    assert again == original
    assert params().querystring() == ""  # defaults are left out


def test_the_list_context_is_carried_along_and_not_read_as_a_filter():
    extra = (("q", "fjell"), ("status", "active"), ("sort", "-name"))
    query = QueryDict("q=fjell&status=active&sort=-name&state=draft&order=number")
    parsed = ReportParams.from_query(query, report=CUSTOMER_REPORT, extra=extra)
    assert (parsed.state, parsed.order) == ("draft", "number")
    assert parsed.querystring(page=2) == (
        "q=fjell&status=active&sort=-name&state=draft&order=number&page=2"
    )


def test_only_the_finance_report_searches_and_only_the_tab_filters_by_project():
    assert params(search="x").search == ""
    assert params(FINANCE_REPORT, project="3").project is None
    assert params(order="customer").order == "-date"
    assert params(FINANCE_REPORT, order="customer").order == "customer"


# Order ----------------------------------------------------------------------------------------


def test_the_default_order_is_newest_first_with_drafts_on_top_and_id_breaking_ties(
    customer, finance
):
    same_day = make_invoices(customer, finance, 3, step=0, start=date(2026, 5, 5))
    older = make_invoices(customer, finance, 1, start=date(2026, 1, 1))
    drafts = make_invoices(customer, finance, 2, status="draft")
    expected = ids(drafts[::-1]) + ids(same_day[::-1]) + ids(older)
    assert page_ids(params(), customer) == expected
    assert page_ids(params(order="date"), customer) == expected[::-1]


def test_sorting_by_total_breaks_ties_by_id_and_pages_neither_skip_nor_repeat(customer, finance):
    made = []
    for total in (300, 100, 200, 100, 300, 100, 200):
        made += make_invoices(customer, finance, 1, total_ore=total)
    by_total = sorted(made, key=lambda invoice: (invoice.total_ore, invoice.pk))
    pages = [page_ids(params(order="total", page=str(n)), customer, per_page=3) for n in (1, 2, 3)]
    assert sum(pages, []) == ids(by_total)
    assert page_ids(params(order="-total"), customer) == ids(by_total[::-1])


def test_sorting_by_number_puts_drafts_last_ascending(customer, finance):
    issued = make_invoices(customer, finance, 2)
    drafts = make_invoices(customer, finance, 1, status="draft")
    assert page_ids(params(order="number"), customer) == ids(issued) + ids(drafts)


def test_sorting_by_customer_name_on_the_finance_report(customer, other_customer, finance):
    havbris = make_invoices(other_customer, finance, 2)
    fjellheim = make_invoices(customer, finance, 2)
    assert page_ids(params(FINANCE_REPORT, order="customer")) == ids(fjellheim + havbris)


def test_the_tabs_first_page_walks_the_customer_date_index(customer, finance):
    make_invoices(customer, finance, 60)
    invoices = params().filtered(customer).order_by(*params().order_by)
    queryset = invoices.values(*report.ROW_FIELDS)[:50]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A table this small would be read whole; ask whether the index *can* give the order.
            cursor.execute("SET LOCAL enable_seqscan = off")
        plan = queryset.explain()
    assert "invoice_customer_date" in plan
    assert "TEMP B-TREE" not in plan  # SQLite sorts nothing
    assert "Sort" not in plan.replace("Sort Key", "")  # nor does PostgreSQL


# Totals ---------------------------------------------------------------------------------------


def test_totals_are_exact_sums_of_all_matching_documents_not_just_the_page(customer, finance):
    # 0,10 kr and 0,20 kr: floating point would drift; integer øre do not.
    make_invoices(customer, finance, 500, step=0, net_ore=8, vat_ore=2, total_ore=10)
    make_invoices(customer, finance, 500, step=0, net_ore=16, vat_ore=4, total_ore=20)
    page = report.report_page(params(), report.parse_columns(DEFAULT_KEYS, CUSTOMER_REPORT),
                              customer)  # fmt: skip
    assert len(page.rows) == 50
    assert page.totals == [report.Totals("NOK", 1000, 12000, 3000, 15000)]
    assert (page.count, page.num_pages, page.start_index, page.end_index) == (1000, 20, 1, 50)


def test_totals_follow_the_filters_and_are_kept_apart_per_currency(customer, finance):
    credited = make_invoices(customer, finance, 2, total_ore=100)[0]
    make_invoices(customer, finance, 1, total_ore=-30, kind="credit_note",
                  credited_invoice=credited, currency="EUR")  # fmt: skip
    totals = report.report_totals(params().filtered(customer))
    assert [(t.currency, t.count, t.total_ore) for t in totals] == [
        ("EUR", 1, -30),
        ("NOK", 2, 200),
    ]
    assert report.report_totals(params(state="draft").filtered(customer)) == []


def test_a_page_past_the_end_shows_the_last_page(customer, finance):
    make_invoices(customer, finance, 5)
    page = report.report_page(params(page="9"), [], customer, per_page=2)
    assert (page.number, page.start_index, page.end_index) == (3, 5, 5)


# Columns --------------------------------------------------------------------------------------


def test_unknown_columns_are_dropped_and_the_order_is_the_reports():
    keys = ["total", "nonsense", "number", "customer", "kid", "<script>"]
    assert [c.key for c in report.parse_columns(keys, CUSTOMER_REPORT)] == [
        "number", "total", "kid",
    ]  # fmt: skip
    assert [c.key for c in report.parse_columns(keys, FINANCE_REPORT)] == [
        "number", "customer", "total", "kid",
    ]  # fmt: skip


def test_the_column_choice_is_kept_per_user_and_report(finance, reader):
    assert [c.key for c in report.report_columns_for(finance, CUSTOMER_REPORT)] == DEFAULT_KEYS
    report.report_columns_save(user=finance, report=CUSTOMER_REPORT, keys=["kid", "number", "x"])
    assert [c.key for c in report.report_columns_for(finance, CUSTOMER_REPORT)] == ["number", "kid"]
    assert [c.key for c in report.report_columns_for(reader, CUSTOMER_REPORT)] == DEFAULT_KEYS
    assert "customer" in [c.key for c in report.report_columns_for(finance, FINANCE_REPORT)]
    # Choosing the default set again (or nothing) forgets the choice.
    report.report_columns_save(user=finance, report=CUSTOMER_REPORT, keys=DEFAULT_KEYS)
    assert not ReportColumns.objects.exists()


def test_a_stored_choice_that_no_longer_makes_sense_falls_back_to_the_default(finance):
    ReportColumns.objects.create(user=finance, report=CUSTOMER_REPORT, columns=["gone"])
    assert [c.key for c in report.report_columns_for(finance, CUSTOMER_REPORT)] == DEFAULT_KEYS
    ReportColumns.objects.filter(user=finance).update(columns={"not": "a list"})
    assert [c.key for c in report.report_columns_for(finance, CUSTOMER_REPORT)] == DEFAULT_KEYS


# Paid and outstanding -------------------------------------------------------------------------


def test_paid_outstanding_and_payment_status_come_from_the_payments_app(customer, finance):
    from kunde.payments.models import Payment

    issued = make_invoices(customer, finance, 2, total_ore=100000)
    make_invoices(customer, finance, 1, status="draft")
    columns = report.parse_columns(["number", "paid", "outstanding", "payment_status"],
                                   CUSTOMER_REPORT)  # fmt: skip
    rows = report.report_page(params(), columns, customer).rows
    assert [(r["paid"], r["outstanding"]) for r in rows] == [(None, None), (0, 100000), (0, 100000)]
    # Newest first: due 15 and 16 January 2026.
    overdue = [(timezone.localdate() - date(2026, 1, day)).days for day in (16, 15)]
    assert [r["payment_status"] for r in rows] == [
        "", f"Overdue, {overdue[0]} days", f"Overdue, {overdue[1]} days"
    ]  # fmt: skip

    Payment.objects.create(customer=customer, invoice=issued[1], amount_ore=40000,
                           date=date(2026, 1, 20), method="bank", created_by=finance)  # fmt: skip
    rows = report.report_page(params(), columns, customer).rows
    assert [(r["paid"], r["outstanding"]) for r in rows][1:] == [(40000, 60000), (0, 100000)]
    assert rows[1]["payment_state"].paid_ore == 40000


# Deliveries -----------------------------------------------------------------------------------


def _attempt(invoice, channel, result, minutes):
    at = datetime(2026, 6, 1, 12, 0, tzinfo=UTC) + timedelta(minutes=minutes)
    attempt = DeliveryAttempt.objects.create(
        invoice=invoice, channel=channel, result=result, finished_at=at
    )
    DeliveryAttempt.objects.filter(pk=attempt.pk).update(started_at=at)
    return at


def test_the_latest_delivery_of_each_invoice_in_one_query(
    customer, finance, django_assert_num_queries
):
    first, second, third = make_invoices(customer, finance, 3)
    _attempt(first, "email", "failed", 0)
    sent_at = _attempt(first, "letter", "queued", 5)
    _attempt(second, "email", "sent", 0)
    _attempt(second, "ehf", "failed", 5)
    with django_assert_num_queries(1):
        latest = report.latest_deliveries(ids([first, second, third]))
    assert {pk: (d["channel"], d["result"]) for pk, d in latest.items()} == {
        first.pk: ("letter", "queued"),
        second.pk: ("ehf", "failed"),
    }
    columns = report.parse_columns(["number", "channel", "sent_at"], CUSTOMER_REPORT)
    rows = {row["id"]: row for row in report.report_page(params(), columns, customer).rows}
    assert (rows[first.pk]["channel"], rows[first.pk]["sent_at"]) == ("Letter", sent_at)
    assert (rows[second.pk]["channel"], rows[second.pk]["sent_at"]) == ("EHF (failed)", None)
    assert (rows[third.pk]["channel"], rows[third.pk]["sent_at"]) == ("", None)


def test_a_page_costs_the_same_queries_whatever_the_size(
    customer, finance, django_assert_num_queries
):
    everything = report.parse_columns([c.key for c in report.COLUMNS], CUSTOMER_REPORT)
    make_invoices(customer, finance, 3)
    # Totals with count, rows, and the invoices' payment states (kunde.payments: 1).
    with django_assert_num_queries(3):
        report.report_page(params(), report.parse_columns(DEFAULT_KEYS, CUSTOMER_REPORT), customer)
    with django_assert_num_queries(4):  # and the deliveries
        report.report_page(params(), everything, customer)
    made = make_invoices(customer, finance, 60)
    for invoice in made[:10]:
        _attempt(invoice, "email", "sent", 0)
    with django_assert_num_queries(4):
        page = report.report_page(params(), everything, customer)
    assert len(page.rows) == 50


# Downloads ------------------------------------------------------------------------------------


def test_export_rows_stream_every_match_in_order_in_chunks(
    customer, finance, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(report, "EXPORT_CHUNK", 4)
    made = make_invoices(customer, finance, 10, step=0)
    columns = report.parse_columns(["number", "channel"], CUSTOMER_REPORT)
    with django_assert_max_num_queries(3 + 3 + 1):  # rows in chunks, deliveries per chunk
        rows = list(report.export_rows(params(order="number"), columns, customer))
    assert [row["id"] for row in rows] == ids(made)
    assert set(rows[0]) == {"number", "channel", "id", "is_draft", "currency"}
