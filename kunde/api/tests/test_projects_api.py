"""Projects, time entries and expenses over the API: shapes, roles and refusals."""

import datetime as dt

import pytest
from django.utils import timezone

from kunde.projects.models import Expense, Project, TimeEntry

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _json(client, method, url, headers, body=None):
    return getattr(client, method)(url, body, content_type="application/json", **headers)


def test_create_list_get_and_patch_a_project(client, token_for, manager, customer):
    headers = token_for(manager)
    created = _json(
        client,
        "post",
        "/api/v1/projects",
        headers,
        {"customer": customer.pk, "name": "Ny app", "price_model": "fixed", "manager": manager.pk},
    )
    assert created.status_code == 201
    body = created.json()
    assert (body["customer"], body["name"], body["price_model"], body["manager"]) == (
        customer.pk,
        "Ny app",
        "fixed",
        manager.pk,
    )
    listed = client.get(f"/api/v1/projects?customer={customer.pk}", **headers).json()
    assert [p["id"] for p in listed["results"]] == [body["id"]]
    assert (
        client.get(f"/api/v1/projects?customer={customer.pk + 1}", **headers).json()["count"] == 0
    )
    patched = _json(
        client, "patch", f"/api/v1/projects/{body['id']}", headers, {"status": "completed"}
    )
    assert patched.status_code == 200 and patched.json()["status"] == "completed"
    assert client.get(f"/api/v1/projects/{body['id']}", **headers).json()["status"] == "completed"


def test_a_project_needs_a_known_customer(client, token_for, manager):
    response = _json(
        client, "post", "/api/v1/projects", token_for(manager), {"customer": 999, "name": "X"}
    )
    assert response.status_code == 422
    assert "customer" in response.json()["errors"]
    assert not Project.objects.exists()


def test_a_reader_may_not_create_projects(client, token_for, reader, customer):
    response = _json(
        client,
        "post",
        "/api/v1/projects",
        token_for(reader),
        {"customer": customer.pk, "name": "X"},
    )
    assert response.status_code == 403


def test_time_entries_are_registered_listed_and_approved(
    client, token_for, manager, finance, project
):
    headers = token_for(manager)
    url = f"/api/v1/projects/{project.pk}/time-entries"
    created = _json(
        client,
        "post",
        url,
        headers,
        {
            "date": TODAY.isoformat(),
            "employee": manager.pk,
            "minutes": 90,
            "description": "Møte",
            "billable": True,
        },
    )
    assert created.status_code == 201
    entry = created.json()
    assert (entry["minutes"], entry["employee"], entry["approved"]) == (90, manager.pk, False)
    assert client.get(url, **headers).json()["results"][0]["id"] == entry["id"]
    approved = _json(
        client, "post", "/api/v1/time-entries/approve", token_for(finance), {"ids": [entry["id"]]}
    )
    assert approved.status_code == 200 and approved.json() == {"approved": 1}
    assert TimeEntry.objects.get().approved is True


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"date": (TODAY + dt.timedelta(days=1)).isoformat(), "minutes": 60}, "date"),
        ({"date": TODAY.isoformat(), "minutes": 25 * 60}, "minutes"),
        ({"date": TODAY.isoformat(), "minutes": 60, "employee": 999999}, "employee"),
        ({"date": "2026-13-01", "minutes": 60}, "date"),
    ],
)
def test_bad_time_entries_are_refused(client, token_for, manager, project, body, field):
    response = _json(
        client, "post", f"/api/v1/projects/{project.pk}/time-entries", token_for(manager), body
    )
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert not TimeEntry.objects.exists()


def test_hours_on_a_closed_project_are_refused(client, token_for, manager, project):
    project.status = "completed"
    project.save()
    response = _json(
        client,
        "post",
        f"/api/v1/projects/{project.pk}/time-entries",
        token_for(manager),
        {"date": TODAY.isoformat(), "minutes": 60},
    )
    assert response.status_code == 422
    assert "closed" in response.json()["errors"]["project"][0]


def test_a_stranger_may_not_approve(client, token_for, manager, reader, project):
    from kunde.projects.services import time_entry_create

    entry = time_entry_create(
        actor=manager, project=project, employee=manager, date=TODAY, minutes=30
    )
    response = _json(
        client, "post", "/api/v1/time-entries/approve", token_for(reader), {"ids": [entry.pk]}
    )
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.approved is False


def test_expenses_are_registered_and_listed(client, token_for, manager, project):
    headers = token_for(manager)
    url = f"/api/v1/projects/{project.pk}/expenses"
    created = _json(
        client,
        "post",
        url,
        headers,
        {"date": TODAY.isoformat(), "description": "Fly", "cost_ore": 150000, "sales_ore": 165000},
    )
    assert created.status_code == 201
    assert created.json()["employee"] == manager.pk
    assert [e["cost_ore"] for e in client.get(url, **headers).json()] == [150000]
    refused = _json(
        client,
        "post",
        url,
        headers,
        {"date": TODAY.isoformat(), "description": "X", "cost_ore": -1},
    )
    assert refused.status_code == 422
    assert Expense.objects.count() == 1


def test_unknown_projects_answer_404(client, token_for, reader):
    assert client.get("/api/v1/projects/999", **token_for(reader)).status_code == 404
    assert client.get("/api/v1/projects/999/time-entries", **token_for(reader)).status_code == 404


def test_the_openapi_document_describes_projects_as_they_are_answered(client, token_for, reader):
    document = client.get("/api/v1/openapi.json", **token_for(reader)).json()
    operation = document["paths"]["/api/v1/projects/{project_id}"]["get"]
    reference = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    schema = document["components"]["schemas"][reference.rsplit("/", 1)[1]]
    assert {"number", "customer", "price_model", "hourly_rate_ore"} <= set(schema["properties"])


# Activities, expense approval and receipts, milestones


def test_activities_are_created_and_listed_with_budget_vs_actual(
    client, token_for, manager, project
):
    headers = token_for(manager)
    url = f"/api/v1/projects/{project.pk}/activities"
    created = _json(
        client,
        "post",
        url,
        headers,
        {"name": "Design", "kind": "hourly", "estimated_minutes": 600, "rate_ore": 150000},
    )
    assert created.status_code == 201
    activity = created.json()
    assert (activity["name"], activity["budget_ore"], activity["remaining_ore"]) == (
        "Design",
        1500000,
        1500000,
    )
    entry = _json(
        client,
        "post",
        f"/api/v1/projects/{project.pk}/time-entries",
        headers,
        {"date": TODAY.isoformat(), "minutes": 90, "activity": activity["id"]},
    )
    assert entry.status_code == 201
    assert (entry.json()["activity"], entry.json()["sales_rate_ore"]) == (activity["id"], 150000)
    [listed] = client.get(url, **headers).json()
    assert (listed["id"], listed["minutes"]) == (activity["id"], 90)
    entries = f"/api/v1/projects/{project.pk}/time-entries"
    assert client.get(f"{entries}?activity={activity['id']}", **headers).json()["count"] == 1
    assert client.get(f"{entries}?activity={activity['id'] + 1}", **headers).json()["count"] == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "X", "kind": "monthly"}, "kind"),
        ({"name": "X", "rate_ore": -1}, "rate_ore"),
        ({"name": "X", "colour": "red"}, "colour"),
    ],
)
def test_bad_activities_are_refused(client, token_for, manager, project, body, field):
    response = _json(
        client, "post", f"/api/v1/projects/{project.pk}/activities", token_for(manager), body
    )
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert not project.activities.exists()


def test_a_taken_activity_name_is_refused(client, token_for, manager, project):
    url = f"/api/v1/projects/{project.pk}/activities"
    assert _json(client, "post", url, token_for(manager), {"name": "A"}).status_code == 201
    refused = _json(client, "post", url, token_for(manager), {"name": "A"})
    assert refused.status_code == 422 and "name" in refused.json()["errors"]


def test_a_reader_may_not_add_activities(client, token_for, reader, project):
    response = _json(
        client,
        "post",
        f"/api/v1/projects/{project.pk}/activities",
        token_for(reader),
        {"name": "A"},
    )
    assert response.status_code == 403


def test_hours_on_an_unknown_activity_are_refused(client, token_for, manager, customer, project):
    from kunde.projects.services import activity_create

    other = Project.objects.create(number=1002, name="Annet", customer=customer, manager=manager)
    foreign = activity_create(actor=manager, project=other, name="Design")
    response = _json(
        client,
        "post",
        f"/api/v1/projects/{project.pk}/time-entries",
        token_for(manager),
        {"date": TODAY.isoformat(), "minutes": 60, "activity": foreign.pk},
    )
    assert response.status_code == 422 and "activity" in response.json()["errors"]
    assert not TimeEntry.objects.exists()


def _expense(manager, project, **extra):
    from kunde.projects.services import expense_create

    return expense_create(
        actor=manager, project=project, date=TODAY, description="Fly", cost_ore=1000, **extra
    )


def test_expenses_are_approved_by_id(client, token_for, manager, finance, reader, project):
    expense = _expense(manager, project)
    refused = _json(
        client, "post", "/api/v1/expenses/approve", token_for(reader), {"ids": [expense.pk]}
    )
    assert refused.status_code == 403
    unknown = _json(
        client, "post", "/api/v1/expenses/approve", token_for(finance), {"ids": [expense.pk, 999]}
    )
    assert unknown.status_code == 422 and "ids" in unknown.json()["errors"]
    assert Expense.objects.get().approved is False
    approved = _json(
        client, "post", "/api/v1/expenses/approve", token_for(finance), {"ids": [expense.pk]}
    )
    assert approved.json() == {"approved": 1}
    assert Expense.objects.get().approved is True


def test_a_receipt_is_uploaded_into_the_customers_files(client, token_for, manager, project):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from kunde.files.models import CustomerFile

    expense = _expense(manager, project)
    url = f"/api/v1/expenses/{expense.pk}/receipt"
    pdf = SimpleUploadedFile("kvittering.pdf", b"%PDF-1.4 receipt", "application/pdf")
    response = client.post(url, {"file": pdf}, **token_for(manager))
    assert response.status_code == 201, response.json()
    stored = CustomerFile.objects.get()
    assert (stored.customer, stored.name, response.json()["receipt"]) == (
        project.customer,
        "kvittering.pdf",
        stored.pk,
    )
    again = SimpleUploadedFile("annen.pdf", b"%PDF-1.4 other", "application/pdf")
    twice = client.post(url, {"file": again}, **token_for(manager))
    assert twice.status_code == 422
    assert CustomerFile.objects.count() == 1


def test_a_bad_receipt_is_refused(client, token_for, manager, reader, project):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from kunde.files.models import CustomerFile

    expense = _expense(manager, project)
    url = f"/api/v1/expenses/{expense.pk}/receipt"
    empty = SimpleUploadedFile("tom.pdf", b"", "application/pdf")
    assert client.post(url, {"file": empty}, **token_for(manager)).status_code == 422
    assert client.post(url, {}, **token_for(manager)).status_code == 422
    pdf = SimpleUploadedFile("k.pdf", b"%PDF-1.4 receipt", "application/pdf")
    assert client.post(url, {"file": pdf}, **token_for(reader)).status_code == 403
    assert client.post("/api/v1/expenses/999/receipt", {}, **token_for(manager)).status_code == 404
    assert not CustomerFile.objects.exists()
    assert Expense.objects.get().receipt is None


def test_milestones_are_listed_with_their_activity(client, token_for, manager, project):
    from kunde.offers.services import offer_accept, offer_create, offer_send

    offer = offer_create(
        actor=manager,
        customer=project.customer,
        data={"name": "Nettbutikk"},
        lines=[
            {"kind": "fixed", "description": "Oppsett", "quantity": "1", "unit_price_ore": 500000},
            {"kind": "hourly", "description": "Timer", "quantity": "3", "unit_price_ore": 100000},
        ],
    )
    offer_send(actor=manager, offer=offer, by_hand=True)
    offer.refresh_from_db()
    offer_accept(offer=offer, name="Kari", confirmed=True, actor=manager, project=project)
    milestones = client.get(f"/api/v1/projects/{project.pk}/milestones", **token_for(manager))
    assert milestones.status_code == 200
    [milestone] = milestones.json()
    fixed = project.activities.get(kind="fixed")
    assert (milestone["description"], milestone["net_ore"], milestone["activity"]) == (
        "Oppsett",
        500000,
        fixed.pk,
    )
    assert milestone["invoiced"] is False


def test_the_openapi_document_has_the_new_project_endpoints(client, token_for, reader):
    paths = client.get("/api/v1/openapi.json", **token_for(reader)).json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/projects/{project_id}/activities"])
    assert "get" in paths["/api/v1/projects/{project_id}/milestones"]
    assert "post" in paths["/api/v1/expenses/approve"]
    assert (
        "multipart/form-data"
        in (paths["/api/v1/expenses/{expense_id}/receipt"]["post"]["requestBody"]["content"])
    )
