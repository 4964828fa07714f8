"""The exchange log's pure parts: entries as Merkle leaves, change digests, signed checkpoints,
and the per-subscription numbering that ``fanout.stamped`` gives deliveries."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import timedelta

import pytest
from builders import (
    NOW,
    RESIDENT_ID,
    USCC,
    change,
    evolved,
    listing,
    make_resident_id,
    make_signer,
    make_uscc,
    paired,
    person,
    red_entry,
    subscription,
    with_status,
)
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import ValidationError

from gateway.delivery.planning import Delivery, delivery_id, stamped
from gateway.recognition.matching import recognise
from gateway_client.contract.change import Change, ChangeType
from gateway_client.contract.listing import Listing, ListingStatus, Transition, masked
from gateway_client.contract.log import (
    Checkpoint,
    LogEntry,
    change_digest,
    checkpoint_verifies,
    entry_hash,
    entry_leaf,
    log_entries,
    sign_checkpoint,
)
from gateway_client.contract.signing import Ed25519Signer
from gateway_client.tlog import (
    NoteSigner,
    NoteVerifier,
    TreeHead,
    open_note,
    parse_checkpoint,
    root_of,
)


def public_key(signer: Ed25519Signer) -> Ed25519PublicKey:
    return signer.private_key.public_key()


def some_changes(count: int = 4) -> list[Change]:
    """Changes of different listings, each valid and distinct."""
    return [change(listing(credit_code=make_uscc(100 + i))) for i in range(count)]


# -- entries: the tree's leaves --


def test_entries_are_numbered_consecutively_from_the_first_sequence() -> None:
    changes = some_changes(4)

    entries = log_entries(17, changes)

    assert [e.sequence for e in entries] == [17, 18, 19, 20]
    assert [e.leaf_index for e in entries] == [16, 17, 18, 19]
    assert [e.change_id for e in entries] == [c.change_id for c in changes]


def test_an_entrys_hash_is_the_rfc6962_leaf_hash_of_its_published_fields() -> None:
    [entry] = log_entries(1, some_changes(1))

    leaf = entry_leaf(entry)

    assert json.loads(leaf) == {
        "sequence": 1,
        "change_id": entry.change_id,
        "change_digest": entry.change_digest,
        "kind": entry.kind.value,
        "domain": entry.domain,
        "origin_region": entry.origin_region,
        "at": entry.at.isoformat(),
    }
    assert leaf == json.dumps(json.loads(leaf), sort_keys=True, separators=(",", ":")).encode()
    assert entry.hash == hashlib.sha256(b"\x00" + leaf).hexdigest() == entry_hash(entry)


@pytest.mark.parametrize(
    "field",
    [
        {"change_id": "chg_" + "0" * 31 + "\nred"},
        {"change_digest": "ab" * 31 + "\nx"},
        {"domain": "court_defaulter\nred"},
        {"origin_region": "23090\n"},
        {"moved_from": "41018\n"},
    ],
    ids=lambda fields: next(iter(fields)),
)
def test_an_entry_field_that_could_smuggle_another_field_is_refused(field) -> None:
    [entry] = log_entries(1, some_changes(1))

    with pytest.raises(ValidationError):
        LogEntry.model_validate({**entry.model_dump(mode="json"), **field})


def test_an_entry_carries_the_routing_fields_and_digest_of_its_change() -> None:
    red = change(listing(red_entry(), region="441802"))

    [entry] = log_entries(1, [red])

    assert (entry.kind, entry.domain, entry.origin_region) == ("red", "a_grade_taxpayer", "441802")
    assert entry.change_digest == change_digest(red)
    assert entry.at == red.occurred_at


def _stepped(made: Listing, event: str, by: str, reason: str, at_version: bool = True) -> Change:
    """``made`` with a last step as given, made with this version (or an earlier one)."""
    at = made.accepted_at if at_version else made.accepted_at - timedelta(days=1)
    step = Transition.model_validate(
        {"event": event, "status": "active", "at": at, "by": by, "reason": reason}
    )
    return change(made.model_copy(update={"history": (*made.history, step)}))


@pytest.mark.parametrize("event", ["reassigned", "objection_decided"])
def test_the_operators_move_names_the_region_the_listing_left_in_its_leaf(event) -> None:
    made = listing(region="230900")
    reason = f"reassigned: 认定部门为七台河市; origin 410184 → {made.origin_region}"

    [entry] = log_entries(1, [_stepped(made, event, "operator", reason)])

    assert entry.moved_from == "410184"
    assert json.loads(entry_leaf(entry))["moved_from"] == "410184"
    assert entry.hash == entry_hash(LogEntry.model_validate(entry.model_dump(mode="json")))


@pytest.mark.parametrize(
    ("by", "reason", "at_version"),
    [
        ("230900", "objection o1 upheld: 见; origin 410184 → 230900", True),  # a region's note
        ("operator", "reassigned: x; origin 410184 → 230900", False),  # a later version
        ("operator", "reassigned: x; origin 410184 → 440000", True),  # names another origin
        ("operator", "reassigned: x; origin 4101 → 230900", True),  # no region
        ("operator", "reassigned: x; origin 230900 → 230900", True),  # no move
    ],
    ids=["region", "later", "elsewhere", "malformed", "same"],
)
def test_a_step_that_is_not_this_versions_move_leaves_the_leaf_as_it_was(
    by, reason, at_version
) -> None:
    made = listing(region="230900")

    [entry] = log_entries(1, [_stepped(made, "objection_decided", by, reason, at_version)])

    assert entry.moved_from is None
    assert "moved_from" not in json.loads(entry_leaf(entry))


def test_a_leaf_holds_no_listing_content() -> None:
    made = natural_person_change()

    [entry] = log_entries(1, [made])

    assert made.listing.credit_code.encode() not in entry_leaf(entry)
    assert "张某某".encode() not in entry_leaf(entry)


@pytest.mark.parametrize(
    "altered",
    [
        {"sequence": 2},
        {"change_id": "chg_" + "f" * 32},
        {"change_digest": "0" * 64},
        {"domain": "major_tax_violation"},
        {"origin_region": "441802"},
        {"at": NOW + timedelta(seconds=1)},
    ],
    ids=lambda fields: next(iter(fields)),
)
def test_an_altered_entry_no_longer_matches_its_hash(altered) -> None:
    [entry] = log_entries(1, some_changes(1))

    assert entry_hash(entry.model_copy(update=altered)) != entry.hash


def test_the_same_change_at_another_place_is_another_leaf() -> None:
    changes = some_changes(2)

    forward = log_entries(1, changes)
    backward = log_entries(1, list(reversed(changes)))

    assert root_of([bytes.fromhex(e.hash) for e in forward]) != root_of(
        [bytes.fromhex(e.hash) for e in backward]
    )


def test_no_changes_give_no_entries() -> None:
    assert log_entries(1, []) == []


# -- change digests --


def natural_person_change() -> Change:
    held = listing(
        credit_code=RESIDENT_ID,
        subject_name="张某某",
        responsible_persons=[person(id_number=RESIDENT_ID)],
    )
    return change(held)


def test_a_natural_persons_change_has_one_digest_whether_its_ids_are_masked_or_not() -> None:
    plain = natural_person_change()
    hidden = plain.model_copy(update={"listing": masked(plain.listing)})
    assert hidden.listing.credit_code != plain.listing.credit_code  # the IDs really are masked

    assert change_digest(hidden) == change_digest(plain)


def test_a_legal_persons_credit_code_counts_in_its_digest_and_masking_leaves_it() -> None:
    made = change(listing(credit_code=USCC))

    assert change_digest(made) == change_digest(
        made.model_copy(update={"listing": masked(made.listing)})
    )
    assert change_digest(made) != change_digest(change(listing(credit_code=make_uscc(5))))


def test_a_change_digest_is_a_sha256_hex_string() -> None:
    digest = change_digest(change())

    assert re.fullmatch(r"[0-9a-f]{64}", digest)


@pytest.mark.parametrize(
    "listing_fields",
    [
        {"subject_name": "清远另一建材有限公司"},
        {"reason": "拒不履行生效判决"},
        {"decision_number": "(2025)粤1802执999号"},
        {"deciding_authority": "清远市中级人民法院"},
        {"severity": "general"},
        {"legal_basis": "另一法律依据"},
        {"valid_until": NOW.date() + timedelta(days=900)},
        {"origin_region": "441802"},
        {"domain": "major_tax_violation"},
        {"version": "2025-03-02T00:00:00.000000Z#0000000000009"},
        {"responsible_persons": [person(name="李某某")]},
    ],
    ids=lambda fields: next(iter(fields)),
)
def test_a_change_digest_differs_when_a_listing_field_differs(listing_fields) -> None:
    made = change()
    other = made.model_copy(update={"listing": evolved(made.listing, **listing_fields)})

    assert change_digest(other) != change_digest(made)


def test_a_change_digest_differs_when_the_listings_status_differs() -> None:
    made = change()
    other = made.model_copy(update={"listing": with_status(made.listing, ListingStatus.SUSPENDED)})

    assert change_digest(other) != change_digest(made)


@pytest.mark.parametrize(
    "change_fields",
    [
        {"change_id": "chg_" + "f" * 32},
        {"type": ChangeType.UPDATED},
        {"previous_version": "2025-01-01T00:00:00.000000Z#0000000000000"},
        {"previous_status": ListingStatus.ACTIVE},
        {"occurred_at": NOW + timedelta(seconds=1)},
    ],
    ids=lambda fields: next(iter(fields)),
)
def test_a_change_digest_differs_when_a_change_field_differs(change_fields) -> None:
    made = change()

    assert change_digest(made.model_copy(update=change_fields)) != change_digest(made)


def test_a_natural_persons_digest_differs_when_a_responsible_persons_id_differs() -> None:
    plain = natural_person_change()
    persons = [person(id_number=make_resident_id(region="310101"))]
    other = plain.model_copy(
        update={"listing": evolved(plain.listing, responsible_persons=persons)}
    )

    assert masked(other.listing).responsible_persons != masked(plain.listing).responsible_persons
    assert change_digest(other) != change_digest(plain)


# -- checkpoints --

ROOT = bytes.fromhex("ab" * 32)


def test_a_signed_checkpoint_verifies_with_the_signers_public_key(signer) -> None:
    checkpoint = sign_checkpoint(6, ROOT, NOW, paired(signer), "example.test/log")

    assert (checkpoint.sequence, checkpoint.root, checkpoint.at) == (6, ROOT.hex(), NOW)
    assert checkpoint.key_id == signer.key_id
    assert checkpoint_verifies(checkpoint, [public_key(signer)])


def test_a_checkpoint_is_a_c2sp_signed_note_that_tlog_tooling_opens(signer) -> None:
    checkpoint = sign_checkpoint(6, ROOT, NOW, paired(signer), "example.test/log")
    verifier = NoteVerifier.from_vkey(NoteSigner("example.test/log", signer.private_key).vkey)

    text, names = open_note(checkpoint.note, [verifier])

    assert names == ["example.test/log"]
    assert parse_checkpoint(text) == TreeHead("example.test/log", 6, ROOT, ())
    assert text.encode() == checkpoint.signed_bytes()


def test_a_checkpoint_verifies_when_one_of_several_keys_signed_it(signer) -> None:
    checkpoint = sign_checkpoint(6, ROOT, NOW, paired(signer))
    others = [public_key(make_signer(f"other-{i}")) for i in range(2)]

    assert checkpoint_verifies(checkpoint, [*others, public_key(signer)])


def test_a_checkpoint_survives_a_round_trip_through_json(signer) -> None:
    checkpoint = sign_checkpoint(6, ROOT, NOW, paired(signer))

    again = Checkpoint.model_validate_json(checkpoint.model_dump_json())

    assert checkpoint_verifies(again, [public_key(signer)])


@pytest.mark.parametrize(
    "altered",
    [{"sequence": 7}, {"root": "cd" * 32}, {"origin": "another/log"}],
    ids=lambda fields: next(iter(fields)),
)
def test_a_checkpoint_with_an_altered_field_does_not_verify(signer, altered) -> None:
    checkpoint = sign_checkpoint(6, ROOT, NOW, paired(signer))

    assert not checkpoint_verifies(checkpoint.model_copy(update=altered), [public_key(signer)])


def test_a_checkpoint_signed_by_another_key_does_not_verify(signer) -> None:
    forger = make_signer(signer.key_id)  # the same key id, another private key
    forged = sign_checkpoint(6, ROOT, NOW, paired(forger))

    assert not checkpoint_verifies(forged, [public_key(signer)])


def test_a_checkpoint_whose_signature_is_not_base64_does_not_verify(signer) -> None:
    checkpoint = sign_checkpoint(6, ROOT, NOW, paired(signer))

    assert not checkpoint_verifies(
        checkpoint.model_copy(update={"signature": "not base64!"}), [public_key(signer)]
    )


def test_a_checkpoint_does_not_verify_against_no_keys(signer) -> None:
    assert not checkpoint_verifies(sign_checkpoint(6, ROOT, NOW, paired(signer)), [])


# -- fanout.stamped: per-subscription numbering and log sequences --


def delivery(made: Change, subscription_id: str) -> Delivery:
    sub = subscription(subscription_id)
    return Delivery(
        delivery_id=delivery_id(made.change_id, subscription_id),
        subscription_id=subscription_id,
        change=made,
        recognition=recognise(made.listing, sub.region, [], NOW.date()),
    )


class Allocator:
    """``allocate`` as the exchange log answers it: a block per subscription, and a record."""

    def __init__(self, starts: dict[str, int]) -> None:
        self.next = dict(starts)
        self.calls: list[tuple[str, int]] = []

    def __call__(self, subscription_id: str, count: int) -> int:
        self.calls.append((subscription_id, count))
        first = self.next.get(subscription_id, 1)
        self.next[subscription_id] = first + count
        return first


def test_stamped_numbers_each_subscriptions_deliveries_consecutively_in_delivery_order() -> None:
    a, b, c = some_changes(3)
    deliveries = [
        delivery(a, "s-1"),
        delivery(a, "s-2"),
        delivery(b, "s-1"),
        delivery(c, "s-1"),
        delivery(c, "s-2"),
    ]
    allocate = Allocator({"s-1": 41, "s-2": 7})

    out = stamped(deliveries, {}, allocate)

    assert [(d.subscription_id, d.sequence) for d in out] == [
        ("s-1", 41),
        ("s-2", 7),
        ("s-1", 42),
        ("s-1", 43),
        ("s-2", 8),
    ]
    assert [d.delivery_id for d in out] == [d.delivery_id for d in deliveries]


def test_stamped_reserves_one_block_per_subscription_the_size_of_its_deliveries() -> None:
    a, b = some_changes(2)
    allocate = Allocator({})

    stamped([delivery(a, "s-1"), delivery(b, "s-1"), delivery(a, "s-2")], {}, allocate)

    assert sorted(allocate.calls) == [("s-1", 2), ("s-2", 1)]


def test_stamped_continues_where_the_previous_block_ended() -> None:
    a, b, c = some_changes(3)
    allocate = Allocator({})

    first = stamped([delivery(a, "s-1"), delivery(b, "s-1")], {}, allocate)
    second = stamped([delivery(c, "s-1")], {}, allocate)

    assert [d.sequence for d in first + second] == [1, 2, 3]


def test_stamped_takes_each_log_sequence_from_the_change_id_map() -> None:
    a, b, c = some_changes(3)
    logged = {a.change_id: 12, b.change_id: 13}

    out = stamped(
        [delivery(b, "s-1"), delivery(a, "s-2"), delivery(a, "s-1"), delivery(c, "s-1")],
        logged,
        Allocator({}),
    )

    assert [d.log_sequence for d in out] == [13, 12, 12, None]


def test_stamped_changes_nothing_else_about_a_delivery() -> None:
    [a] = some_changes(1)
    original = delivery(a, "s-1")

    [out] = stamped([original], {a.change_id: 3}, Allocator({}))

    assert out.model_copy(update={"log_sequence": None, "sequence": None}) == original


def test_stamped_with_no_deliveries_allocates_nothing() -> None:
    allocate = Allocator({})

    assert stamped([], {}, allocate) == []
    assert allocate.calls == []
