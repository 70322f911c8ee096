"""Sending one recorded e-mail attempt as a job, at most once: an invoice's `DeliveryAttempt`
and an offer's `OfferDelivery` go the same way.

The attempt is the idempotency key. It is claimed (queued → "sending") and committed before the
mail server is called, so a worker that dies in between leaves "sending" (outcome unknown)
behind, never a silent duplicate; an attempt that is not queued any more is never sent again.
A mail server that refuses or does not answer puts the attempt back in the queue with the
reason and raises `RetryLater`, so the job is tried again after a back-off.
"""

import logging
import smtplib
from collections.abc import Callable

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from kunde.jobs.services import RetryLater

logger = logging.getLogger(__name__)


def transmit(message: EmailMessage) -> str:
    """Hand the message to the mail server. Returns "" when it accepted the message, else the
    reason it did not. Only errors of talking to the server are caught: anything else leaves
    the attempt "sending", which is what it is then, unknown."""
    connection = get_connection(timeout=settings.EMAIL_TIMEOUT)
    try:
        connection.open()
        accepted = connection.send_messages([message])
    except TimeoutError:
        return _("The mail server did not answer within %(seconds)s seconds.") % {
            "seconds": settings.EMAIL_TIMEOUT
        }
    except smtplib.SMTPException as exc:
        return _("The mail server refused the message: %(error)s") % {"error": exc}
    except OSError as exc:
        return _("The mail server could not be reached: %(error)s") % {"error": exc}
    finally:
        # Once the message is accepted, a failure to say goodbye changes nothing.
        try:
            connection.close()
        except Exception:
            logger.warning("Closing the mail connection failed", exc_info=True)
    if not accepted:
        return _("The mail server accepted no message.")
    return ""


def attempt_send_once(
    *,
    attempts: QuerySet,
    attempt_id: int,
    results,
    message_for: Callable[[Model], EmailMessage],
    message_id: str,
    on_sent: Callable[[Model, EmailMessage], None],
) -> dict:
    """Claim queued attempt `attempt_id` of `attempts` (fetched from it, with what the message
    needs), send the message `message_for` builds with the Message-ID `<message_id-pk@…>` and
    call `on_sent` when the server took it. `results` is the model's result choices (QUEUED,
    SENDING, SENT). Returns the job's result: the attempt and its result."""
    model = attempts.model
    claimed = model.objects.filter(pk=attempt_id, result=results.QUEUED).update(
        result=results.SENDING
    )
    attempt = attempts.get(pk=attempt_id)
    if not claimed:
        # Sent already, or an earlier try stopped while talking to the server: never twice.
        return {"attempt": attempt.pk, "result": attempt.result}
    message = message_for(attempt)
    message.extra_headers["Message-ID"] = f"<{message_id}-{attempt.pk}@kunde.invalid>"
    error = transmit(message)
    if error:
        # Back in the queue with the reason; the job gives up after the last attempt.
        model.objects.filter(pk=attempt.pk).update(result=results.QUEUED, error=error)
        raise RetryLater(error)
    on_sent(attempt, message)
    return {"attempt": attempt.pk, "result": results.SENT}


def attempt_still_queued(attempts: QuerySet, attempt_id: int | None, results) -> Model | None:
    """The attempt a job gives up on, if it is still queued (else it was sent or is unknown,
    and stays so)."""
    return attempts.filter(pk=attempt_id, result=results.QUEUED).first()
