"""A push of two versions of one held listing: when the newest is refused because the
listing's purge is under way, or because it stayed contended, the batch's older entry is
refused alike (review 277). ``dedup.plan`` had sorted it as a ``duplicate`` of the newest, and
the platform was told a version was held of a listing being erased, or of one nothing was
written for."""

from __future__ import annotations

from app_support import CITY, Gateway
from lifecycle_support import pushed, recent_entry, stamp

from chalicelib.bootstrap import container


def test_every_entry_of_a_listing_under_purge_is_refused(gateway: Gateway) -> None:
    city = gateway.register_platform(CITY)
    entry = recent_entry(
        source_updated_at=stamp(-600),
        responsible_persons=[{"name": "张某", "role": "legal_representative"}],
    )
    listing_id = pushed(gateway, city, CITY, entry)
    service = container().push_service
    service._purged = lambda ids: {x: CITY for x in ids if x == listing_id}  # its purge began

    older = {**entry, "reason": "更正一", "source_updated_at": stamp(-300)}
    newer = {**entry, "reason": "更正二", "source_updated_at": stamp(-60)}
    reply = gateway.push(city, CITY, [older, newer]).json_body

    assert reply["accepted"] == 0, reply
    codes = sorted((e["index"], e["code"]) for e in reply["errors"])
    assert codes == [(0, "listing_purged"), (1, "listing_purged")], reply
    assert reply["duplicate"] == 0, reply


def test_every_entry_of_a_listing_still_contended_is_refused_never_a_duplicate(
    gateway: Gateway,
) -> None:
    """README: a write still contended after five rounds is refused ``listing_contended``,
    "never reported as written or as a duplicate" — the batch's older entry of it is."""
    city = gateway.register_platform(CITY)
    entry = recent_entry(source_updated_at=stamp(-600))
    pushed(gateway, city, CITY, entry)
    service = container().push_service
    store = service._listings
    real = store.write
    store.write = lambda writes, region: set() if writes else real(writes, region)  # always lost

    older = {**entry, "reason": "更正一", "source_updated_at": stamp(-300)}
    newer = {**entry, "reason": "更正二", "source_updated_at": stamp(-60)}
    reply = gateway.push(city, CITY, [older, newer]).json_body

    codes = sorted((e["index"], e["code"]) for e in reply["errors"])
    assert reply["duplicate"] == 0, reply
    assert codes == [(0, "listing_contended"), (1, "listing_contended")], reply
