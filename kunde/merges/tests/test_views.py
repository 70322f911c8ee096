import pytest
from django.urls import reverse

from kunde.customers.models import Customer
from kunde.merges.models import CustomerMerge, DuplicateDismissal
from kunde.merges.services import customer_merge


def test_the_profile_offers_merge_duplicates_to_finance_only(
    client_for, survivor, finance, manager
):
    url = reverse("customers:detail", args=[survivor.pk])
    assert b'data-testid="merge-duplicates"' in client_for(finance).get(url).content
    assert b'data-testid="merge-duplicates"' not in client_for(manager).get(url).content


def test_the_start_page_suggests_the_duplicate(client_for, survivor, duplicate, finance):
    response = client_for(finance).get(reverse("merges:start", args=[survivor.pk]))
    assert response.status_code == 200
    assert duplicate.name in response.content.decode()
    assert "same organisation number" in response.content.decode()


@pytest.mark.parametrize("who", ["manager", "reader"])
def test_merge_pages_are_refused_to_other_roles(client_for, survivor, duplicate, who, request):
    client = client_for(request.getfixturevalue(who))
    for url in (
        reverse("merges:start", args=[survivor.pk]),
        reverse("merges:preview", args=[survivor.pk, duplicate.pk]),
        reverse("merges:duplicates"),
    ):
        assert client.get(url).status_code == 403
    assert (
        client.post(reverse("merges:preview", args=[survivor.pk, duplicate.pk])).status_code == 403
    )


def test_the_preview_shows_counts_conflicts_and_fields(client_for, everything, survivor, finance):
    response = client_for(finance).get(reverse("merges:preview", args=[survivor.pk, everything.pk]))
    text = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="counts"' in text and 'data-testid="conflicts"' in text
    assert "primary contact" in text
    assert 'data-testid="take-phone"' in text
    assert Customer.objects.get(pk=everything.pk).merged_into is None  # nothing changed


def test_the_preview_defaults_to_the_busier_customer_as_survivor(
    client_for, everything, survivor, finance
):
    # The duplicate has the invoice and the payment.
    response = client_for(finance).get(reverse("merges:preview", args=[survivor.pk, everything.pk]))
    assert response.context["preview"].survivor == everything


def test_posting_the_preview_merges_and_the_old_url_redirects(
    client_for, everything, survivor, finance
):
    client = client_for(finance)
    url = reverse("merges:preview", args=[survivor.pk, everything.pk])
    form = {
        "survivor": survivor.pk,
        "survivor_version": survivor.version,
        "merged_version": everything.version,
        "field_phone": "merged",
    }
    response = client.post(url, form)
    record = CustomerMerge.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "merges:detail", args=[record.pk]
    )
    assert Customer.objects.get(pk=survivor.pk).phone == everything.phone

    for name in ("customers:detail", "customers:activity", "invoices:customer_invoices"):
        old = client.get(reverse(name, args=[everything.pk]) + "?q=x")
        assert old.status_code == 302
        assert old.url == reverse(name, args=[survivor.pk]) + "?q=x"
    assert client.get(reverse("merges:detail", args=[record.pk])).status_code == 200


def test_a_stale_preview_is_refused_with_a_message(client_for, everything, survivor, finance):
    client = client_for(finance)
    url = reverse("merges:preview", args=[survivor.pk, everything.pk])
    form = {
        "survivor": survivor.pk,
        "survivor_version": survivor.version,
        "merged_version": everything.version - 1,
    }
    response = client.post(url, form, follow=True)
    assert "changed by someone else" in response.content.decode()
    assert not CustomerMerge.objects.exists()


def test_the_merged_customer_leaves_the_list(client_for, everything, survivor, finance):
    customer_merge(actor=finance, survivor=survivor, merged=everything)
    page = client_for(finance).get(reverse("customers:list"))
    ids = [c.pk for c in page.context["page"].object_list]
    assert survivor.pk in ids and everything.pk not in ids


def test_undo_from_the_record_page_is_for_administrators(
    client_for, everything, survivor, finance, admin
):
    record = customer_merge(actor=finance, survivor=survivor, merged=everything)
    url = reverse("merges:undo", args=[record.pk])
    assert client_for(finance).post(url).status_code == 403
    response = client_for(admin).post(url)
    assert response.status_code == 302
    assert Customer.objects.get(pk=everything.pk).merged_into is None


def test_duplicates_page_and_dismissal(client_for, survivor, duplicate, finance):
    client = client_for(finance)
    page = client.get(reverse("merges:duplicates"))
    assert [(s.first, s.second) for s in page.context["suggestions"]] == [(survivor, duplicate)]
    client.post(
        reverse("merges:dismiss"),
        {"first": duplicate.pk, "second": survivor.pk, "next": "https://evil.example/"},
    )
    assert DuplicateDismissal.objects.filter(first=survivor, second=duplicate).exists()
    assert client.get(reverse("merges:duplicates")).context["suggestions"] == []
