"""Where things live: the invoices app reads payments through selectors and template tags,
never through payment views; the KID rule belongs to the company app."""

import ast
from pathlib import Path

import kunde.invoices

INVOICES = Path(kunde.invoices.__file__).parent


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_the_invoices_app_never_imports_payment_views():
    offenders = [
        str(path.relative_to(INVOICES))
        for path in INVOICES.rglob("*.py")
        if "tests" not in path.parts
        and any(name.startswith("kunde.payments.views") for name in _imports(path))
    ]
    assert offenders == []


def test_the_kid_rule_is_the_company_s():
    from kunde.company.kid import kid_rule
    from kunde.company.models import Company
    from kunde.invoices import services

    assert not hasattr(services, "kid_rule")
    rule = kid_rule(Company(kid_invoice_digits=6, kid_customer_digits=5))
    assert (rule.invoice_digits, rule.customer_digits) == (6, 5)
    company_imports = set().union(
        *(_imports(p) for p in (INVOICES.parent / "company").glob("*.py"))
    )
    assert not any(
        name == "kunde.invoices.services" or name.startswith("kunde.invoices.services.")
        for name in company_imports
    )


def test_services_are_split_by_action():
    modules = {p.stem for p in (INVOICES / "services").glob("*.py")}
    assert {"drafts", "credit_notes", "issuing"} <= modules
