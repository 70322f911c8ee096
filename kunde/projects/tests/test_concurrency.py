"""Two registrations for one employee and day at the same moment: the 24-hour rule holds
(on PostgreSQL the employee's row is locked; SQLite runs one writer at a time)."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection
from django.utils import timezone

from kunde.projects import services
from kunde.projects.models import TimeEntry


@pytest.mark.django_db(transaction=True)
def test_two_registrations_at_once_never_pass_24_hours(manager, project):
    day = timezone.localdate() - dt.timedelta(days=1)
    refused, unexpected = [], []
    barrier = threading.Barrier(2)

    def register():
        try:
            barrier.wait()
            services.time_entry_create(
                actor=manager, project=project, employee=manager, date=day, minutes=13 * 60
            )
        except (ValidationError, OperationalError) as exc:  # SQLite: "database is locked"
            refused.append(exc)
        except Exception as exc:  # noqa: BLE001 - asserted below
            unexpected.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=register) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert unexpected == []
    assert len(refused) == 1
    assert TimeEntry.objects.count() == 1
