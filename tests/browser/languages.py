"""Browser tests that run once in each interface language.

The whole suite runs in English; a chosen subset (sign-in, the customer profile and its tabs,
editing a customer, the invoices tab, the ledger) also runs in Norwegian, the default for
users, so a page that breaks or stays English only in Norwegian is caught without running
every browser test twice."""

import pytest

both_languages = pytest.mark.parametrize("language", ["en", "nb"], indirect=True)
