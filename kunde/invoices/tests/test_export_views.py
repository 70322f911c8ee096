import io
from datetime import date
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from kunde.activity.models import ActivityEntry
from kunde.invoices import services
from kunde.invoices.accounting_export import export_status_change
from kunde.invoices.models import AccountingExport, ExportStatusChange, Invoice

EXPORTS = "/invoices/exports/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def issued(company, customer, finance):
    """Two issued invoices of the customer."""
    made = []
    for price in (100000, 25000):
        draft = services.invoice_draft_create(
            actor=finance,
            customer=customer,
            lines=[{"description": "Rådgivning", "quantity": 1, "unit_price_ore": price}],
        )
        made.append(
            services.invoice_issue(actor=finance, invoice=draft, issue_date=date(2026, 10, 1))
        )
    return made


def status_url(customer) -> str:
    return f"/customers/{customer.pk}/invoices/export-status/"


def statuses() -> dict[int, str]:
    return dict(Invoice.objects.values_list("pk", "export_status"))


def page_text(response) -> str:
    return response.content.decode()


# The exports page ------------------------------------------------------------------------------


def test_the_urls_have_their_names(customer):
    assert reverse("invoices:exports") == EXPORTS
    assert reverse("invoices:export_csv", args=[3]) == "/invoices/exports/3/csv/"
    assert reverse("invoices:export_xlsx", args=[3]) == "/invoices/exports/3/xlsx/"
    assert reverse("invoices:customer_export_status", args=[customer.pk]) == status_url(customer)


@pytest.mark.parametrize("persona", ["finance", "admin"])
def test_the_exports_page_shows_what_is_waiting(request, client_for, issued, persona):
    response = client_for(request.getfixturevalue(persona)).get(EXPORTS)

    assert response.status_code == 200
    text = page_text(response)
    assert "2 issued documents are waiting to be transferred." in text
    assert "Run export" in text
    assert "No export has been run yet." in text


def test_running_an_export_lists_the_run_with_its_count(client_for, finance, issued):
    client = client_for(finance)

    response = client.post(EXPORTS, follow=True)

    run = AccountingExport.objects.get()
    text = page_text(response)
    assert f"Export {run.pk}: 2 document(s) transferred to accounting." in text
    assert "0 issued documents are waiting to be transferred." in text
    assert f'href="/invoices/exports/{run.pk}/csv/"' in text
    assert f'href="/invoices/exports/{run.pk}/xlsx/"' in text
    assert set(statuses().values()) == {"transferred"}


def test_a_second_run_says_nothing_to_transfer(client_for, finance, issued):
    client = client_for(finance)
    client.post(EXPORTS)

    response = client.post(EXPORTS, follow=True)

    assert "Nothing to transfer." in page_text(response)
    assert AccountingExport.objects.count() == 1


def test_the_runs_page_keeps_its_query_count_as_runs_grow(
    client_for, finance, issued, django_assert_num_queries
):
    client = client_for(finance)
    client.post(EXPORTS)
    for invoice in issued:
        export_status_change(
            actor=finance,
            customer=invoice.customer,
            document_ids=[invoice.pk],
            status="to_transfer",
        )
        client.post(EXPORTS)
    # The session, the user, the runs' count and page, the documents waiting.
    with django_assert_num_queries(5):
        assert client.get(EXPORTS).status_code == 200


@pytest.mark.parametrize("persona", ["reader", "manager"])
def test_other_roles_can_neither_see_nor_run_exports(request, client_for, issued, persona):
    client = client_for(request.getfixturevalue(persona))

    assert client.get(EXPORTS).status_code == 403
    assert client.post(EXPORTS).status_code == 403

    assert not AccountingExport.objects.exists()
    assert set(statuses().values()) == {"to_transfer"}


# Downloads ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "content_type"),
    [
        ("csv", "text/csv; charset=utf-8"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ],
)
def test_downloads_return_the_stored_bytes(client_for, finance, issued, kind, content_type):
    client = client_for(finance)
    client.post(EXPORTS)
    run = AccountingExport.objects.get()

    response = client.get(f"/invoices/exports/{run.pk}/{kind}/")

    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="accounting-export-{run.pk}.{kind}"'
    )
    stored = getattr(run, f"{kind}_file").open("rb").read()
    assert b"".join(response.streaming_content) == stored


@pytest.mark.parametrize("persona", ["reader", "manager"])
def test_other_roles_cannot_download(request, client_for, finance, issued, persona):
    client_for(finance).post(EXPORTS)
    run = AccountingExport.objects.get()

    client = client_for(request.getfixturevalue(persona))

    assert client.get(f"/invoices/exports/{run.pk}/csv/").status_code == 403
    assert client.get(f"/invoices/exports/{run.pk}/xlsx/").status_code == 403


def test_an_unknown_run_or_a_lost_file_is_not_found(client_for, finance, issued):
    client = client_for(finance)
    client.post(EXPORTS)
    run = AccountingExport.objects.get()
    Path(run.csv_file.path).unlink()

    assert client.get("/invoices/exports/999999/csv/").status_code == 404
    response = client.get(f"/invoices/exports/{run.pk}/csv/")
    assert response.status_code == 404


# The customer's export status dialog -----------------------------------------------------------


def test_the_status_dialog_lists_issued_documents_and_recent_files(
    client_for, finance, customer, issued
):
    draft = services.invoice_draft_create(
        actor=finance,
        customer=customer,
        lines=[{"description": "Utkast", "quantity": 1, "unit_price_ore": 100}],
    )
    client = client_for(finance)
    client.post(EXPORTS)
    run = AccountingExport.objects.get()

    response = client.get(status_url(customer))

    assert response.status_code == 200
    text = page_text(response)
    for invoice in issued:
        assert f'name="documents" value="{invoice.pk}"' in text
    assert f'value="{draft.pk}"' not in text
    assert "Transferred" in text
    assert f'href="/invoices/exports/{run.pk}/csv/"' in text
    assert 'href="../"' in text  # back to the customer's invoices tab


def test_the_status_dialog_keeps_its_query_count_as_documents_grow(
    client_for, finance, customer, issued, django_assert_num_queries
):
    client = client_for(finance)
    client.post(EXPORTS)
    client.get(status_url(customer))  # warm up the session and the user
    # The session, the user, the customer, the documents and the recent runs.
    with django_assert_num_queries(5):
        client.get(status_url(customer))
    for _ in range(3):
        draft = services.invoice_draft_create(
            actor=finance,
            customer=customer,
            lines=[{"description": "X", "quantity": 1, "unit_price_ore": 100}],
        )
        services.invoice_issue(actor=finance, invoice=draft)
    client.post(EXPORTS)
    with django_assert_num_queries(5):
        client.get(status_url(customer))


def test_changing_the_status_logs_it_and_shows_it(client_for, finance, customer, issued):
    first, second = issued

    response = client_for(finance).post(
        status_url(customer), {"documents": [first.pk], "status": "do_not_transfer"}, follow=True
    )

    assert response.redirect_chain == [(status_url(customer), 302)]
    text = page_text(response)
    assert "Export status set to “Do not transfer” on 1 document(s)." in text
    assert statuses() == {first.pk: "do_not_transfer", second.pk: "to_transfer"}
    change = ExportStatusChange.objects.get()
    assert (change.invoice, change.old_status, change.new_status, change.actor) == (
        first,
        "to_transfer",
        "do_not_transfer",
        finance,
    )
    assert ActivityEntry.objects.filter(
        customer=customer, action="invoice.export_status_changed"
    ).exists()


@pytest.mark.parametrize(
    ("documents", "status", "message"),
    [
        ("draft", "do_not_transfer", "a draft cannot be chosen"),
        ("unknown", "do_not_transfer", "not this customer&#x27;s invoices or credit notes"),
        ("first", "sent", "Choose an export status from the list."),
        ("first", "", "Choose the new export status."),
        ("none", "do_not_transfer", "Choose at least one document."),
        ("not a number", "do_not_transfer", "The list of documents is not valid"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_changes_nothing(
    client_for, finance, customer, issued, documents, status, message
):
    draft = services.invoice_draft_create(
        actor=finance,
        customer=customer,
        lines=[{"description": "Utkast", "quantity": 1, "unit_price_ore": 100}],
    )
    ids = {
        "draft": [issued[0].pk, draft.pk],
        "unknown": [issued[0].pk, 999999],
        "first": [issued[0].pk],
        "none": [],
        "not a number": ["abc"],
    }[documents]
    before = statuses()

    response = client_for(finance).post(status_url(customer), {"documents": ids, "status": status})

    assert response.status_code == 400
    text = page_text(response)
    assert "Nothing was changed." in text
    assert message in text
    assert statuses() == before
    assert not ExportStatusChange.objects.exists()


@pytest.mark.parametrize("persona", ["reader", "manager"])
def test_other_roles_cannot_change_the_status(request, client_for, customer, issued, persona):
    client = client_for(request.getfixturevalue(persona))

    assert client.get(status_url(customer)).status_code == 403
    response = client.post(
        status_url(customer), {"documents": [issued[0].pk], "status": "do_not_transfer"}
    )

    assert response.status_code == 403
    assert set(statuses().values()) == {"to_transfer"}
    assert not ExportStatusChange.objects.exists()


def test_an_unknown_customer_is_not_found(client_for, finance):
    assert client_for(finance).get("/customers/999999/invoices/export-status/").status_code == 404


# The command -----------------------------------------------------------------------------------


def run_command(*args) -> str:
    out = io.StringIO()
    call_command("export-accounting", *args, stdout=out)
    return out.getvalue()


def test_the_command_copies_both_files_and_prints_their_paths(admin, issued, tmp_path):
    out_dir = tmp_path / "out"

    output = run_command("--out", str(out_dir))

    run = AccountingExport.objects.get()
    csv_copy = out_dir / f"accounting-export-{run.pk:05d}.csv"
    xlsx_copy = out_dir / f"accounting-export-{run.pk:05d}.xlsx"
    assert output.splitlines() == [
        f"Export {run.pk}: 2 document(s) transferred.",
        str(csv_copy),
        str(xlsx_copy),
    ]
    assert csv_copy.read_bytes() == run.csv_file.open("rb").read()
    assert xlsx_copy.read_bytes() == run.xlsx_file.open("rb").read()
    assert run.created_by == admin
    assert set(statuses().values()) == {"transferred"}


def test_the_command_with_nothing_to_transfer_says_so(admin, issued, tmp_path):
    run_command("--out", str(tmp_path))

    assert run_command("--out", str(tmp_path)) == "Nothing to transfer.\n"
    assert AccountingExport.objects.count() == 1


def test_the_command_records_the_named_user(admin, finance, issued, tmp_path):
    run_command("--out", str(tmp_path), "--user", finance.username)

    assert AccountingExport.objects.get().created_by == finance


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("nobody", "No active user with the username “nobody”."),
        ("rolf", "rolf may not run exports: an administrator or finance user must."),
    ],
)
def test_the_command_refuses_an_unknown_or_unfit_user(
    admin, reader, issued, tmp_path, username, message
):
    with pytest.raises(CommandError, match=message):
        run_command("--out", str(tmp_path), "--user", username)
    assert not AccountingExport.objects.exists()


def test_the_command_needs_an_administrator_when_no_user_is_named(finance, issued, tmp_path):
    with pytest.raises(CommandError, match="There is no active administrator"):
        run_command("--out", str(tmp_path))
    assert set(statuses().values()) == {"to_transfer"}


def test_the_command_refuses_an_out_path_that_is_a_file(admin, issued, tmp_path):
    target = tmp_path / "file"
    target.write_text("x")

    with pytest.raises(CommandError, match="is not a directory"):
        run_command("--out", str(target))
    assert not AccountingExport.objects.exists()
