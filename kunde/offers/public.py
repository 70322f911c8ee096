"""The public page of a sent offer, `/offer/<token>/`: no sign-in; the signed token is the only
key. The customer sees the offer, chooses optional lines and accepts (name, title, a tick box;
time and IP recorded) or rejects with a comment. The form carries Django's CSRF token like
every other form; a tampered, old or outdated token, an expired, withdrawn or answered offer
is refused with a page that says why."""

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import override
from django.views.decorators.http import require_http_methods

from kunde.accounts.lockout import client_ip
from kunde.offers import services
from kunde.offers.forms import AnswerForm
from kunde.offers.models import Offer, OfferStatus
from kunde.offers.tokens import read_token
from kunde.offers.totals import offer_totals, sections


def _refused(request, message: str, status: int = 404):
    return render(request, "offers/public_refused.html", {"message": message}, status=status)


@login_not_required
@require_http_methods(["GET", "POST"])
def public_offer(request, token: str):
    data = read_token(token)
    offer = None
    if data is not None:
        offer = Offer.objects.select_related("customer", "made_by").filter(pk=data.offer_id).first()
    if offer is None:
        return _refused(request, _("This link is not valid. Ask us for a new one."))
    with override(offer.language if offer.language in ("nb", "en") else "nb"):
        if data.nonce != offer.token_nonce:
            return _refused(
                request,
                _("This link is for an earlier version of the offer; ask for the newest link."),
                status=410,
            )
        offer = services.offer_expire_if_due(offer)
        lines = list(offer.lines.all())
        optional = [line for line in lines if line.optional]
        form = AnswerForm(request.POST or None, optional_lines=optional)
        if request.method == "POST" and form.is_valid():
            answer = form.cleaned_data
            try:
                if request.POST.get("answer") == "reject":
                    services.offer_reject(
                        offer=offer,
                        comment=answer["comment"],
                        name=answer["name"],
                        ip=client_ip(request) or None,
                        nonce=data.nonce,
                    )
                else:
                    services.offer_accept(
                        offer=offer,
                        name=answer["name"],
                        title=answer["title"],
                        confirmed=answer["confirmed"],
                        chosen_line_ids=answer["chosen"],
                        ip=client_ip(request) or None,
                        nonce=data.nonce,
                    )
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for field, errors in error.message_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, error.messages)
            else:
                return redirect("offers:public", token)
            offer.refresh_from_db()
            lines = list(offer.lines.all())
        accepted = offer.status == OfferStatus.ACCEPTED
        return render(
            request,
            "offers/public.html",
            {
                "offer": offer,
                "seller": offer.revisions.order_by("-sent_at", "-id").first(),
                "sections": sections(lines),
                "totals": offer_totals(lines, chosen_only=accepted),
                "form": form,
                "open": offer.status == OfferStatus.SENT,
                "token": token,
            },
        )
