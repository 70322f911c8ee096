"""The public link of a sent offer: `/offer/<token>/`, where the token is the offer's id and
the random nonce of its current revision, signed (HMAC with SECRET_KEY) and timestamped. A
tampered token fails the signature; one older than `OFFER_LINK_MAX_AGE_DAYS` fails its age;
one of an earlier revision (or a withdrawn link) no longer matches the nonce."""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing

SALT = "kunde.offers.public-link"


def max_age_seconds() -> int:
    return int(getattr(settings, "OFFER_LINK_MAX_AGE_DAYS", 180)) * 24 * 3600


def offer_token(offer) -> str:
    return signing.dumps({"o": offer.pk, "n": offer.token_nonce}, salt=SALT, compress=True)


@dataclass(frozen=True)
class TokenData:
    offer_id: int
    nonce: str


def read_token(token: str) -> TokenData | None:
    """The offer and nonce of a valid token; None for a tampered, malformed or old one."""
    try:
        data = signing.loads(token, salt=SALT, max_age=max_age_seconds())
        return TokenData(offer_id=int(data["o"]), nonce=str(data["n"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
