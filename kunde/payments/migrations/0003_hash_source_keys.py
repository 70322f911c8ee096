"""Source keys become the SHA-256 of the transaction's full identity (issue 9).

Before, the key was the identity text itself, cut to 200 characters, so two long references
could collide. Each stored key is replaced by the SHA-256 of the text it holds: the same
function imports now apply to the full identity, so a transaction booked before has the same key
today and a re-import is still recognised as a duplicate. Keys that were cut (200 characters,
only from camt references far beyond ISO 20022's 35) keep the hash of the cut text and no longer
match a new import; their files are still recognised by their hash and message id.

Not reversible: a hash cannot be turned back into the text.
"""

import hashlib

from django.db import migrations

BATCH = 2000


def hash_keys(apps, schema_editor):
    Payment = apps.get_model("payments", "Payment")
    rows = Payment.objects.exclude(source_key=None).only("pk", "source_key").order_by("pk")
    last = 0
    while True:
        batch = list(rows.filter(pk__gt=last)[:BATCH])
        if not batch:
            return
        for payment in batch:
            text = payment.source_key.encode("utf-8", "surrogatepass")
            payment.source_key = hashlib.sha256(text).hexdigest()
        Payment.objects.bulk_update(batch, ["source_key"])
        last = batch[-1].pk


class Migration(migrations.Migration):
    dependencies = [("payments", "0002_ledger_indexes")]

    operations = [migrations.RunPython(hash_keys, migrations.RunPython.noop, elidable=False)]
