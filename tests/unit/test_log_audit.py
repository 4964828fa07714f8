"""log_audit.audit: a subscriber checks its stored deliveries against the published log.

The scene: six changes logged in order (black and red listings of three subjects, one of them a
natural person), published as tiles at sizes 4 and 6 with a checkpoint the gateway signed at each,
and the webhook bodies a black-list-only subscriber in 湖南 stored — the natural person's IDs
reach it masked.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from builders import (
    NOW,
    RESIDENT_ID,
    change,
    gateway_signers,
    listing,
    make_uscc,
    published_tiles,
    red_entry,
    subscription,
    tile_reader,
    tree_root,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.delivery.planning import payload_for, plan_deliveries, stamped
from gateway.delivery.subscription import Subscription
from gateway_client.contract.catalogue import ListKind
from gateway_client.contract.change import Change, purged, restated
from gateway_client.contract.events import DeliveryPayload, Intensified
from gateway_client.contract.filters import SubscriptionFilters
from gateway_client.contract.log import (
    Checkpoint,
    LogEntry,
    entry_hash,
    log_entries,
    sign_checkpoint,
)
from gateway_client.log_audit import GRACE, AuditReport, Seen, audit

GATEWAY = gateway_signers("gw-test-1")
BLACK_ONLY = subscription(
    "sub-black", region="430000", filters=SubscriptionFilters(kinds=(ListKind.BLACK,))
)
EVERYTHING = subscription("sub-all", region="430000")

COMPANY = make_uscc(1)
COMPANY_V1 = listing(credit_code=COMPANY, source_sequence=1)
COMPANY_V2 = listing(credit_code=COMPANY, source_sequence=2)
RED_V1 = listing(red_entry(credit_code=make_uscc(2)), source_sequence=1)
RED_V2 = listing(red_entry(credit_code=make_uscc(2)), source_sequence=2)
PERSON = listing(credit_code=RESIDENT_ID, subject_name="张某某")
OTHER_COMPANY = listing(credit_code=make_uscc(3), subject_name="清远另一建材有限公司")

CHANGES: list[Change] = [
    change(COMPANY_V1),  # 1: wanted
    change(RED_V1),  # 2: red, not wanted
    change(PERSON),  # 3: wanted, delivered masked
    change(COMPANY_V2, COMPANY_V1),  # 4: wanted, the same listing as 1
    change(RED_V2, RED_V1),  # 5: red, not wanted
    change(OTHER_COMPANY),  # 6: wanted
]
ENTRIES: list[LogEntry] = log_entries(1, CHANGES)


TILES = published_tiles(ENTRIES, [4, 6])
EARLIER: Checkpoint = sign_checkpoint(4, tree_root(ENTRIES[:4]), NOW, GATEWAY)
CHECKPOINT: Checkpoint = sign_checkpoint(6, tree_root(ENTRIES), NOW, GATEWAY)
LATER = NOW + timedelta(days=1)  # when the audit runs: every entry is past the grace period


reader_at = tile_reader(TILES)


def stored_by(sub: Subscription, changes: Sequence[Change] = CHANGES) -> list[DeliveryPayload]:
    """The webhook bodies ``sub`` received, in the order they arrived."""
    planned = [d for c in changes for d in plan_deliveries(c, [sub], [])]
    logged = {e.change_id: e.sequence for e in ENTRIES}
    stamped_deliveries = stamped(planned, logged, lambda _sub, _count: 1)
    return [payload_for(d, subscriber_region=sub.region) for d in stamped_deliveries]


STORED: list[DeliveryPayload] = stored_by(BLACK_ONLY)


def wants(sub: Subscription) -> Callable[[LogEntry], bool]:
    return lambda e: sub.filters.admits(e.kind, e.domain, e.origin_region)


def run(
    entries: Sequence[LogEntry] = ENTRIES,
    checkpoints: Sequence[Checkpoint] = (CHECKPOINT,),
    deliveries: Sequence[DeliveryPayload] = STORED,
    sub: Subscription = BLACK_ONLY,
    seen: Seen | None = None,
    now: datetime = LATER,
) -> AuditReport:
    # The subscription predates the log (log_start 0): it is owed every wanted entry from 1.
    keys = [GATEWAY.ed25519.private_key.public_key()]
    return audit(entries, checkpoints, keys, deliveries, wants(sub), reader_at, now, 1, seen=seen)


def stored_for(sequence: int) -> DeliveryPayload:
    [found] = [d for d in STORED if d.log_sequence == sequence]
    return found


def without(sequence: int) -> list[DeliveryPayload]:
    return [d for d in STORED if d.log_sequence != sequence]


def edited_entry(entries: Sequence[LogEntry], index: int, **fields: Any) -> list[LogEntry]:
    """The log with one entry's fields changed and its hash left as it was."""
    out = list(entries)
    out[index] = out[index].model_copy(update=fields)
    return out


def mentioning(report: AuditReport, *words: str) -> list[str]:
    return [p for p in report.problems if all(w in p for w in words)]


# -- the scene itself --


def test_the_black_list_subscriber_stored_one_delivery_per_wanted_entry_in_log_order() -> None:
    assert [d.log_sequence for d in STORED] == [1, 3, 4, 6]
    assert [d.sequence for d in STORED] == [1, 2, 3, 4]
    assert stored_for(3).data.listing.credit_code != RESIDENT_ID  # masked for this region


# -- a clean set --


def test_a_clean_log_checkpoint_and_delivery_set_passes() -> None:
    report = run()

    assert report.ok, report.problems
    assert report.problems == ()
    assert report.verified_through == CHECKPOINT.sequence == 6
    assert (report.checked_entries, report.checked_deliveries) == (6, 4)


def test_entries_the_subscriptions_filters_do_not_want_are_not_reported_missing() -> None:
    report = run()

    assert not mentioning(report, "log entry 2")
    assert not mentioning(report, "log entry 5")


def test_for_a_subscription_of_everything_the_red_entries_are_missing() -> None:
    report = run(sub=EVERYTHING)

    assert mentioning(report, "log entry 2", "never delivered")
    assert mentioning(report, "log entry 5", "never delivered")
    assert len(report.problems) == 2


def test_a_subscriber_of_everything_with_every_delivery_passes() -> None:
    report = run(deliveries=stored_by(EVERYTHING), sub=EVERYTHING)

    assert report.ok, report.problems


def test_without_a_checkpoint_nothing_is_proven_and_the_audit_says_so() -> None:
    report = run(checkpoints=())

    assert mentioning(report, "no checkpoint signed by a listed gateway key")
    assert report.verified_through == 0


def test_two_consistent_checkpoints_pass_and_the_latest_is_remembered() -> None:
    report = run(checkpoints=[EARLIER, CHECKPOINT])

    assert report.ok, report.problems
    assert (report.verified_through, report.latest_root) == (6, CHECKPOINT.root)


def test_deliveries_of_different_listings_may_arrive_in_any_order() -> None:
    first, person, second, other = STORED

    report = run(deliveries=[person, other, first, second])

    assert report.ok, report.problems


# -- missing deliveries --


def test_a_dropped_delivery_in_the_middle_is_reported_as_never_delivered() -> None:
    report = run(deliveries=without(3))

    assert mentioning(report, "log entry 3", ENTRIES[2].change_id, "never delivered")
    assert not report.ok


def test_a_dropped_last_delivery_is_reported_up_to_the_signed_checkpoint() -> None:
    report = run(deliveries=without(6))

    assert mentioning(report, "log entry 6", "never delivered")


def test_an_owed_change_logged_within_the_grace_period_is_in_flight_not_missing() -> None:
    just_after = CHANGES[5].occurred_at + timedelta(minutes=1)

    report = run(deliveries=without(6), now=just_after)

    assert report.ok, report.problems
    assert report.in_flight == (6,)


def test_a_dropped_first_delivery_is_reported_as_never_delivered() -> None:
    # The subscription is owed every wanted entry after the log head it subscribed at.
    report = run(deliveries=without(1))

    assert not report.ok, "dropping the subscription's first delivery went unnoticed"


def test_many_owed_entries_are_told_in_flight_or_missing_without_comparing_entries(
    monkeypatch: Any,
) -> None:
    """A resync owes up to a million entries, many still in flight when the cron runs: each is
    judged once, never looked for among the others (n² comparisons of whole entries)."""
    n, compared = 200, [0]
    entries = []
    for i in range(1, n + 1):  # the first half logged long ago, the second within the grace
        at = NOW - timedelta(days=1) if i <= n // 2 else NOW
        made = ENTRIES[0].model_copy(update={"sequence": i, "change_id": f"chg_{i:032x}", "at": at})
        entries.append(made.model_copy(update={"hash": entry_hash(made)}))
    signed = sign_checkpoint(n, tree_root(entries), NOW, GATEWAY)
    keys = [GATEWAY.ed25519.private_key.public_key()]
    equal = LogEntry.__eq__

    def counted(self: LogEntry, other: object) -> bool:
        compared[0] += 1
        return equal(self, other)

    monkeypatch.setattr(LogEntry, "__eq__", counted)
    reader = tile_reader(published_tiles(entries, [n]))
    report = audit(entries, [signed], keys, [], lambda _: True, reader, NOW, 1)

    assert report.in_flight == tuple(range(n // 2 + 1, n + 1))
    assert len(mentioning(report, "never delivered")) == n // 2
    assert compared[0] < n


# -- the log itself --


def test_two_swapped_log_entries_are_reported_out_of_sequence() -> None:
    swapped = [ENTRIES[0], ENTRIES[2], ENTRIES[1], *ENTRIES[3:]]

    report = run(entries=swapped)

    assert mentioning(report, "log out of sequence")
    assert not report.ok


def test_a_log_rebuilt_in_another_order_with_fresh_hashes_is_not_the_signed_tree() -> None:
    reordered = [CHANGES[0], CHANGES[2], CHANGES[1], *CHANGES[3:]]
    rebuilt = log_entries(1, reordered)

    report = run(entries=rebuilt)

    assert mentioning(report, "entry 2, as served, is not in the tree")
    assert mentioning(report, "entry 3, as served, is not in the tree")


def test_an_edited_log_entry_that_kept_its_hash_is_reported_as_altered() -> None:
    report = run(entries=edited_entry(ENTRIES, 2, domain="major_tax_violation"))

    assert mentioning(report, "entry 3 was altered")


def test_an_edited_change_digest_in_the_log_is_reported() -> None:
    report = run(entries=edited_entry(ENTRIES, 3, change_digest="e" * 64))

    assert mentioning(report, "entry 4 was altered")


def test_an_edited_log_entry_time_is_reported() -> None:
    moved = ENTRIES[2].at + timedelta(days=30)

    report = run(entries=edited_entry(ENTRIES, 2, at=moved))

    assert not report.ok, "a log entry's time was rewritten and the audit passed"


def test_a_log_that_stops_short_of_a_signed_checkpoint_is_reported() -> None:
    # The gateway serves entries 1…4 only and the subscriber never got 6: the signed checkpoint
    # at 6 says the log is longer than what was served.
    report = run(entries=ENTRIES[:4], deliveries=without(6))

    assert mentioning(report, "the log served ends at 4, before the signed 6")


# -- checkpoints --


def test_a_checkpoint_signed_with_another_key_is_reported_as_forged() -> None:
    forged = sign_checkpoint(6, tree_root(ENTRIES), NOW, gateway_signers(GATEWAY.ed25519.key_id))

    report = run(checkpoints=[forged])

    assert mentioning(report, "checkpoint 6 is not signed by the gateway")
    assert report.verified_through == 0


def test_a_genuine_checkpoint_still_verifies_beside_a_forged_one() -> None:
    forged = sign_checkpoint(4, tree_root(ENTRIES[:4]), NOW, gateway_signers("intruder"))

    report = run(checkpoints=[forged, CHECKPOINT])

    assert report.problems == ("checkpoint 4 is not signed by the gateway",)
    assert report.verified_through == 6


def test_a_checkpoint_over_a_different_root_proves_nothing_served() -> None:
    other = sign_checkpoint(6, bytes.fromhex("e" * 64), NOW, GATEWAY)

    report = run(checkpoints=[other])

    assert not report.ok
    assert mentioning(report, "entry 1, as served, is not in the tree")
    # the stored deliveries are the entries served: the log, not the store, is at fault
    assert not mentioning(report, "differs from log entry")


def test_deliveries_past_the_latest_checkpoint_are_not_vouched_for() -> None:
    report = run(checkpoints=[EARLIER])

    assert report.verified_through == 4
    assert mentioning(report, stored_for(6).delivery_id, "no signed checkpoint covers yet")


def test_two_signed_checkpoints_of_forked_histories_are_caught() -> None:
    # The gateway signed a size-4 tree in which entries 2 and 3 were the other way round: it
    # showed someone another history than the one it extends now.
    forked = log_entries(1, [CHANGES[0], CHANGES[2], CHANGES[1], CHANGES[3]])
    other = sign_checkpoint(4, tree_root(forked), NOW, GATEWAY)

    report = run(checkpoints=[other, CHECKPOINT])

    assert mentioning(report, "checkpoint 4 and checkpoint 6 are not consistent")


def test_the_checkpoint_seen_last_time_must_still_be_a_prefix() -> None:
    kept = Seen(size=4, root=EARLIER.root)
    forked = Seen(size=4, root=tree_root(log_entries(1, CHANGES[1:5])).hex())

    assert run(seen=kept).ok
    assert mentioning(run(seen=forked), "seen last time (4) and checkpoint 6 are not consistent")
    rolled_back = run(seen=Seen(size=9, root="ab" * 32))
    assert mentioning(rolled_back, "larger than the latest, 6: rolled back")


# -- stored deliveries --


def test_a_stored_delivery_edited_after_receipt_is_reported_as_differing_from_its_entry() -> None:
    original = stored_for(4)
    edited_listing = original.data.listing.model_copy(update={"subject_name": "改名后的公司"})
    edited = original.model_copy(
        update={"data": original.data.model_copy(update={"listing": edited_listing})}
    )
    deliveries = [edited if d is original else d for d in STORED]

    report = run(deliveries=deliveries)

    assert mentioning(report, original.delivery_id, "differs from log entry 4")


def test_a_stored_delivery_naming_another_change_is_reported() -> None:
    original = stored_for(6)
    swapped = original.model_copy(update={"data": stored_for(1).data})
    deliveries = [swapped if d is original else d for d in STORED]

    report = run(deliveries=deliveries)

    assert mentioning(report, original.delivery_id, "differs from log entry 6")


def test_a_stored_delivery_naming_an_entry_the_log_lacks_is_reported() -> None:
    stray = stored_for(6).model_copy(update={"log_sequence": 99})

    report = run(deliveries=[*without(6), stray])

    assert mentioning(report, stray.delivery_id, "log entry 99", "no signed checkpoint covers")


def test_a_delivery_of_a_purged_listing_stored_after_its_tombstone_is_a_problem() -> None:
    """A purged listing is never listed again and the gateway posts nothing of it after the
    purge: a delivery of it stored after its tombstone was stored after an erasure (a purge
    handled while the line was being received) and keeps what retention ended (review 14,
    finding 1). Stored before it, it is what a receiver that does not erase keeps."""
    gone = stored_for(4).model_copy(
        update={"delivery_id": "dlv_purged", "data": purged(COMPANY_V2, LATER), "sequence": 5}
    )

    after = run(deliveries=[gone, *STORED])
    before = run(deliveries=[*STORED, gone])

    left = mentioning(after, "of purged listing", "after its tombstone dlv_purged")
    assert [p.split(" of purged")[0] for p in left] == [
        f"delivery {stored_for(1).delivery_id}",
        f"delivery {stored_for(4).delivery_id}",
    ]
    assert mentioning(before, "of purged listing") == []


def test_a_listings_earlier_change_stored_after_its_later_one_is_listed_as_late() -> None:
    """A re-drive or replay sends an older change after a newer one: listed, so a receiver
    that stores blindly can see it; the deliveries are still genuine and complete."""
    first, person, second, other = STORED

    report = run(deliveries=[second, person, first, other])

    assert report.ok, report.problems
    assert report.late == (first.delivery_id,)
    assert run().late == ()


# -- properties --

WANTED_INDEXES = range(len(STORED))
EDITS: dict[str, Callable[[LogEntry], Any]] = {
    "sequence": lambda e: e.sequence + 100,
    "change_id": lambda e: "chg_" + "e" * 32,
    "change_digest": lambda e: "e" * 64,
    "kind": lambda e: ListKind.RED if e.kind is ListKind.BLACK else ListKind.BLACK,
    "domain": lambda e: "food_drug" if e.domain != "food_drug" else "court_defaulter",
    "origin_region": lambda e: "110000",
    "at": lambda e: e.at + timedelta(hours=1),
    "hash": lambda e: "e" * 64,
}


@settings(max_examples=50, deadline=None)
@given(index=st.sampled_from(WANTED_INDEXES))
def test_removing_any_one_wanted_delivery_always_yields_a_problem(index: int) -> None:
    kept = [d for i, d in enumerate(STORED) if i != index]

    report = run(deliveries=kept)

    assert report.problems, f"dropping delivery for log entry {STORED[index].log_sequence}"


@settings(max_examples=50, deadline=None)
@given(index=st.sampled_from(range(len(ENTRIES))), field=st.sampled_from(sorted(EDITS)))
def test_editing_any_one_log_entry_always_yields_a_problem(index: int, field: str) -> None:
    entries = edited_entry(ENTRIES, index, **{field: EDITS[field](ENTRIES[index])})

    report = run(entries=entries)

    assert report.problems, f"editing {field} of log entry {index + 1}"


# -- what the gateway could bend without forking the tree --


def test_a_leaf_dated_in_the_future_is_a_problem_not_a_change_in_flight() -> None:
    later = [*CHANGES[:5], CHANGES[5].model_copy(update={"occurred_at": NOW + timedelta(days=9)})]
    entries = log_entries(1, later)
    tiles = published_tiles(entries, [6])
    signed = sign_checkpoint(6, tree_root(entries), NOW, GATEWAY)
    keys = [GATEWAY.ed25519.private_key.public_key()]

    report = audit(
        entries, [signed], keys, without(6), wants(BLACK_ONLY), tile_reader(tiles), NOW, 1
    )

    assert mentioning(report, "entry 6 is dated in the future")
    assert not report.ok


def test_a_change_the_last_run_saw_in_flight_stays_so_within_the_grace_period_alone() -> None:
    """The entry's time is signed in the tree: a later run within the period, with the state a
    run that saw it signed left, still calls it in flight (review 210: never delivered, so a
    cron run every few minutes failed honest retries); past the period it is missing."""
    seen = Seen(size=6, root=CHECKPOINT.root)
    within = CHANGES[5].occurred_at + timedelta(minutes=2)
    past = CHANGES[5].occurred_at + GRACE + timedelta(minutes=1)

    soon, late = (run(deliveries=without(6), now=at, seen=seen) for at in (within, past))

    assert (soon.ok, soon.in_flight) == (True, (6,)), soon.problems
    assert mentioning(late, "log entry 6", "never delivered")
    assert late.in_flight == ()


def test_a_delivery_whose_change_id_could_not_be_a_leaf_is_altered() -> None:
    original = stored_for(6)
    smuggled = original.model_copy(
        update={"data": original.data.model_copy(update={"change_id": "c1\nc2\nred"})}
    )

    report = run(deliveries=[*without(6), smuggled])

    assert mentioning(report, original.delivery_id, "differs from log entry 6")


def restatement_of(delivery: DeliveryPayload, **listing_fields: Any) -> DeliveryPayload:
    """A recognition change re-sending the delivery's listing (never logged, no sequence)."""
    listing = delivery.data.listing.model_copy(update=listing_fields)
    return delivery.model_copy(
        update={
            "type": "recognition.changed",
            "delivery_id": "msg_" + "e" * 32,
            "log_sequence": None,
            "data": restated(listing, "agr_1@2", NOW),
        }
    )


def test_a_restatement_matching_the_logged_listing_passes_and_one_that_differs_is_caught() -> None:
    same = restatement_of(stored_for(6))
    edited = restatement_of(stored_for(6), subject_name="另一家公司")

    assert run(deliveries=[*STORED, same]).ok
    report = run(deliveries=[*STORED, edited])
    assert mentioning(report, edited.delivery_id, "restates listing", "altered")


def test_a_restatement_may_name_a_relay_tagged_since_but_never_drop_or_invent_one() -> None:
    logged = stored_for(6)
    held, origin = logged.data.listing.provenances, logged.data.listing.origin_region
    province = origin[:2] + "0000"  # its province relays it: a duplicate, tagged since
    relayed = restatement_of(logged, provenances=(*held, province))
    dropped = restatement_of(relayed, provenances=(province,))
    invented = restatement_of(logged, provenances=(*held, "110000"))  # could never relay it

    assert run(deliveries=[*STORED, relayed]).ok
    for altered in (dropped, invented):
        report = run(deliveries=[*STORED, altered])
        assert mentioning(report, altered.delivery_id, "restates listing", "altered")


def test_a_restatement_of_a_listing_no_logged_delivery_holds_is_listed_as_unproven() -> None:
    stray = restatement_of(stored_for(6), version="2099-01-01T00:00:00.000000Z#0000000000001")

    report = run(deliveries=[*STORED, stray])

    assert report.unproven == (stray.delivery_id,)


def test_a_restatement_of_an_older_version_stored_after_a_newer_change_is_listed_late() -> None:
    """A re-evaluation's restatement racing a newer push: it has no log sequence, so it is
    judged by its listing's version; one restating the version held is not late."""
    older, current = restatement_of(stored_for(1)), restatement_of(stored_for(4))

    report = run(deliveries=[*STORED, older])

    assert report.ok, report.problems
    assert (report.late, report.unproven) == ((older.delivery_id,), ())
    assert run(deliveries=[*STORED, current]).late == ()


def test_a_log_renamed_or_a_later_start_since_the_last_run_is_caught() -> None:
    renamed = Seen(size=6, root=CHECKPOINT.root, origin="another/log")
    later = Seen(size=6, root=CHECKPOINT.root, origin=CHECKPOINT.origin, owed_from=1)

    assert mentioning(run(seen=renamed), "it was 'another/log'")
    assert run(seen=later).ok
    keys = [GATEWAY.ed25519.private_key.public_key()]
    from_3 = [d for d in STORED if (d.log_sequence or 0) >= 3]
    moved = audit(
        ENTRIES, [CHECKPOINT], keys, from_3, wants(BLACK_ONLY), reader_at, LATER, 3, seen=later
    )
    assert mentioning(moved, "owes this subscription entries from 3 only")
    # with a change from before 3 stored, the store itself shows the later start false
    shown = audit(ENTRIES, [CHECKPOINT], keys, STORED, wants(BLACK_ONLY), reader_at, LATER, 3)
    assert mentioning(shown, "owed the log from entry 3, yet it delivered entry 1")


def test_another_event_of_an_entry_does_not_stand_for_its_listing_change() -> None:
    """Fan-out numbers a ``subject.intensified`` (or ``recognition.changed``, an objection's
    notice) with the sequence of the change that caused it: a store holding that event alone,
    its ``listing.changed`` lost, is missing the entry."""
    first = next(d for d in STORED if d.log_sequence == 1)
    flag = Intensified(
        credit_code=first.data.listing.credit_code, intensified=True, domains=("a", "b")
    )
    alone = first.model_copy(
        update={"type": "subject.intensified", "intensified": flag, "delivery_id": "msg_1"}
    )

    report = run(deliveries=[alone, *(d for d in STORED if d.log_sequence != 1)])

    assert mentioning(report, "log entry 1", "never delivered")
