"""Whether an objection's notice (``objection.filed``) may still be posted, asked at each of its
attempts and before a re-drive sends it again. It carries the listing whole — the person's ID
number, the subject's reason — because it goes to the owner's chain, who must decide; so only
while its objection is open and still awaits it (review 309; review 398: one retried after the
decision told the owner an objection waited on it), and only to a region that still acts for
the owner (review 398: a relay that stopped relaying, neither owner nor recognising the ended
listing, was posted the number in full)."""

from __future__ import annotations

from collections.abc import Callable

from gateway.delivery.objection_notices import NOTICE, owners_of
from gateway.delivery.planning import Delivery
from gateway.ports import ListingStore, Registry

Acting = Callable[[str, str], frozenset[str]]
"""The regions that act now for listings of an (origin, domain) (``owners_of``)."""


def acting_in(registry: Registry | None) -> Acting:
    """``Acting`` as the registry says it now."""
    return lambda origin, domain: owners_of([(origin, domain)], registry)[origin, domain]


def notices(delivery: Delivery) -> bool:
    return delivery.type == NOTICE


def notice_stands(delivery: Delivery, listings: ListingStore, acting: Acting | None) -> bool:
    """Whether the notice's objection is still open and awaits it, and its region (with
    ``acting``) still acts for the listing's owner, as stored now."""
    sent = delivery.change.listing
    objection = sent.objection
    held = listings.current([(sent.credit_code, sent.listing_id)]).get(sent.listing_id)
    if objection is None or held is None or (now := held.objection) is None:
        return False
    if now.objection_id != objection.objection_id or not now.open or not now.awaiting_notice:
        return False
    region = delivery.recognition.subscriber_region
    return acting is None or region in acting(held.origin_region, held.domain)
