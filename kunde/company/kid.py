"""Our company's KID rule: how the KID of an invoice or credit note is composed from the
settings agreed with the bank (kunde.lib.kid does the digits). Invoicing and payment matching
both read the rule from here."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kunde.lib import kid as kid_lib


def kid_rule(company) -> kid_lib.KidRule:
    """The company's KID settings as a rule of kunde.lib.kid."""
    return kid_lib.KidRule(
        algorithm=company.kid_algorithm,
        invoice_digits=company.kid_invoice_digits,
        customer_digits=company.kid_customer_digits,
        fixed_digits=company.kid_fixed_digits,
        document_type_digit=company.kid_document_type_digit,
        mod11_dash=company.kid_mod11_dash,
    )


def document_kid(company, *, invoice_number: int, customer_number: int, credit_note: bool):
    """The KID of an issued document, or None when the company does not use KIDs. A rule that
    cannot make it is a ValidationError on `kid`."""
    if not company.kid_enabled:
        return None
    try:
        return kid_lib.make_kid(
            kid_rule(company),
            invoice_number=invoice_number,
            customer_number=customer_number,
            credit_note=credit_note,
        )
    except kid_lib.KidRuleError as exc:
        raise ValidationError(
            {"kid": _("The company's KID setting cannot be used: %(reason)s") % {"reason": exc}}
        ) from exc
