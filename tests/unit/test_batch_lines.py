"""A batched file's lines are each exactly the body the single webhook would carry.

``file_of`` turns each change and recognition a fan-out's files share to JSON once, and
``described`` reads a file's numbers off the deliveries it was made from rather than parsing
every line back; here both are compared with the plain way — ``DeliveryPayload.to_bytes`` per
line, the numbers parsed out of the bytes — on generated listings, subscriptions and
agreements planned as a fan-out plans them.
"""

from __future__ import annotations

import gc

from builders import change, entry, make_uscc, subscription
from builders import listing as built
from hypothesis import given
from hypothesis import strategies as st
from plan_strategies import agreements, listings, subscriptions
from test_recognition_memo import SETTINGS

from gateway.delivery.batching import Shared, described, file_of
from gateway.delivery.planning import Delivery, payload_for, planned_deliveries, stamped
from gateway.delivery.subscription import Subscription
from gateway.recognition.agreement import Agreement
from gateway_client.contract import Listing, SystemClock


def planned(
    batch: list[Listing], subs: list[Subscription], agreed: list[Agreement]
) -> list[Delivery]:
    steps = [change(listing) for listing in batch]
    made = [
        p
        for step in steps
        for p in planned_deliveries(step, subs, agreed, "listing.changed", tuple(batch), set())
    ]
    logged = {step.change_id: 7 + n for n, step in enumerate(steps)}
    return stamped(made, logged, lambda sub, count: len(sub) * 10 + count)


@SETTINGS
@given(st.lists(listings(), min_size=1, max_size=6), subscriptions(), agreements(), st.data())
def test_a_files_lines_are_the_single_bodies_byte_for_byte(
    batch: list[Listing], subs: list[Subscription], agreed: list[Agreement], data: st.DataObject
) -> None:
    deliveries = planned(batch, subs, agreed)
    shared: Shared = {}  # across the files, as one fan-out run shares it
    for sub in subs:
        lines = [d for d in deliveries if d.subscription_id == sub.subscription_id]
        if not lines:
            continue
        region = data.draw(st.sampled_from([sub.region, "440000"]))
        plain = b"".join(payload_for(d, subscriber_region=region).to_bytes() + b"\n" for d in lines)
        body = file_of(lines, region, shared)
        assert body == plain
        key = "batches/s/000000000007-000000000012-bat_x.ndjson"
        clock = SystemClock()
        read_back = described(body, key, sub.subscription_id, clock)
        from_lines = described(body, key, sub.subscription_id, clock, lines)
        assert from_lines.model_dump(exclude={"created_at"}) == read_back.model_dump(
            exclude={"created_at"}
        )


def test_a_shared_cache_outliving_its_lines_never_lends_a_dead_changes_json() -> None:
    """``shared`` kept across files whose deliveries were freed: a new change may get a freed
    one's ``id``, and must not get its JSON (another listing, or an unmasked copy)."""
    subs = [subscription("s", region="440000")]
    shared: Shared = {}
    for n in range(30):
        listing = built(entry(credit_code=make_uscc(n)))
        lines = planned([listing], subs, [])
        plain = b"".join(
            payload_for(d, subscriber_region="440000").to_bytes() + b"\n" for d in lines
        )
        assert file_of(lines, "440000", shared) == plain, f"file {n}"
        del lines, listing
        # what this round made is freed (a young collection for any cycle: a full one costs
        # a third of a second in a worker that holds the whole suite)
        gc.collect(1)
