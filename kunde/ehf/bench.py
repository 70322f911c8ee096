"""EHF documents per second on one core: built (UBL from the printable document, PDF embedded),
validated (all three layers), and both. Pure: no database, a 15-line invoice with a real PDF."""

import time
from datetime import date
from decimal import Decimal

from kunde.lib import ehf_validation, ubl
from kunde.lib.invoice_document import Party, PrintableInvoice, PrintLine
from kunde.lib.money import ore_to_kroner
from kunde.lib.vat import document_totals, line_net_ore

GOAL_PER_SECOND = 50


def _document() -> PrintableInvoice:
    from kunde.lib.invoice_document import VatGroup

    lines = []
    for i in range(15):
        quantity, price_ore, rate = Decimal(i % 7 + 1) / 2, 95000 + 1234 * i, (25, 15, 12)[i % 3]
        net = line_net_ore(quantity, price_ore)
        lines.append(
            PrintLine(
                f"Rådgivning {i + 1}",
                quantity,
                "timer",
                ore_to_kroner(price_ore),
                Decimal(0),
                rate,
                "S",
                ore_to_kroner(net),
            )
        )
    totals = document_totals([(int(line.net_amount * 100), "S", line.vat_rate) for line in lines])
    return PrintableInvoice(
        kind="invoice",
        number=1001,
        issue_date=date(2026, 11, 2),
        due_date=date(2026, 11, 16),
        language="nb",
        currency="NOK",
        seller=Party(
            "Fjordvik Rådgivning AS",
            "Kirkegata 1",
            "0153",
            "Oslo",
            "NO",
            "923609016",
            "AS",
            "NO923609016MVA",
            bank_account="86011117947",
        ),
        buyer=Party("Kunde AS", "Storgata 1", "0155", "Oslo", "NO", "921705360"),
        customer_number=1,
        lines=lines,
        vat_groups=[
            VatGroup(g.category, g.rate, ore_to_kroner(g.taxable_ore), ore_to_kroner(g.vat_ore))
            for g in totals.groups
        ],
        net_total=ore_to_kroner(totals.net_ore),
        vat_total=ore_to_kroner(totals.vat_ore),
        total=ore_to_kroner(totals.total_ore),
        kid="00010017",
        order_reference="PO-1",
    )


def bench_ehf(n: int = 200) -> dict:
    from kunde.lib.invoice_pdf import render_invoice_pdf

    doc = _document()
    pdf = render_invoice_pdf(doc)
    attachment = (ubl.Attachment("faktura-1001.pdf", pdf),)
    started = time.perf_counter()
    ehf_validation.load()
    load_seconds = time.perf_counter() - started
    xml = ubl.build_ubl(doc, attachments=attachment)
    report = ehf_validation.validate(xml)
    if not report.valid:
        raise RuntimeError(f"The bench document does not pass: {report.fatal}")

    def rate(call) -> float:
        started = time.process_time()
        for _ in range(n):
            call()
        return round(n / (time.process_time() - started), 1)

    built = rate(lambda: ubl.build_ubl(doc, attachments=attachment))
    validated = rate(lambda: ehf_validation.validate(xml))
    both = rate(lambda: ehf_validation.validate(ubl.build_ubl(doc, attachments=attachment)))
    return {
        "name": "ehf",
        "built_per_second": built,
        "validated_per_second": validated,
        "built_and_validated_per_second": both,
        "goal_per_second": GOAL_PER_SECOND,
        "met": both >= GOAL_PER_SECOND,
        "n": n,
        "lines": len(doc.lines),
        "pdf_bytes": len(pdf),
        "xml_bytes": len(xml),
        "load_seconds": round(load_seconds, 2),
        "cpu": "process time of this one process (one core)",
    }
