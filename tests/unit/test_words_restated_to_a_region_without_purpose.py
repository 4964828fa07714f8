"""A copy for a region that does not recognise the listing carries none of the words masking
withholds, whatever its event: verify-log reported words added to a ``listing.changed`` copy
(review 246) but not to a ``recognition.changed`` restatement or a ``subject.intensified`` flag,
which were stored and said OK (review 307)."""

from __future__ import annotations

from datetime import timedelta

from builders import (
    NOW,
    RESIDENT_ID,
    change,
    gateway_signers,
    listing,
    published_tiles,
    subscription,
    tile_reader,
    tree_root,
)

from gateway.delivery.planning import payload_for, plan_deliveries, stamped
from gateway_client.contract.change import restated
from gateway_client.contract.listing import Transition, masked
from gateway_client.contract.log import log_entries, sign_checkpoint
from gateway_client.log_audit import audit

REGION = "430000"
GATEWAY = gateway_signers("gw-test-1")
SUB = subscription("sub-all", region=REGION)
WORDS = "本人已全额还款，联系电话一三八〇〇〇〇〇〇〇〇"


def test_withheld_words_in_a_restatement_to_a_region_without_purpose_are_reported() -> None:
    steps = (
        Transition(
            event="repaired",
            status="active",
            at=NOW - timedelta(days=2),
            by="230900",
            reason="repaired",
            note=WORDS,
        ),
    )
    full = listing(credit_code=RESIDENT_ID, subject_name="张某某").model_copy(
        update={"id_salt": "5a" * 16, "history": steps}
    )
    made = change(full)
    [planned] = plan_deliveries(made, [SUB], [])  # no agreement: masked, not recognised
    [one] = stamped([planned], {made.change_id: 1}, lambda _sub, _count: 1)
    logged = payload_for(one, subscriber_region=REGION)
    assert not logged.recognition.recognised
    assert logged.data.listing.history[0].note is None  # withheld, as it should be

    worded = masked(full).model_copy(update={"history": steps})  # the words put back
    restatement = logged.model_copy(
        update={
            "type": "recognition.changed",
            "delivery_id": "msg_" + "e" * 32,
            "log_sequence": None,
            "sequence": 2,
            "data": restated(worded, "agr_1@2", NOW),
        }
    )
    # the same words in the logged listing.changed itself are reported (review 246)
    direct = logged.model_copy(update={"data": made.model_copy(update={"listing": worded})})
    entries = log_entries(1, [made])
    checkpoint = sign_checkpoint(1, tree_root(entries), NOW, GATEWAY)
    reader = tile_reader(published_tiles(entries, [1]))
    keys = [GATEWAY.ed25519.private_key.public_key()]
    later = NOW + timedelta(days=1)

    def run(stored):  # type: ignore[no-untyped-def]
        return audit(entries, [checkpoint], keys, stored, lambda _e: True, reader, later, 1)

    assert run([logged]).ok
    assert not run([direct]).ok
    report = run([logged, restatement])
    assert not report.ok, "withheld words in a restatement to a region without purpose: OK"


def test_withheld_words_in_an_intensified_flag_to_a_region_without_purpose_are_reported() -> None:
    """The same through ``subject.intensified``: it carries the logged change that raised the
    flag (its sequence too), checked against the leaf by its masked form only."""
    from gateway_client.contract.events import Intensified

    steps = (
        Transition(
            event="repaired",
            status="active",
            at=NOW - timedelta(days=2),
            by="230900",
            reason="repaired",
            note=WORDS,
        ),
    )
    full = listing(credit_code=RESIDENT_ID, subject_name="张某某").model_copy(
        update={"id_salt": "5a" * 16, "history": steps}
    )
    made = change(full)
    [planned] = plan_deliveries(made, [SUB], [])
    [one] = stamped([planned], {made.change_id: 1}, lambda _sub, _count: 1)
    logged = payload_for(one, subscriber_region=REGION)
    worded = masked(full).model_copy(update={"history": steps})
    flag = logged.model_copy(
        update={
            "type": "subject.intensified",
            "delivery_id": "msg_" + "f" * 32,
            "sequence": 2,
            "data": made.model_copy(update={"listing": worded}),
            "intensified": Intensified(
                credit_code=worded.credit_code, intensified=True, domains=("a", "b")
            ),
        }
    )
    entries = log_entries(1, [made])
    checkpoint = sign_checkpoint(1, tree_root(entries), NOW, GATEWAY)
    reader = tile_reader(published_tiles(entries, [1]))
    keys = [GATEWAY.ed25519.private_key.public_key()]
    report = audit(
        entries,
        [checkpoint],
        keys,
        [logged, flag],
        lambda _e: True,
        reader,
        NOW + timedelta(days=1),
        1,
    )
    assert not report.ok, "withheld words in an intensified flag to a region without purpose: OK"
