from kunde.invoices import services
from kunde.invoices.pdf import invoice_pdf_render


def issue_with_pdf(**kwargs):
    """Issue a draft and store its PDF, as a request does (the PDF is rendered right after the
    issue commits; a test's transaction never commits, so it is rendered here)."""
    invoice = services.invoice_issue(**kwargs)
    return invoice_pdf_render(invoice.pk)
