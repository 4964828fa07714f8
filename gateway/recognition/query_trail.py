"""The query trail (查询留痕): who asked about a person, when, why, and what they were shown.

Every query that returns a natural person's listing, or any resident ID number in full, states
its purpose (one of ``Purpose``) and leaves an entry: the asker (the operator, or a region and
the key that signed), the time, the purpose, the listings returned and the regions that own
them. The entry never holds the ID number itself: it is filed under a keyed hash of the credit
code (HMAC-SHA256 under the gateway's trail key), so the trail of one code can be read page by
page while the table alone names nobody, and it carries only the masked code. Each entry
expires by itself (``expires_at``, the store's TTL attribute) after the configured period.

The operator reads the whole trail of a code; a region, the entries that returned a listing it
owns (``Viewer.owns``): an owner learns who looked at its listings, and nothing about others'.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pydantic import AwareDatetime

from gateway.recognition.disclosure import Viewer, key_named, reveals_resident_id
from gateway.recognition.query import SubjectView
from gateway_client.contract import Frozen, Listing, Purpose, SubjectType, mask

DEFAULT_KEEP_DAYS = 1096  # three years, a leap day included
_KEY_LABEL = b"credit-gateway/query-trail/v1"


def leaves_trail(view: SubjectView) -> bool:
    return view.subject_type is SubjectType.NATURAL_PERSON or any(
        reveals_resident_id(v.listing) for v in view.listings
    )


def trail_key(secret: str) -> bytes:
    """The HMAC key of the trail, derived from a secret under its own label: from the signing
    secret it differs from the Ed25519 seed (``signing_keys.derive_private_key``), and a dedicated
    secret is never used raw either."""
    return hmac.new(secret.encode(), _KEY_LABEL, hashlib.sha256).digest()


def keyed(key: bytes, kind: str, value: str) -> str:
    """A keyed digest of ``value`` (a credit code, a client address) that cannot be reversed
    by trying every possible value without ``key``."""
    return hmac.new(key, f"{kind}\x1f{value}".encode(), hashlib.sha256).hexdigest()


def subject_key(key: bytes, credit_code: str) -> str:
    return keyed(key, "subject", credit_code)


class TrailEntry(Frozen):
    entry_id: str  # sorts by time: ``{UTC time}#{random}``
    at: AwareDatetime
    masked_code: str
    asked_by: str  # "operator", or the signing region
    key_id: str | None  # the platform key that signed, or the operator's IAM principal
    purpose: Purpose | None  # None: a try at a listing route, which states no purpose
    as_region: str | None
    listing_ids: tuple[str, ...]
    owners: tuple[str, ...]  # the origin regions of those listings, as they were
    full_ids: bool  # whether any resident ID number was shown in full
    expires_at: int  # epoch seconds: the store's TTL attribute
    check_id: str | None = None  # the batch check (``POST /v1/checks``) it was part of

    def readable_by(self, viewer: Viewer) -> bool:
        """The operator reads every entry, a try that found nothing too (no owner); a region,
        those that returned a listing it owns."""
        return viewer.operator or any(viewer.owns(owner) for owner in self.owners)

    def as_read_by(self, viewer: Viewer, owned: Collection[str]) -> TrailEntry:
        """What ``viewer`` reads of the entry: a region, of the listings it returned, only
        those it owns (``owned``: their ids) and itself among the owners — another region's
        listing, an ended one too, is that region's to know of (review 184); the operator,
        everything."""
        # written before they were masked or refused: a key id (review 320), a check's id
        # chosen by the asker (review 372: an applicant's number, read by every owner shown)
        named = {"key_id": key_named(self.key_id), "check_id": key_named(self.check_id)}
        if viewer.operator:
            return self.model_copy(update=named)
        ids = tuple(x for x in self.listing_ids if x in owned)
        owners = tuple(x for x in self.owners if viewer.owns(x))
        return self.model_copy(update={"listing_ids": ids, "owners": owners, **named})


@dataclass(frozen=True)
class Asked:
    """One look: who asked, why, as which region, when, and as part of which batch check."""

    viewer: Viewer
    purpose: Purpose | None
    as_region: str | None
    at: datetime
    keep: timedelta  # how long its trail entry is kept
    check_id: str | None = None


def entry_for(
    view: SubjectView,
    page: SubjectView,
    viewer: Viewer,
    purpose: Purpose,
    at: datetime,
    keep: timedelta,
) -> TrailEntry:
    """The entry of a lookup that answered ``page`` of ``view`` (``page_of``)."""
    asked = Asked(viewer, purpose, view.as_region, at, keep)
    shown = [v.listing for v in page.listings]
    return trail_entry(view.credit_code, shown, asked, [v.listing for v in view.listings])


MAX_TRAIL_IDS = 2_000
"""Listings one trail entry names at most: a look that returned more (a check of a subject
listed ten thousand times) files several (``trail_entries``), each within its item's 400 KB
(review 343: one entry naming them all outgrew it, and the check was a 500, not its 413)."""


def trail_entry(
    credit_code: str,
    listings: Sequence[Listing],
    asked: Asked,
    stood_on: Sequence[Listing] | None = None,
) -> TrailEntry:
    """The entry of one look at ``credit_code`` that returned ``listings`` (none: nothing to
    show, which a batch check still records). A lookup answers a page of them, with figures
    of all it ``stood_on``: every owner of those reads the entry, and whether an ID number
    was shown in full is judged on them all (review 88 F1: a page past the last named no
    owner), while the ids are the page's (review 89 F3: all of a subject listed ten thousand
    times outgrew the entry's item)."""
    every = listings if stood_on is None else stood_on
    at = asked.at
    return TrailEntry(
        entry_id=f"{at.astimezone(UTC):%Y-%m-%dT%H:%M:%S.%fZ}#{secrets.token_hex(8)}",
        at=at,
        masked_code=mask(credit_code),
        asked_by="operator" if asked.viewer.operator else str(asked.viewer.region),
        key_id=asked.viewer.key_named,
        purpose=asked.purpose,
        as_region=asked.as_region,
        listing_ids=tuple(x.listing_id for x in listings),
        owners=tuple(sorted({x.origin_region for x in every})),
        full_ids=any(reveals_resident_id(x) for x in every),
        expires_at=int((at + asked.keep).timestamp()),
        check_id=asked.check_id,
    )


def trail_entries(credit_code: str, listings: Sequence[Listing], asked: Asked) -> list[TrailEntry]:
    """The entries of one look that returned every one of ``listings`` (a check: no pages),
    ``MAX_TRAIL_IDS`` listings to an entry, each naming its own listings' owners, so every
    owner reads the listings of its that were shown (review 347), and each saying whether the
    look showed a number in full (review 351); one entry for none."""
    parts = [listings[i : i + MAX_TRAIL_IDS] for i in range(0, len(listings), MAX_TRAIL_IDS)]
    shown_in_full = any(reveals_resident_id(x) for x in listings)  # of the whole look (351)
    return [
        trail_entry(credit_code, part, asked).model_copy(update={"full_ids": shown_in_full})
        for part in parts or [listings]
    ]


def readable(entries: Sequence[TrailEntry], viewer: Viewer) -> list[TrailEntry]:
    return [e for e in entries if e.readable_by(viewer)]
