"""Every change of an offer: create, edit (a sent offer gets a new revision), ready, send (by
e-mail through the job queue, or by hand), accept (online or registered by a user), reject,
withdraw and expire; and, on acceptance, the project and its milestones.

Each action locks the offer row, checks its state, saves in one transaction and writes the
customer's activity log. The public page and the API call the same functions."""

import secrets
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kunde.activity.services import log_activity
from kunde.invoices.options import RateBook, effective_options
from kunde.invoices.services.lines import build_line, parse_decimal
from kunde.offers.models import (
    ANSWERED,
    LineKind,
    Milestone,
    Offer,
    OfferDelivery,
    OfferDeliveryResult,
    OfferLine,
    OfferRevision,
    OfferSeries,
    OfferStatus,
)
from kunde.offers.totals import offer_totals
from kunde.projects.models import Project
from kunde.stats.summary import hours_repriced

HEADER_FIELDS = [
    "contact",
    "name",
    "tag",
    "issue_date",
    "valid_until",
    "start_date",
    "customer_reference",
    "contract_reference",
    "intro_text",
    "closing_text",
    "discount_percent",
]
# States in which editing changes the offer itself; from SENT, EXPIRED or REJECTED an edit
# makes a new revision; accepted and withdrawn offers are final.
EDITABLE = (OfferStatus.DRAFT, OfferStatus.READY)
REVISABLE = (OfferStatus.SENT, OfferStatus.EXPIRED, OfferStatus.REJECTED)


class OfferStateError(ValidationError):
    """The action does not fit the offer's state (accepting an expired offer, say)."""


# Defaults --------------------------------------------------------------------------------------


def offer_defaults(*, customer, actor, today: date | None = None) -> dict:
    """What a new offer starts with: the primary contact, today, the user, the company's
    validity and the customer's language."""
    today = today or timezone.localdate()
    return {
        "contact": customer.contacts.filter(is_primary=True).first() or customer.contacts.first(),
        "issue_date": today,
        "valid_until": today + timedelta(days=OfferSeries.load().valid_days),
        "made_by": actor,
    }


def agreed_rate_ore(*, customer, employee, on: date) -> int | None:
    """The customer's agreed hourly rate for `employee` on `on`, if there is one."""
    return RateBook(customer=customer).rate_ore(employee_id=employee.pk, on=on)


# Lines ----------------------------------------------------------------------------------------


def _build_lines(offer: Offer, lines: list[dict]) -> list[OfferLine]:
    """Unsaved lines from input, checked as invoice lines are (plus kind and optional); one
    ValidationError naming every bad field (`lines.<i>.<field>`)."""
    options = effective_options(offer.customer)
    errors: dict = {}
    built = []
    rate = None
    for i, data in enumerate(lines):
        data = dict(data)
        kind = data.get("kind") or LineKind.HOURLY
        if kind not in LineKind.values:
            errors[f"lines.{i}.kind"] = _("Choose by the hour, fixed price or expense.")
            continue
        if kind == LineKind.HOURLY and data.get("unit_price_ore") in (None, ""):
            if rate is None:
                rate = agreed_rate_ore(
                    customer=offer.customer, employee=offer.made_by, on=offer.issue_date
                )
            if rate is None:
                errors[f"lines.{i}.unit_price_ore"] = _(
                    "The customer has no agreed hourly rate; enter the price per hour."
                )
                continue
            data["unit_price_ore"] = rate
        if kind == LineKind.HOURLY and not data.get("unit"):
            data["unit"] = _("hours")
        if data.get("discount_percent") in (None, ""):
            data["discount_percent"] = offer.discount_percent
        try:
            line = build_line(i, data, options.vat, offer.discount_percent)
        except ValidationError as exc:
            errors.update(exc.message_dict)
            continue
        if line.unit_price_ore < 0 or line.quantity < 0:
            errors[f"lines.{i}.quantity"] = _("An offer line cannot be negative.")
            continue
        built.append(
            OfferLine(
                position=i,
                section=str(data.get("section") or "").strip()[:200],
                kind=kind,
                description=line.description,
                quantity=line.quantity,
                unit=line.unit,
                unit_price_ore=line.unit_price_ore,
                discount_percent=line.discount_percent,
                vat_rate=line.vat_rate,
                vat_category=line.vat_category,
                net_ore=line.net_ore,
                optional=bool(data.get("optional")),
            )
        )
    if not lines:
        errors["lines"] = _("An offer needs at least one line.")
    if errors:
        raise ValidationError(errors)
    return built


def _set_totals(offer: Offer, lines, *, chosen_only=False) -> None:
    totals = offer_totals(lines, chosen_only=chosen_only)
    offer.net_ore, offer.vat_ore, offer.total_ore = (
        totals.net_ore,
        totals.vat_ore,
        totals.total_ore,
    )
    offer.optional_net_ore = sum(line.net_ore for line in lines if line.optional)


def _search_text(offer: Offer) -> str:
    parts = [offer.name, offer.tag, offer.label, offer.customer.name, offer.customer_reference]
    return " ".join(p for p in parts if p).lower()[:600]


def _apply_header(offer: Offer, data: dict) -> None:
    errors = {}
    for name in HEADER_FIELDS:
        if name in data:
            value = data[name]
            if name == "discount_percent":
                value = parse_decimal(value if value not in (None, "") else 0, name, errors)
                if value is not None and not Decimal(0) <= value <= Decimal(100):
                    errors[name] = _("The discount must be between 0 and 100 %.")
            setattr(offer, name, value)
    if offer.contact is not None and offer.contact.customer_id != offer.customer_id:
        errors["contact"] = _("The contact person belongs to another customer.")
    if not str(offer.name or "").strip():
        errors["name"] = _("Give the offer a name.")
    if errors:
        raise ValidationError(errors)
    if offer.issue_date and offer.valid_until and offer.valid_until < offer.issue_date:
        raise ValidationError({"valid_until": _("The offer cannot expire before its date.")})


# Create and edit ------------------------------------------------------------------------------


def offer_create(*, actor, customer, data: dict, lines: list[dict]) -> Offer:
    """A draft offer for the customer; header fields not given take the defaults."""
    defaults = offer_defaults(customer=customer, actor=actor)
    offer = Offer(customer=customer, language=customer.language, **defaults)
    _apply_header(offer, data)
    built = _build_lines(offer, lines)
    _set_totals(offer, built)
    offer.search_text = _search_text(offer)
    offer.full_clean(exclude=["made_by", "customer", "contact", "project"])
    with transaction.atomic():
        offer.save()
        for line in built:
            line.offer = offer
        OfferLine.objects.bulk_create(built)
        log_activity(
            customer=customer,
            actor=actor,
            action="offer.created",
            params={"doc": offer.activity_ref(), "net_ore": offer.net_ore},
        )
    return offer


def _next_revision(revision: str) -> str:
    if not revision:
        return "A"
    if revision[-1] == "Z":
        return "A" * (len(revision) + 1)
    return revision[:-1] + chr(ord(revision[-1]) + 1)


def _locked(offer: Offer) -> Offer:
    return (
        Offer.objects.select_for_update(of=("self",))
        .select_related("customer", "made_by", "contact")
        .get(pk=offer.pk)
    )


def offer_update(*, actor, offer: Offer, data: dict, lines: list[dict] | None = None) -> Offer:
    """Change a draft (or an offer ready to send, which becomes a draft again). A sent,
    expired or rejected offer gets a new revision: the one sent stays as it was, with its PDF,
    and its link stops working. Accepted and withdrawn offers are final."""
    with transaction.atomic():
        offer = _locked(offer)
        if offer.status not in (*EDITABLE, *REVISABLE):
            raise OfferStateError(
                _("%(offer)s is %(status)s and can no longer be changed.")
                % {"offer": offer, "status": offer.get_status_display().lower()}
            )
        new_revision = offer.status in REVISABLE
        _apply_header(offer, data)
        if lines is not None:
            built = _build_lines(offer, lines)
        else:
            built = list(offer.lines.all())
        _set_totals(offer, built)
        if new_revision:
            offer.revision = _next_revision(offer.revision)
            offer.token_nonce = ""
            offer.sent_at = None
            offer.sent_by_hand = False
            offer.answered_at = None
            offer.answered_name = offer.answered_title = offer.reject_comment = ""
            offer.answered_ip = None
            offer.answered_by = None
        offer.status = OfferStatus.DRAFT
        offer.search_text = _search_text(offer)
        offer.save()
        if lines is not None:
            offer.lines.all().delete()
            for line in built:
                line.offer = offer
            OfferLine.objects.bulk_create(built)
        log_activity(
            customer=offer.customer,
            actor=actor,
            action="offer.revised" if new_revision else "offer.updated",
            params={"doc": offer.activity_ref(), "net_ore": offer.net_ore},
        )
    return offer


def offer_mark_ready(*, actor, offer: Offer) -> Offer:
    with transaction.atomic():
        offer = _locked(offer)
        if offer.status != OfferStatus.DRAFT:
            raise OfferStateError(_("Only a draft can be marked ready to send."))
        offer.status = OfferStatus.READY
        offer.save(update_fields=["status", "updated_at"])
        log_activity(
            customer=offer.customer,
            actor=actor,
            action="offer.ready",
            params={"doc": offer.activity_ref()},
        )
    return offer


# Send -----------------------------------------------------------------------------------------


def offer_send(
    *, actor, offer: Offer, by_hand: bool = False, base_url: str = "", today=None
) -> OfferDelivery:
    """Number the offer (from its own gapless series, the first time), freeze this revision
    with its PDF and deliver it: by e-mail to the contact person (a job on the queue) or, with
    `by_hand`, recorded as sent by hand. A refusal (no lines, valid-until passed, no e-mail
    address) takes no number and records nothing."""
    from kunde.offers import delivery, documents, pdf

    today = today or timezone.localdate()
    with transaction.atomic():
        offer = _locked(offer)
        if offer.status not in EDITABLE:
            raise OfferStateError(
                _("%(offer)s is %(status)s; only a draft or an offer ready to send is sent.")
                % {"offer": offer, "status": offer.get_status_display().lower()}
            )
        if not offer.lines.exists():
            raise ValidationError({"lines": _("An offer needs at least one line.")})
        if offer.valid_until < today:
            raise ValidationError(
                {"valid_until": _("The offer's valid-until date has passed; change it first.")}
            )
        recipient = "" if by_hand else delivery.recipient(offer)
        if offer.number is None:
            series = OfferSeries.objects.select_for_update().get(pk=OfferSeries.load().pk)
            offer.number = series.next_number
            series.next_number += 1
            series.save(update_fields=["next_number"])
        now = timezone.now()
        offer.status = OfferStatus.SENT
        offer.sent_at = now
        offer.sent_by_hand = by_hand
        offer.token_nonce = secrets.token_urlsafe(18)
        offer.search_text = _search_text(offer)
        offer.save()
        revision = OfferRevision.objects.create(
            offer=offer,
            revision=offer.revision,
            printable=documents.printable_data(offer),
            total_ore=offer.total_ore,
            sent_at=now,
            sent_by=actor,
        )
        attempt = OfferDelivery.objects.create(
            offer=offer,
            revision=revision,
            recipient=recipient,
            result=OfferDeliveryResult.BY_HAND if by_hand else OfferDeliveryResult.QUEUED,
            actor=actor,
            finished_at=now if by_hand else None,
        )
        log_activity(
            customer=offer.customer,
            actor=actor,
            action="offer.sent_by_hand" if by_hand else "offer.sent",
            params={"doc": offer.activity_ref(), "total_ore": offer.total_ore, "to": recipient},
        )
    pdf.revision_pdf_render(revision.pk)
    if not by_hand:
        delivery.enqueue_email(actor=actor, attempt=attempt, base_url=base_url)
    attempt.refresh_from_db()
    return attempt


def offer_resend(*, actor, offer: Offer, base_url: str = "") -> OfferDelivery:
    """E-mail the sent revision again (after a failed attempt, or to a corrected address): the
    same number, revision, PDF and link. Refused while an attempt is queued or its outcome is
    unknown."""
    from kunde.offers import delivery

    with transaction.atomic():
        offer = _locked(offer)
        if offer.status != OfferStatus.SENT:
            raise OfferStateError(_("Only a sent offer, not yet answered, is e-mailed again."))
        last = offer.deliveries.first()
        if last is not None and last.result in (
            OfferDeliveryResult.QUEUED,
            OfferDeliveryResult.SENDING,
        ):
            raise OfferStateError(
                _("The last e-mail of %(offer)s is still queued or its outcome is unknown.")
                % {"offer": offer}
            )
        revision = offer.revisions.order_by("-sent_at", "-id").first()
        attempt = OfferDelivery.objects.create(
            offer=offer,
            revision=revision,
            recipient=delivery.recipient(offer),
            result=OfferDeliveryResult.QUEUED,
            actor=actor,
        )
        log_activity(
            customer=offer.customer,
            actor=actor,
            action="offer.sent",
            params={
                "doc": offer.activity_ref(),
                "total_ore": offer.total_ore,
                "to": attempt.recipient,
            },
        )
    delivery.enqueue_email(actor=actor, attempt=attempt, base_url=base_url)
    attempt.refresh_from_db()
    return attempt


# Answer ---------------------------------------------------------------------------------------


def _expired(offer: Offer, today: date) -> bool:
    return offer.status == OfferStatus.SENT and offer.valid_until < today


def offer_expire_if_due(offer: Offer, *, today: date | None = None) -> Offer:
    """Called on read: a sent offer whose valid-until date has passed becomes expired."""
    today = today or timezone.localdate()
    if _expired(offer, today):
        offers_expire(today=today, ids=[offer.pk])
        offer.refresh_from_db()
    return offer


def offers_expire(*, today: date | None = None, ids=None, customer=None) -> int:
    """Every sent offer past its valid-until date (of `customer`, or with `ids`) becomes
    expired (the `kunde offers-expire` command, and the pages as they read). Returns how many."""
    today = today or timezone.localdate()
    due = Offer.objects.filter(status=OfferStatus.SENT, valid_until__lt=today)
    if ids is not None:
        due = due.filter(pk__in=ids)
    if customer is not None:
        due = due.filter(customer=customer)
    count = 0
    for offer_id in due.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            offer = _locked(Offer(pk=offer_id))
            if not _expired(offer, today):
                continue
            offer.status = OfferStatus.EXPIRED
            offer.save(update_fields=["status", "updated_at"])
            log_activity(
                customer=offer.customer,
                actor=None,
                action="offer.expired",
                params={"doc": offer.activity_ref(), "date": offer.valid_until.isoformat()},
            )
            count += 1
    return count


def _check_answerable(offer: Offer, *, nonce: str | None, today: date) -> None:
    if nonce is not None and nonce != offer.token_nonce:
        raise OfferStateError(
            _("This link is for an earlier version of the offer; ask for the newest link.")
        )
    if offer.status in ANSWERED:
        raise OfferStateError(
            _("%(offer)s has already been answered (%(status)s).")
            % {"offer": offer, "status": offer.get_status_display().lower()}
        )
    if offer.status == OfferStatus.EXPIRED or _expired(offer, today):
        raise OfferStateError(
            _("%(offer)s expired on %(date)s and can no longer be accepted.")
            % {"offer": offer, "date": offer.valid_until.strftime("%d.%m.%Y")}
        )
    if offer.status == OfferStatus.WITHDRAWN:
        raise OfferStateError(_("%(offer)s has been withdrawn.") % {"offer": offer})
    if offer.status != OfferStatus.SENT:
        raise OfferStateError(_("%(offer)s has not been sent yet.") % {"offer": offer})


def offer_accept(
    *,
    offer: Offer,
    name: str,
    title: str = "",
    confirmed: bool,
    chosen_line_ids=(),
    ip: str | None = None,
    actor=None,
    nonce: str | None = None,
    project: Project | None = None,
    today: date | None = None,
) -> Offer:
    """Accept a sent offer with the optional lines chosen: online (the link's `nonce`, the
    customer's name, title and IP) or registered by a user (`actor`). Creates the project (or
    links `project`) with the offer's fixed-price activities as milestones. Refused when the
    offer is not sent, expired, withdrawn or already answered (also twice at the same
    moment: the row is locked), or the link is of an earlier revision."""
    today = today or timezone.localdate()
    errors = {}
    if not str(name or "").strip():
        errors["name"] = _("Enter the name of the person who accepts.")
    if not confirmed:
        errors["confirmed"] = _("Tick the box to confirm the acceptance.")
    if errors:
        raise ValidationError(errors)
    offer_expire_if_due(offer, today=today)
    with transaction.atomic():
        offer = _locked(offer)
        _check_answerable(offer, nonce=nonce, today=today)
        if project is not None and project.customer_id != offer.customer_id:
            raise ValidationError({"project": _("The project belongs to another customer.")})
        lines = list(offer.lines.all())
        chosen = {int(i) for i in chosen_line_ids}
        unknown = chosen - {line.pk for line in lines if line.optional}
        if unknown:
            raise ValidationError({"chosen": _("Only the offer's optional lines can be chosen.")})
        for line in lines:
            line.chosen = line.optional and line.pk in chosen
        OfferLine.objects.bulk_update(lines, ["chosen"])
        _set_totals(offer, lines, chosen_only=True)
        offer.status = OfferStatus.ACCEPTED
        offer.answered_at = timezone.now()
        offer.answered_name = str(name).strip()[:200]
        offer.answered_title = str(title or "").strip()[:200]
        offer.answered_ip = ip or None
        offer.answered_by = actor
        offer.project = project or _new_project(offer, lines)
        offer.save()
        _make_milestones(offer, lines, today)
        # Hours on the project are now invoiced at the offer's rate.
        hours_repriced([offer.customer_id])
        log_activity(
            customer=offer.customer,
            actor=actor,
            action="offer.accepted",
            params={
                "doc": offer.activity_ref(),
                "name": offer.answered_name,
                "net_ore": offer.net_ore,
                "project": offer.project.number,
            },
        )
        _notify_after_commit(offer)
    return offer


def _new_project(offer: Offer, lines: list[OfferLine]) -> Project:
    """A project for the accepted offer (price model "offer-based", the offer's hourly rate as
    its price per hour), numbered after the highest project number. Made here rather than by
    `projects.services.project_create`, which needs a signed-in editor: the customer accepting
    online is not one."""
    from kunde.projects.models import PriceModel
    from kunde.projects.services import next_project_number

    hourly = [line for line in lines if line.kind == LineKind.HOURLY and line.included]
    for _attempt in range(5):
        try:
            with transaction.atomic():
                project = Project.objects.create(
                    number=next_project_number(),
                    name=offer.name[:200],
                    customer=offer.customer,
                    manager=offer.made_by,
                    start_date=offer.start_date,
                    price_model=PriceModel.OFFER,
                    hourly_rate_ore=hourly[0].unit_price_ore if hourly else 0,
                )
        except IntegrityError:
            continue  # someone took the number at the same moment
        log_activity(
            customer=offer.customer,
            actor=offer.answered_by,
            action="project.created",
            params={"project": str(project)},
        )
        return project
    raise ValidationError(_("No project number could be taken; try again."))


def _make_milestones(offer: Offer, lines: list[OfferLine], today: date) -> None:
    """Each fixed-price activity that was accepted, whole, due from acceptance."""
    Milestone.objects.bulk_create(
        Milestone(
            offer=offer,
            project=offer.project,
            line=line,
            description=line.description,
            percent=Decimal(100),
            net_ore=line.net_ore,
            vat_rate=line.vat_rate,
            vat_category=line.vat_category,
            due_date=max(today, offer.start_date or today),
        )
        for line in lines
        if line.kind == LineKind.FIXED and line.included
    )


def _notify_after_commit(offer: Offer) -> None:
    """The co-worker hears of the answer by e-mail, as a job queued once the answer commits (the
    customer's request never waits for a mail server)."""
    from kunde.jobs.services import job_enqueue

    offer_id, customer = offer.pk, offer.customer
    transaction.on_commit(
        lambda: job_enqueue(
            kind="offers.notify", actor=None, params={"offer": offer_id}, customer=customer
        ),
        robust=True,
    )


def offer_reject(
    *,
    offer: Offer,
    comment: str = "",
    name: str = "",
    ip: str | None = None,
    actor=None,
    nonce: str | None = None,
    today: date | None = None,
) -> Offer:
    """Reject a sent offer, online or registered by a user, with the customer's comment."""
    today = today or timezone.localdate()
    offer_expire_if_due(offer, today=today)
    with transaction.atomic():
        offer = _locked(offer)
        _check_answerable(offer, nonce=nonce, today=today)
        offer.status = OfferStatus.REJECTED
        offer.answered_at = timezone.now()
        offer.answered_name = str(name or "").strip()[:200]
        offer.answered_ip = ip or None
        offer.answered_by = actor
        offer.reject_comment = str(comment or "").strip()[:5000]
        offer.save()
        log_activity(
            customer=offer.customer,
            actor=actor,
            action="offer.rejected",
            params={"doc": offer.activity_ref(), "comment": offer.reject_comment},
        )
        _notify_after_commit(offer)
    return offer


def offer_withdraw(*, actor, offer: Offer) -> Offer:
    """Withdraw an offer not yet answered; its link stops working."""
    with transaction.atomic():
        offer = _locked(offer)
        if offer.status in (*ANSWERED, OfferStatus.WITHDRAWN):
            raise OfferStateError(
                _("%(offer)s is %(status)s and cannot be withdrawn.")
                % {"offer": offer, "status": offer.get_status_display().lower()}
            )
        offer.status = OfferStatus.WITHDRAWN
        offer.save(update_fields=["status", "updated_at"])
        log_activity(
            customer=offer.customer,
            actor=actor,
            action="offer.withdrawn",
            params={"doc": offer.activity_ref()},
        )
    return offer


# Settings and milestones ----------------------------------------------------------------------


def offer_settings_update(*, actor, valid_days: int) -> OfferSeries:
    """The company's default validity of new offers, in days (1–365)."""
    if not actor.can_edit_company:
        raise PermissionDenied(_("Only an administrator changes the offer defaults."))
    if not 1 <= int(valid_days) <= 365:
        raise ValidationError({"valid_days": _("Enter a number of days from 1 to 365.")})
    with transaction.atomic():
        series = OfferSeries.objects.select_for_update().get(pk=OfferSeries.load().pk)
        series.valid_days = int(valid_days)
        series.save(update_fields=["valid_days"])
    return series


def milestone_set_due(*, actor, milestone: Milestone, due_date: date | None) -> Milestone:
    """When a milestone may be invoiced (none: not yet)."""
    with transaction.atomic():
        milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
        if milestone.invoice_line_id is not None:
            raise ValidationError(_("This milestone is invoiced already."))
        milestone.due_date = due_date
        milestone.save(update_fields=["due_date"])
    return milestone


def milestone_split(*, actor, milestone: Milestone, percent, due_date: date | None) -> Milestone:
    """Invoice part of a fixed-price activity: the milestone keeps `percent` of the activity
    (due on `due_date`), a new one holds the rest of what it had, to the øre."""
    errors: dict = {}
    percent = parse_decimal(percent, "percent", errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        milestone = (
            Milestone.objects.select_for_update().select_related("line").get(pk=milestone.pk)
        )
        if milestone.invoice_line_id is not None:
            raise ValidationError(_("This milestone is invoiced already."))
        if not Decimal(0) < percent < milestone.percent:
            raise ValidationError(
                {
                    "percent": _("Enter a percentage above 0 and below %(max)s.")
                    % {"max": milestone.percent}
                }
            )
        line_net = milestone.line.net_ore
        part = int((Decimal(line_net) * percent / 100).quantize(Decimal(1), "ROUND_HALF_UP"))
        rest = Milestone.objects.create(
            offer_id=milestone.offer_id,
            project_id=milestone.project_id,
            line=milestone.line,
            description=milestone.description,
            percent=milestone.percent - percent,
            net_ore=milestone.net_ore - part,
            vat_rate=milestone.vat_rate,
            vat_category=milestone.vat_category,
            due_date=None,
        )
        milestone.percent, milestone.net_ore, milestone.due_date = percent, part, due_date
        milestone.save()
        log_activity(
            customer=milestone.project.customer,
            actor=actor,
            action="offer.milestone_split",
            params={"name": milestone.description, "net_ore": part, "rest_ore": rest.net_ore},
        )
    return milestone
