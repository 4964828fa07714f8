"""Keyed identities: a listing's id and a responsible person's index key, both HMACs under the
deployment's identity key, so neither gives a resident ID number back."""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from collections.abc import Callable

from gateway_client.contract.catalogue import ListKind


def identity_text(text: str) -> str:
    """An authority or decision number as a listing's id takes it: one spelling for the same
    text (full-width or half-width, spaces around)."""
    return unicodedata.normalize("NFKC", text).strip()


def same_decision(number: str, other: str) -> bool:
    """Whether two decision numbers are one decision's: as ``identity_text`` has them, and
    besides with no space inside and every bracket one kind — 〔2024〕, (2024), [2024] and
    〘2024〙 are one year (reviews 370, 374: the listing's own number with a space inside, or in
    other brackets, was taken for a decision of its own, extending a court defaulter's listing
    on one decision). Ids keep ``identity_text``: stored listings are filed under it."""
    return _loose(number) == _loose(other)


def _loose(number: str) -> str:
    return "".join(
        _BRACKETS.get(unicodedata.category(c), c) for c in identity_text(number) if not c.isspace()
    )


_BRACKETS = {"Ps": "(", "Pe": ")"}  # every opening and closing bracket


# Listing ids travel where the credit code is masked (deliveries to regions that do not
# recognise a listing, public views), so they are keyed: an unkeyed hash of (code, kind, domain,
# authority, decision number) would give a resident ID back to anyone who tries the few million
# numbers a masked one leaves open. The key is the deployment's and never changes (every id
# derives from it); the local stack and the tests use the fixed one below.
LOCAL_IDENTITY_SECRET = "credit-gateway local identity key: not a secret"  # noqa: S105
_IDENTITY_LABEL = b"credit-gateway listing identity v1"


def identity_key(secret: str) -> bytes:
    """The HMAC key of listing ids, derived from a secret under its own label."""
    return hmac.new(secret.encode(), _IDENTITY_LABEL, hashlib.sha256).digest()


def _no_identity_key() -> bytes:
    raise RuntimeError("no listing identity key: set one at start-up with use_identity_key")


# Fails closed: an entry point that derived ids before setting the deployment's key would
# otherwise file every listing under the publicly known local one.
_identity_source: Callable[[], bytes] = _no_identity_key


def use_identity_key(source: Callable[[], bytes]) -> None:
    """Set at start-up by the adapter that knows the deployment's secret; ``source`` is called
    when an id is first needed, so functions that never derive one never read the secret."""
    global _identity_source
    _identity_source = source


def listing_id(
    credit_code: str, kind: ListKind, domain: str, authority: str, decision_number: str
) -> str:
    """Listing identity: one id per (credit code, kind, domain, authority, decision number)."""
    parts = (
        credit_code,
        kind.value,
        domain,
        identity_text(authority),
        identity_text(decision_number),
    )
    mac = hmac.digest(_identity_source(), "\x1f".join(parts).encode(), "sha256")  # one C call
    return "lst_" + mac.hex()[:32]


_OWN_LABEL = "credit-gateway a region's listing of a person's decision v1"


def person_listing_id(decision_id: str, origin_region: str) -> str:
    """A natural person's listing's id: the decision's (``listing_id``) keyed with the region
    it is of, so each region lists a person's decision under an id of its own. One id per
    decision, whoever listed it first, answered another region's entry of it — refused as not
    its own, or as purged — apart from a wrong guessed number's (accepted, a new listing):
    a masked resident ID number could be completed by pushing its candidates (reviews 157,
    166, 174, 176, 178). Keyed like every id, so it gives back neither number nor region."""
    parts = (_OWN_LABEL, decision_id, origin_region)
    mac = hmac.digest(_identity_source(), "\x1f".join(parts).encode(), "sha256")
    return "lst_" + mac.hex()[:32]


_PERSON_LABEL = b"credit-gateway responsible person v1"


def person_key(id_number: str) -> str:
    """The key a responsible person's resident ID number is indexed under: an HMAC under a key
    derived from the listing-id key with its own label, so the index holds no number anyone
    could recover by trying the few hundred million there are, and no id of it equals a
    listing id's."""
    key = hmac.new(_identity_source(), _PERSON_LABEL, hashlib.sha256).digest()
    return "psn_" + hmac.new(key, id_number.encode(), hashlib.sha256).hexdigest()
