"""Plain explanations of the EHF rules a user can meet, saying what to fix in Kunde."""

from django.utils.translation import gettext as _

from kunde.lib.peppol_rules import Failure


def _texts() -> dict[str, str]:
    program = _("Kunde built this part wrongly: report it to your administrator.")
    return {
        "PEPPOL-EN16931-R003": _(
            "The buyer reference is missing: fill in “order / buyer reference” or “your "
            "reference” (on the draft or in the customer's invoicing options)."
        ),
        "PEPPOL-EN16931-R010": _(
            "The customer's organisation number is missing: EHF is addressed to it."
        ),
        "PEPPOL-EN16931-R020": _(
            "Our company's organisation number is missing: add it in the company settings."
        ),
        "PEPPOL-COMMON-R041": _(
            "An organisation number is not a valid Norwegian organisation number (nine "
            "digits with a correct check digit)."
        ),
        "NO-R-001": _(
            "Our company's VAT number must be NO, the organisation number and MVA, e.g. "
            "NO923609016MVA: check the organisation number in the company settings."
        ),
        "NO-R-002": _(
            "«Foretaksregisteret» is missing: an AS, ASA or NUF must show it. Set the "
            "organisation form in the company settings."
        ),
        "BR-10": _("The customer's address is missing."),
        "BR-11": _("The customer's country is missing."),
        "BR-08": _("Our company's address is missing: add it in the company settings."),
        "BR-09": _("Our company's country is missing: add it in the company settings."),
        "BR-06": _("Our company's name is missing."),
        "BR-07": _("The customer's name is missing."),
        "BR-S-02": _(
            "Lines with VAT need our company's VAT number: mark the company VAT-registered "
            "and give its organisation number."
        ),
        "BR-CO-26": _("Our company's organisation number is missing."),
        "PEPPOL-EN16931-CL007": _("The invoice currency is not a valid currency code."),
        "NOK-RATE": _(
            "The NOK exchange rate for the invoice currency on the invoice date is missing."
        ),
        "PDF": _("The stored PDF of the document is missing or cannot be read."),
        "XSD": program,
        "XML": program,
    }


def explain(failure: Failure) -> str:
    return _texts().get(failure.rule, failure.text)


def failures_as_dicts(failures: list[Failure]) -> list[dict]:
    return [
        {
            "rule": f.rule,
            "flag": f.flag,
            "location": f.location,
            "text": f.text,
            "explanation": explain(f),
        }
        for f in failures
    ]


def failure_rows(stored: list[dict]) -> list[dict]:
    """Failed rules as kept on an `EhfDelivery`, fatal first, each with what to fix."""
    failures = [
        Failure(f["rule"], f["flag"], f.get("location", ""), f.get("text", "")) for f in stored
    ]
    failures.sort(key=lambda f: f.flag != "fatal")
    return failures_as_dicts(failures)
