"""A listing the store holds in force is owed its later steps whatever the filters say now:
verify-log lists each entry that may be one *unjudged* (and ``--strict`` fails on it). Where
the listing came by is the newest version a logged delivery brought: a restatement of a newer
version (``recognition.changed``, no log entry) hid the listing from the audit, so a gateway
sending one and withholding that version's change and the listing's end passed (review 355).

The scene: 湖南 was delivered listing L (entry 1); its filters were narrowed away from L's
domain since. Entries 2 and 3 are L's later steps."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from builders import (
    NOW,
    change,
    gateway_signers,
    listing,
    make_uscc,
    published_tiles,
    tile_reader,
    tree_root,
)

from gateway_client.contract import ListingStatus
from gateway_client.contract.change import restated
from gateway_client.contract.events import DeliveryPayload, Recognition
from gateway_client.contract.log import log_entries, sign_checkpoint
from gateway_client.log_audit import audit
from gateway_client.recipient_audit import held_listings

GATEWAY = gateway_signers("gw-probe-355b")
HUNAN = "430000"
CODE = make_uscc(7)
V1 = listing(credit_code=CODE, source_sequence=1)
V2 = listing(credit_code=CODE, source_sequence=2, accepted_at=NOW + timedelta(days=1))
V3 = listing(credit_code=CODE, source_sequence=3, accepted_at=NOW + timedelta(days=2))
CHANGES = [change(V1), change(V2, V1), change(V3, V2)]
ENTRIES = log_entries(1, CHANGES)
CHECKPOINT = sign_checkpoint(3, tree_root(ENTRIES), NOW + timedelta(days=2), GATEWAY)
READER_AT = tile_reader(published_tiles(ENTRIES, [3]))
NOT_RECOGNISED = Recognition(subscriber_region=HUNAN, recognised=False)


def _delivery(
    delivery_id: str, data: Any, type_: str, log_sequence: int | None, sequence: int
) -> DeliveryPayload:
    return DeliveryPayload(
        type=type_,
        timestamp=data.occurred_at,
        delivery_id=delivery_id,
        subscription_id="sub-hn",
        subscriber_region=HUNAN,
        data=data,
        recognition=NOT_RECOGNISED,
        log_sequence=log_sequence,
        sequence=sequence,
    )


FIRST = _delivery("msg_1", CHANGES[0], "listing.changed", 1, 1)
RESTATED = _delivery(
    "msg_r",
    restated(V2, "agreement#2", NOW + timedelta(days=1, hours=1)),
    "recognition.changed",
    None,
    2,
)


def _unjudged(stored: list[DeliveryPayload]) -> tuple[int, ...]:
    held = held_listings(stored)
    report = audit(
        ENTRIES,
        [CHECKPOINT],
        [GATEWAY.ed25519.private_key.public_key()],
        stored,
        lambda e: (
            held.owed(e) or held.may_settle(e)
        ),  # as verify_log composes, the filters left out
        READER_AT,
        NOW + timedelta(days=30),
        1,
        judged=held.owed,
    )
    assert report.ok, report.problems
    return report.unjudged


def test_a_restatement_of_a_newer_version_does_not_hide_the_listings_later_steps() -> None:
    assert _unjudged([FIRST]) == (2, 3)  # the listing's later steps: listed, never passed over
    assert _unjudged([FIRST, RESTATED]) == (2, 3)
    assert _unjudged([RESTATED, FIRST]) == (2, 3)  # in whichever order the store keeps them


def test_a_listing_ended_in_its_newest_version_settles_nothing_more() -> None:
    """The status is still the newest version's: a restatement of an ended version says the
    listing is over, and no later entry on its shelf is held back as maybe its step."""
    ended = V2.model_copy(update={"status": ListingStatus.REVOKED})
    restated_end = _delivery(
        "msg_e",
        restated(ended, "agreement#2", NOW + timedelta(days=1, hours=1)),
        "recognition.changed",
        None,
        2,
    )
    assert _unjudged([FIRST, restated_end]) == ()
