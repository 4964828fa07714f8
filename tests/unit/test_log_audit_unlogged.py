"""verify-log and deliveries the log never recorded (review 33).

Only a recognition change restates a listing without a log entry of its own; a
``listing.changed`` without one is a change no log holds — the gateway could sign a black
listing to one province alone — and is a problem, not merely unproven. And a run with no
trusted checkpoint is never OK while it holds any delivery, logged or not.
"""

from __future__ import annotations

from builders import change, listing, make_uscc
from test_log_audit import BLACK_ONLY, STORED, run

from gateway.delivery.planning import payload_for, plan_deliveries, stamped
from gateway_client.contract import DeliveryPayload

SECRET = listing(credit_code=make_uscc(99), subject_name="某地另一建设有限公司")


def off_the_log() -> DeliveryPayload:
    """A new listing's change, signed and sent, its log sequence never given."""
    planned = plan_deliveries(change(SECRET), [BLACK_ONLY], [])
    [delivery] = stamped(planned, {}, lambda _subscription, _count: 99)
    return payload_for(delivery, subscriber_region=BLACK_ONLY.region)


def test_a_listing_change_without_a_log_entry_is_a_problem() -> None:
    unlogged = off_the_log()

    report = run(deliveries=[*STORED, unlogged])

    assert not report.ok
    assert unlogged.delivery_id not in report.unproven
    assert [p for p in report.problems if unlogged.delivery_id in p] == [
        f"delivery {unlogged.delivery_id} is a listing.changed without a log entry: no change "
        "reaches a subscriber unlogged, only restatements of logged ones (unlogged)"
    ]


def test_no_checkpoint_and_only_unlogged_deliveries_is_not_ok() -> None:
    report = run(entries=[], checkpoints=[], deliveries=[off_the_log()])

    assert not report.ok
    assert any("no checkpoint signed by a listed gateway key" in p for p in report.problems)


def test_no_checkpoint_and_nothing_stored_is_not_ok_nothing_being_proven() -> None:
    """Review 298: OK here was OK for ever to a subscriber sent nothing and shown nothing."""
    report = run(entries=[], checkpoints=[], deliveries=[])
    assert not report.ok
    assert any("nothing is proven yet" in p for p in report.problems)
