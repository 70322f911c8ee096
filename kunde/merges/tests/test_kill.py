"""A merge whose process is killed inside its transaction leaves both customers as they were."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from kunde.customers.models import Customer
from kunde.merges.models import CustomerMerge
from kunde.merges.rules import bound_rules

SCRIPT = """
import sys, time
import django
django.setup()
from kunde.accounts.models import User
from kunde.customers.models import Customer
from kunde.merges import rules
from kunde.merges.services import customer_merge

def stall(ctx):
    print("moving", flush=True)  # contacts, projects and invoices have moved by now
    time.sleep(120)

rules.RULES["payments.Payment.customer"].move = stall
survivor, merged = (Customer.objects.get(pk=int(pk)) for pk in sys.argv[1:3])
customer_merge(actor=User.objects.get(pk=int(sys.argv[3])), survivor=survivor, merged=merged)
"""


def _database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    return f"postgres://{settings['USER']}@{host}:{port}/{settings['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_a_merge_killed_half_way_changes_nothing(everything, survivor, finance):
    counts = {key: rule.count(everything.pk) for key, rule in bound_rules().items()}
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kunde.settings_test",
        "DATABASE_URL": _database_url(),
    }
    process = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(survivor.pk), str(everything.pk), str(finance.pk)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[3],
    )
    try:
        line = process.stdout.readline()
        assert line.strip() == "moving", process.stderr.read()
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert {key: rule.count(everything.pk) for key, rule in bound_rules().items()} == counts
    assert Customer.objects.get(pk=everything.pk).merged_into_id is None
    assert not CustomerMerge.objects.exists()
