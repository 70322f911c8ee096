"""The jobs page: administrators only; failed jobs with their error and traceback; retry and
cancel; a fixed number of queries."""

import pytest
from django.utils import timezone

from kunde.jobs.models import Job, JobState

URL = "/jobs/"


@pytest.fixture
def failed(db, finance):
    return Job.objects.create(
        kind="noop",
        state=JobState.FAILED,
        attempts=1,
        max_attempts=1,
        error="The mail server said no.",
        traceback="Traceback (most recent call last): ...",
        created_by=finance,
        finished_at=timezone.now(),
    )


def test_only_administrators_see_the_jobs_page(client_for, finance, manager, reader):
    for user in (finance, manager, reader):
        assert client_for(user).get(URL).status_code == 403


def test_failed_jobs_show_what_went_wrong(client_for, admin, failed):
    page = client_for(admin).get(URL).content.decode()
    assert "The mail server said no." in page
    assert "Traceback (most recent call last)" in page
    assert f'action="/jobs/{failed.pk}/retry/"' in page


def test_a_failed_job_is_run_again_from_the_page(client_for, admin, failed):
    response = client_for(admin).post(f"{URL}{failed.pk}/retry/")
    assert response.status_code == 302
    failed.refresh_from_db()
    assert (failed.state, failed.attempts) == ("succeeded", 2)


def test_a_queued_job_is_cancelled_and_a_finished_one_is_not(client_for, admin, finance, failed):
    queued = Job.objects.create(kind="noop", created_by=finance)
    client = client_for(admin)
    client.post(f"{URL}{queued.pk}/cancel/")
    queued.refresh_from_db()
    assert queued.state == "cancelled"
    response = client.post(f"{URL}{failed.pk}/cancel/", follow=True)
    assert "Only a job waiting in the queue" in response.content.decode()
    assert Job.objects.get(pk=failed.pk).state == "failed"


def test_the_page_takes_the_same_queries_however_many_jobs(
    client_for, admin, finance, django_assert_max_num_queries
):
    client = client_for(admin)
    for _ in range(30):
        Job.objects.create(kind="noop", state=JobState.FAILED, created_by=finance)
    with django_assert_max_num_queries(8):
        assert client.get(URL).status_code == 200


def test_the_api_gives_a_jobs_state_and_hides_others_jobs(client_for, finance, manager, failed):
    data = client_for(finance).get(f"/api/v1/jobs/{failed.pk}").json()
    assert (data["state"], data["error"], data["attempts"]) == (
        "failed",
        "The mail server said no.",
        1,
    )
    assert "traceback" not in data
    assert client_for(manager).get(f"/api/v1/jobs/{failed.pk}").status_code == 404
