"""Customer names compared as people read them, for duplicate suggestions.

`plain_name` drops what does not tell two companies apart: case, punctuation, extra spaces and
the legal form ("AS", "A/S", "ASA", "ANS", "DA", "ENK", "SA", "NUF"). `name_key` goes further
for "similar" names: letters without accents (ø -> o, æ -> ae), the words in sorted order.
"""

import re
import unicodedata

LEGAL_FORMS = {"as", "a/s", "asa", "ans", "da", "enk", "sa", "nuf", "ba", "ks", "sf", "ltd", "ab"}
_SPECIAL = str.maketrans({"ø": "o", "æ": "ae", "å": "a", "ß": "ss"})
# Addresses at these domains say nothing about which company a person works for.
FREE_MAIL_DOMAINS = {
    "gmail.com", "hotmail.com", "outlook.com", "live.no", "live.com", "yahoo.com", "yahoo.no",
    "online.no", "icloud.com", "me.com", "msn.com", "broadpark.no", "getmail.no", "frisurf.no",
}  # fmt: skip


def plain_name(name: str) -> str:
    words = re.sub(r"\s+", " ", name.casefold()).strip().split(" ")
    # "A/S" and "A S" are one legal form; dropped before the punctuation goes.
    words = [w for w in words if w.strip(".,") not in LEGAL_FORMS]
    text = re.sub(r"[^\w\s]", " ", " ".join(words))
    words = [w for w in text.split() if w not in LEGAL_FORMS]
    if words[-2:] == ["a", "s"]:
        words = words[:-2]
    return " ".join(words)


def name_key(name: str) -> str:
    folded = unicodedata.normalize("NFKD", plain_name(name).translate(_SPECIAL))
    letters = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(sorted(set(letters.split())))


def email_domain(email: str) -> str:
    """The company domain of an address, or "" for none or a free-mail domain."""
    domain = email.rpartition("@")[2].casefold().strip()
    return "" if not domain or domain in FREE_MAIL_DOMAINS else domain
