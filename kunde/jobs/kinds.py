"""The kinds of job Kunde runs on the task queue: what each is called, the function that does
it, and how often it may be tried. A plain table, read where a job runs or is shown."""

from dataclasses import dataclass

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Kind:
    label: Promise
    # "module.function": run(job, report) -> dict (the job's result, JSON). `report(done,
    # total)` stores progress. Raise RetryLater for a fault worth trying again, ValidationError
    # for a refusal (a plain message, no retry); anything else fails with its traceback.
    run: str
    # Called with the job when it fails for good, to free what it held (may be "").
    give_up: str = ""
    # Name of the setting with the number of attempts (a worker lost counts as one).
    attempts_setting: str = "JOBS_MAX_ATTEMPTS"
    # Name of the setting with the first back-off delay in seconds; it doubles per attempt.
    backoff_setting: str = "JOBS_RETRY_BASE_SECONDS"

    @property
    def max_attempts(self) -> int:
        return max(1, int(getattr(settings, self.attempts_setting)))

    @property
    def backoff_base(self) -> float:
        return float(getattr(settings, self.backoff_setting))


KINDS: dict[str, Kind] = {
    "noop": Kind(_("No-op (benchmark)"), "kunde.jobs.kinds.noop"),
    "payments.import": Kind(
        _("Payment file import"),
        "kunde.payments.import_jobs.run_import",
        give_up="kunde.payments.import_jobs.give_up_import",
    ),
    "invoices.email": Kind(
        _("E-mail delivery"),
        "kunde.invoices.delivery.run_email_job",
        give_up="kunde.invoices.delivery.give_up_email_job",
        attempts_setting="DELIVERY_EMAIL_ATTEMPTS",
        backoff_setting="DELIVERY_EMAIL_RETRY_SECONDS",
    ),
    "download": Kind(_("Large download"), "kunde.jobs.downloads.run_download"),
    "invoices.accounting_export": Kind(
        _("Export to accounting"), "kunde.invoices.accounting_export.run_export_job"
    ),
    "ehf.deliver": Kind(
        _("EHF delivery"),
        "kunde.ehf.delivery.run_deliver_job",
        give_up="kunde.ehf.delivery.give_up_deliver_job",
        attempts_setting="EHF_DELIVERY_ATTEMPTS",
        backoff_setting="EHF_DELIVERY_RETRY_SECONDS",
    ),
    "ehf.poll": Kind(
        _("EHF delivery status"),
        "kunde.ehf.delivery.run_poll_job",
        attempts_setting="EHF_POLL_ATTEMPTS",
        backoff_setting="EHF_POLL_RETRY_SECONDS",
    ),
    "offers.email": Kind(
        _("Offer e-mail"),
        "kunde.offers.delivery.run_email_job",
        give_up="kunde.offers.delivery.give_up_email_job",
        attempts_setting="DELIVERY_EMAIL_ATTEMPTS",
        backoff_setting="DELIVERY_EMAIL_RETRY_SECONDS",
    ),
}


def noop(job, report) -> dict:
    """Does nothing: the benchmark measures the queue itself with it."""
    return {}


def kind_label(kind: str) -> str:
    found = KINDS.get(kind)
    return str(found.label) if found else kind
