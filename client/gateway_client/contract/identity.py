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


_NEXT_LABEL = "credit-gateway next listing of a decision v1"
DECISION_IDS = 64
"""How many ids one decision of a person may take (``decision_ids``): one for each region that
listed it while the ids before were held by others, up to this many (a walk reads only as far
as it goes: one id, or two, for all but a decision many regions listed)."""


def next_listing_id(listing_id: str) -> str:
    """The id a person's decision takes when a region pushes it that may not act on the
    listing under ``listing_id`` (another region's, or purged from one): keyed like every id,
    so it looks like any other, and derived from that id alone, so every such region meets
    the same one — as each would meet the first for a number nobody listed. Refusing the
    entry instead told a guessed resident ID number behind a masked copy right from wrong."""
    mac = hmac.digest(_identity_source(), f"{_NEXT_LABEL}\x1f{listing_id}".encode(), "sha256")
    return "lst_" + mac.hex()[:32]


def decision_ids(listing_id: str) -> list[str]:
    """The ids a decision may be held under, its own first (``next_listing_id``)."""
    ids = [listing_id]
    while len(ids) < DECISION_IDS:
        ids.append(next_listing_id(ids[-1]))
    return ids


_PERSON_LABEL = b"credit-gateway responsible person v1"


def person_key(id_number: str) -> str:
    """The key a responsible person's resident ID number is indexed under: an HMAC under a key
    derived from the listing-id key with its own label, so the index holds no number anyone
    could recover by trying the few hundred million there are, and no id of it equals a
    listing id's."""
    key = hmac.new(_identity_source(), _PERSON_LABEL, hashlib.sha256).digest()
    return "psn_" + hmac.new(key, id_number.encode(), hashlib.sha256).hexdigest()
