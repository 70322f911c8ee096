"""Files for the demo customers' Files tabs, made here (nothing is copied into the repository):
a signed framework agreement (PDF, reportlab), the customer's logo (PNG, Pillow) and an hours
budget (XLSX, xlsxwriter). Only the first customers get them, so `make run` stays quick."""

import io
import random
from collections.abc import Callable
from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageDraw

from kunde.accounts.models import Role, User
from kunde.customers.models import Customer
from kunde.files.models import CustomerFile
from kunde.files.services import file_upload

CUSTOMERS_WITH_FILES = 20
COLOURS = [(31, 78, 121), (156, 39, 6), (20, 110, 80), (90, 60, 140), (200, 140, 20)]


def demo_files_create(
    *, seed: int, customers: int = CUSTOMERS_WITH_FILES, log: Callable[[str], None] = print
) -> int:
    """Upload three files to each of the first `customers` customers; returns how many files.
    Does nothing when there are files already."""
    if CustomerFile.objects.exists():
        return 0
    uploader = User.objects.filter(role=Role.ACCOUNT_MANAGER, is_active=True).order_by("pk")
    admin = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk").first()
    fallback = uploader.first() or admin
    if fallback is None:
        return 0
    rng = random.Random(f"kunde-demo-files:{seed}")
    chosen = list(Customer.objects.select_related("account_manager").order_by("number")[:customers])
    log(f"Making demo files for {len(chosen)} customers ...")
    made = 0
    now = timezone.now()
    for customer in chosen:
        actor = customer.account_manager or fallback
        year = (now - timedelta(days=rng.randint(30, 900))).year
        for name, data, description in (
            (
                f"Rammeavtale {customer.name} {year} (signert).pdf",
                agreement_pdf(customer.name, year),
                "Signert rammeavtale",
            ),
            (f"Logo {customer.name}.png", logo_png(customer.name, rng), ""),
            (f"Timebudsjett {year + 1}.xlsx", budget_xlsx(rng, year + 1), "Budsjett fra kunden"),
        ):
            file_upload(
                actor=actor,
                customer=customer,
                upload=ContentFile(data, name=name),
                description=description,
                bookkeeping=name.endswith(".pdf"),
            )
            made += 1
    return made


def agreement_pdf(customer_name: str, year: int) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4)
    width, height = A4
    page.setFont("Helvetica-Bold", 18)
    page.drawString(60, height - 90, "Rammeavtale om rådgivningstjenester")
    page.setFont("Helvetica", 11)
    lines = [
        f"Mellom Fjordvik Rådgivning AS og {customer_name}.",
        f"Avtalen gjelder fra 1. januar {year} og løper til den sies opp med tre måneders varsel.",
        "Timepriser etter gjeldende prisliste; fakturering månedlig etterskuddsvis.",
        "Betalingsfrist 14 dager. Forsinkelsesrente etter forsinkelsesrenteloven.",
    ]
    for number, line in enumerate(lines):
        page.drawString(60, height - 130 - number * 18, line)
    page.line(60, 160, 250, 160)
    page.line(330, 160, 520, 160)
    page.drawString(60, 145, "For Fjordvik Rådgivning AS")
    page.drawString(330, 145, f"For {customer_name}"[:40])
    page.save()
    return out.getvalue()


def logo_png(customer_name: str, rng: random.Random) -> bytes:
    colour = rng.choice(COLOURS)
    image = Image.new("RGB", (240, 120), "white")
    draw = ImageDraw.Draw(image)
    draw.ellipse((10, 10, 110, 110), fill=colour)
    initials = "".join(word[0] for word in customer_name.split()[:2]).upper()
    draw.text((45, 50), initials, fill="white")
    draw.text((120, 55), customer_name[:18], fill=colour)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def budget_xlsx(rng: random.Random, year: int) -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("Budsjett")
    bold = book.add_format({"bold": True})
    sheet.write_row(0, 0, ["Måned", "Timer", "Timepris", "Beløp"], bold)
    for month in range(1, 13):
        hours = rng.randint(10, 80)
        sheet.write_row(month, 0, [f"{year}-{month:02d}", hours, 1250])
        sheet.write_formula(month, 3, f"=B{month + 1}*C{month + 1}")
    sheet.write(13, 0, "Sum", bold)
    sheet.write_formula(13, 3, "=SUM(D2:D13)")
    book.close()
    return out.getvalue()
