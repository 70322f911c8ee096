import pytest

from kunde.customers.models import Customer
from kunde.merges.models import CustomerMerge


def post(client, url, body, headers):
    return client.post(url, body, content_type="application/json", **headers)


def test_dry_run_counts_and_changes_nothing(client, token_for, everything, survivor, finance):
    response = post(
        client,
        f"/api/v1/customers/{survivor.pk}/merge",
        {"merge": [everything.pk], "dry_run": True},
        token_for(finance),
    )
    assert response.status_code == 200, response.content
    [preview] = response.json()["merges"]
    assert response.json()["dry_run"] is True and preview["id"] is None
    assert preview["moved"]["invoices.Invoice.customer"] == 1
    assert not CustomerMerge.objects.exists()


def test_merge_answers_the_record_and_the_old_id_redirects(
    client,
    token_for,
    everything,
    survivor,
    finance,
):
    headers = token_for(finance)
    response = post(
        client,
        f"/api/v1/customers/{survivor.pk}/merge",
        {"merge": [everything.pk], "fields": {"phone": "merged"}},
        headers,
    )
    assert response.status_code == 200, response.content
    [record] = response.json()["merges"]
    assert record["moved"]["payments.Payment.customer"] == 1
    assert Customer.objects.get(pk=survivor.pk).phone == everything.phone

    old = client.get(f"/api/v1/customers/{everything.pk}", **headers)
    assert old.status_code == 301
    assert old["Location"].endswith(f"/api/v1/customers/{survivor.pk}")
    assert old.json()["merged_into"] == survivor.pk
    assert client.get(f"/api/v1/merges/{record['id']}", **headers).json()["survivor"] == survivor.pk


def test_refusals_answer_409_and_change_nothing(client, token_for, survivor, finance):
    response = post(
        client,
        f"/api/v1/customers/{survivor.pk}/merge",
        {"merge": [survivor.pk]},
        token_for(finance),
    )
    assert response.status_code == 409
    assert "itself" in response.json()["detail"]


def test_unknown_fields_are_refused(client, token_for, duplicate, survivor, finance):
    response = post(
        client,
        f"/api/v1/customers/{survivor.pk}/merge",
        {"merge": [duplicate.pk], "fields": {"number": "merged"}},
        token_for(finance),
    )
    assert response.status_code == 409
    assert not CustomerMerge.objects.exists()


@pytest.mark.parametrize("who", ["manager", "reader"])
def test_other_roles_may_not_merge(client, token_for, duplicate, survivor, who, request):
    headers = token_for(request.getfixturevalue(who))
    url = f"/api/v1/customers/{survivor.pk}/merge"
    assert post(client, url, {"merge": [duplicate.pk]}, headers).status_code == 403
    assert client.get("/api/v1/customers/duplicates", **headers).status_code == 403


def test_undo_is_for_administrators(client, token_for, everything, survivor, finance, admin):
    from kunde.merges.services import customer_merge

    record = customer_merge(actor=finance, survivor=survivor, merged=everything)
    url = f"/api/v1/merges/{record.pk}/undo"
    assert post(client, url, {}, token_for(finance)).status_code == 403
    response = post(client, url, {}, token_for(admin))
    assert response.status_code == 200 and response.json()["undone_at"]
    assert post(client, url, {}, token_for(admin)).status_code == 409


def test_duplicates_list_gives_reasons(client, token_for, duplicate, survivor, finance):
    response = client.get("/api/v1/customers/duplicates", **token_for(finance))
    assert response.json() == [
        {
            "first": survivor.pk,
            "second": duplicate.pk,
            "reasons": ["organization_number", "name"],
            "why": "same organisation number, same name (ignoring case, spaces, AS/A/S/ASA and "
            "punctuation)",
        }
    ]


def test_the_openapi_document_lists_the_merge_operations(client, token_for, finance):
    paths = client.get("/api/v1/openapi.json", **token_for(finance)).json()["paths"]
    assert {
        "/api/v1/customers/duplicates",
        "/api/v1/customers/{survivor_id}/merge",
        "/api/v1/merges/{merge_id}",
        "/api/v1/merges/{merge_id}/undo",
    } <= set(paths)
