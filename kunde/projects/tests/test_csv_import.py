import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kunde.activity.models import ActivityEntry
from kunde.projects import services
from kunde.projects.csv_import import time_entries_import
from kunde.projects.models import TimeEntry

pytestmark = pytest.mark.django_db

DAY = timezone.localdate() - dt.timedelta(days=1)
HEADER = "date,employee,project,hours,description,billable\n"


def csv(*rows, header=HEADER) -> bytes:
    return (header + "".join(row + "\n" for row in rows)).encode()


def test_a_good_file_is_imported_whole(finance, manager, project):
    services.cost_rate_set(actor=finance, employee=manager, valid_from=DAY, rate_ore=50000)
    data = csv(
        f"{DAY.isoformat()},mats,{project.number},1:30,Møte,yes",
        f'{DAY:%d.%m.%Y},frida,{project.number},"2,5",Rapport,no',
    )
    result = time_entries_import(actor=finance, data=data)
    assert result.ok and result.imported == 2
    rows = list(
        TimeEntry.objects.order_by("minutes").values_list(
            "employee__username", "minutes", "billable", "cost_rate_ore"
        )
    )
    assert rows == [("mats", 90, True, 50000), ("frida", 150, False, 0)]
    entry = ActivityEntry.objects.get(action="hours.imported")
    assert "2 time entries (4 hours)" in entry.text


def test_a_preview_saves_nothing(finance, project):
    result = time_entries_import(
        actor=finance, data=csv(f"{DAY},frida,{project.number},1,x,"), dry_run=True
    )
    assert result.ok and len(result.rows) == 1
    assert not TimeEntry.objects.exists()


def test_a_wrong_column_refuses_the_file(finance, project):
    result = time_entries_import(
        actor=finance,
        data=csv(
            f"{DAY},frida,{project.number},1,x,yes",
            header="date,person,project,hours,description,billable\n",
        ),
    )
    assert not result.ok
    assert "unknown column(s): person" in result.errors[0][1]
    assert "missing column(s): employee" in result.errors[0][1]
    assert not TimeEntry.objects.exists()


def test_every_bad_row_is_named_and_nothing_is_imported(finance, manager, customer, project):
    closed = services.project_create(
        actor=manager, customer=customer, data={"name": "Ferdig", "status": "completed"}
    )
    future = timezone.localdate() + dt.timedelta(days=2)
    data = csv(
        f"{DAY},frida,{project.number},1,ok,yes",
        f"31.02.2026,frida,{project.number},1,bad date,yes",
        f"{DAY},nobody,{project.number},1,unknown,yes",
        f"{DAY},frida,{closed.number},1,closed,yes",
        f"{future},frida,{project.number},1,future,yes",
        f"{DAY},frida,99999,1,unknown project,yes",
        f"{DAY},frida,{project.number},lots,bad hours,yes",
        f"{DAY},frida,{project.number},1,bad flag,maybe",
        f"{DAY},frida,{project.number},1",
    )
    result = time_entries_import(actor=finance, data=data)
    assert not result.ok
    messages = dict(result.errors)
    assert sorted(messages) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert "is not a date" in messages[3]
    assert "Unknown employee “nobody”" in messages[4]
    assert "is closed" in messages[5]
    assert "future" in messages[6]
    assert "Unknown project “99999”" in messages[7]
    assert "is not a duration" in messages[8]
    assert "is not yes or no" in messages[9]
    assert "4 values, not 6" in messages[10]
    assert not TimeEntry.objects.exists()


def test_more_than_24_hours_a_day_across_the_file_and_the_database(finance, manager, project):
    services.time_entry_create(
        actor=finance, project=project, employee=finance, date=DAY, minutes=600
    )
    data = csv(f"{DAY},frida,{project.number},8,a,yes", f"{DAY},frida,{project.number},7,b,yes")
    result = time_entries_import(actor=finance, data=data)
    assert [line for line, _m in result.errors] == [3]
    assert "more than 24 hours" in result.errors[0][1]
    assert TimeEntry.objects.count() == 1


def test_a_manager_may_not_import_hours_of_others_on_projects_they_do_not_lead(
    manager, finance, customer
):
    other = services.project_create(
        actor=finance, customer=customer, data={"name": "Annet", "manager": finance}
    )
    result = time_entries_import(actor=manager, data=csv(f"{DAY},frida,{other.number},1,x,yes"))
    assert "You may not register hours for" in result.errors[0][1]


def test_a_reader_may_not_import(reader, project):
    with pytest.raises(PermissionDenied):
        time_entries_import(actor=reader, data=csv(f"{DAY},rolf,{project.number},1,x,yes"))


def test_semicolons_and_minutes_are_understood(finance, project):
    data = csv(
        f"{DAY};frida;{project.number};45;x;ja",
        header="date;employee;project;minutes;description;billable\n",
    )
    assert time_entries_import(actor=finance, data=data).imported == 1
    assert TimeEntry.objects.get().minutes == 45


def test_not_utf8_is_refused(finance, project):
    result = time_entries_import(
        actor=finance, data=HEADER.encode() + "2026-01-01,frida,1,1,Bål,yes\n".encode("latin-1")
    )
    assert "not UTF-8" in result.errors[0][1]


# The page


def test_the_page_previews_then_imports(client_for, finance, project):
    client = client_for(finance)
    upload = SimpleUploadedFile("timer.csv", csv(f"{DAY},frida,{project.number},2,Analyse,yes"))
    preview = client.post("/projects/import/", {"file": upload})
    assert preview.status_code == 200
    assert "Import 1 row" in preview.text
    assert not TimeEntry.objects.exists()
    token = preview.context["token"]
    done = client.post("/projects/import/", {"token": token})
    assert done.status_code == 302
    assert TimeEntry.objects.get().minutes == 120
    # the checked file is used once
    assert client.post("/projects/import/", {"token": token}).status_code == 302
    assert TimeEntry.objects.count() == 1


def test_the_page_lists_row_errors(client_for, finance, project):
    upload = SimpleUploadedFile("timer.csv", csv(f"{DAY},nobody,{project.number},2,x,yes"))
    response = client_for(finance).post("/projects/import/", {"file": upload})
    assert response.status_code == 422
    assert "Line 2" in response.text and "Unknown employee" in response.text


def test_a_token_of_another_user_is_not_found(client_for, finance, manager, project):
    preview = client_for(finance).post(
        "/projects/import/",
        {"file": SimpleUploadedFile("t.csv", csv(f"{DAY},frida,{project.number},2,x,yes"))},
    )
    token = preview.context["token"]
    client_for(manager).post("/projects/import/", {"token": token})
    assert not TimeEntry.objects.exists()


def test_a_reader_may_not_open_the_import(client_for, reader):
    assert client_for(reader).get("/projects/import/").status_code == 403


def test_an_activity_column_puts_hours_on_the_projects_activity(finance, project):
    design = services.activity_create(
        actor=finance, project=project, name="Design", rate_ore=150000
    )
    header = "date,employee,project,hours,description,billable,activity\n"
    data = csv(
        f"{DAY.isoformat()},frida,{project.number},1,Skisser,yes,design",
        f"{DAY.isoformat()},frida,{project.number},2,Annet,yes,",
        header=header,
    )
    result = time_entries_import(actor=finance, data=data)
    assert result.ok, result.errors
    rows = set(TimeEntry.objects.values_list("activity_id", "minutes", "sales_rate_ore"))
    assert rows == {(design.pk, 60, 150000), (None, 120, project.hourly_rate_ore)}


def test_an_unknown_activity_refuses_the_file(finance, project):
    header = "date,employee,project,hours,description,billable,activity\n"
    data = csv(f"{DAY.isoformat()},frida,{project.number},1,X,yes,Nope", header=header)
    result = time_entries_import(actor=finance, data=data)
    assert not result.ok
    assert "has no activity “Nope”" in result.errors[0][1]
    assert not TimeEntry.objects.exists()
