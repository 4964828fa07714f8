"""The log leaf binds full resident ID numbers without holding them: a listing version's random
``id_salt`` makes ``ids_commitment`` in its masked form, so a number swapped for another with the
same mask changes the change digest, masked and full recipients compute the same leaf, the salt
never leaves with a masked listing, and verify-log reports full numbers delivered without it."""

from __future__ import annotations

from datetime import date, timedelta

from builders import (
    CITY,
    NOW,
    RESIDENT_ID,
    change,
    gateway_signers,
    listing,
    make_resident_id,
    make_uscc,
    person,
    published_tiles,
    subscription,
    tile_reader,
    tree_root,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.delivery.planning import for_subscriber, payload_for, plan_deliveries, stamped
from gateway.recognition.disclosure import Disclosure, shown
from gateway_client.contract.change import Change, purged, restated
from gateway_client.contract.codes import mask
from gateway_client.contract.events import DeliveryPayload, Recognition
from gateway_client.contract.listing import Listing, masked
from gateway_client.contract.log import change_digest, log_entries, log_entry, sign_checkpoint
from gateway_client.log_audit import AuditReport, audit

SALT = "5a" * 16
REGION = "430000"


def salted(made: Listing, salt: str = SALT) -> Listing:
    """``made`` as promotion now makes it: with a salt of its own."""
    return made.model_copy(update={"id_salt": salt})


def person_listing(code: str = RESIDENT_ID, responsible: str | None = None) -> Listing:
    persons = [] if responsible is None else [person(id_number=responsible)]
    return salted(listing(credit_code=code, subject_name="张某某", responsible_persons=persons))


def with_listing(original: Change, replaced: Listing) -> Change:
    return original.model_copy(update={"listing": replaced})


def same_mask(code: str, birth: date, start: int) -> str:
    """Another valid resident ID number that masks like ``code``: same region, same check."""
    for step in range(1000):
        other = make_resident_id(birth.strftime("%Y%m%d"), (start + step) % 1000, code[:6])
        if other[-1] == code[-1] and other != code:
            return other
    raise AssertionError("no number with that check character")


births = st.dates(min_value=date(1930, 1, 1), max_value=date(2005, 12, 31))
sequences = st.integers(min_value=0, max_value=999)
regions = st.sampled_from(("110105", "110101", "310104"))  # counties stdnum knows


@settings(max_examples=80, deadline=None)
@given(regions, births, sequences, births, sequences, st.booleans())
def test_a_number_swapped_for_one_with_the_same_mask_always_changes_the_digest(
    region: str, birth: date, sequence: int, other_birth: date, start: int, as_person: bool
) -> None:
    real = make_resident_id(birth.strftime("%Y%m%d"), sequence, region)
    innocent = same_mask(real, other_birth, start)
    assert mask(innocent) == mask(real)
    if as_person:  # the responsible person's number
        genuine_listing = person_listing(make_uscc(5), responsible=real)
        forged_persons = (
            genuine_listing.responsible_persons[0].model_copy(update={"id_number": innocent}),
        )
        forged_listing = genuine_listing.model_copy(update={"responsible_persons": forged_persons})
    else:  # the subject's own
        genuine_listing = person_listing(real)
        forged_listing = genuine_listing.model_copy(update={"credit_code": innocent})
    made = change(genuine_listing)

    assert change_digest(with_listing(made, forged_listing)) != change_digest(made)


def test_masked_and_full_recipients_of_one_change_compute_the_same_leaf() -> None:
    made = change(person_listing(responsible=make_resident_id()))
    leaf = log_entry(7, made).hash
    for recognised in (True, False):
        sent = for_subscriber(made, Recognition(subscriber_region=REGION, recognised=recognised))
        received = Change.model_validate_json(sent.model_dump_json())  # as a webhook body reads
        assert (received.listing.id_salt is not None) is recognised
        assert log_entry(7, received).hash == leaf


def test_a_listing_made_before_salts_digests_as_it_did() -> None:
    """Neither field: the masked form is the one the log held before, byte for byte."""
    old = listing(credit_code=RESIDENT_ID)
    hidden = masked(old)
    assert hidden.ids_commitment is None
    assert "ids_commitment" not in hidden.model_dump_json()
    assert "id_salt" not in hidden.model_dump_json()


def test_a_masked_listing_keeps_the_commitment_it_was_given() -> None:
    once = masked(person_listing())
    assert once.ids_commitment is not None
    assert masked(once) == once


def test_no_masked_output_carries_the_salt() -> None:
    full = person_listing(responsible=make_resident_id())
    made = change(full)
    unrecognised = Recognition(subscriber_region=REGION, recognised=False)
    outputs = [
        masked(full),
        shown(full, Disclosure.MASKED),
        shown(full, Disclosure.PUBLIC),
        for_subscriber(made, unrecognised).listing,
        purged(full, NOW).listing,
    ]
    for out in outputs:
        assert out.id_salt is None
        assert "id_salt" not in out.model_dump_json()
        assert SALT not in out.model_dump_json()
    assert shown(full, Disclosure.FULL).id_salt == SALT  # where the full numbers are shown


# -- verify-log --

GATEWAY = gateway_signers("gw-test-1")
SUB = subscription("sub-all", region=REGION)


def audited(changes: list[Change], deliveries: list[DeliveryPayload]) -> AuditReport:
    entries = log_entries(1, changes)
    checkpoint = sign_checkpoint(len(entries), tree_root(entries), NOW, GATEWAY)
    reader = tile_reader(published_tiles(entries, [len(entries)]))
    keys = [GATEWAY.ed25519.private_key.public_key()]
    later = NOW + timedelta(days=1)
    return audit(entries, [checkpoint], keys, deliveries, lambda _e: True, reader, later, 1)


def delivered(made: Change, full: bool) -> DeliveryPayload:
    """The body ``SUB`` stored for ``made`` (logged as entry 1), with full IDs or masked."""
    [planned] = plan_deliveries(made, [SUB], [])  # no agreement: masked
    [one] = stamped([planned], {made.change_id: 1}, lambda _sub, _count: 1)
    body = payload_for(one, subscriber_region=REGION)
    return body.model_copy(update={"data": made}) if full else body


def test_verify_log_reports_a_full_number_swapped_for_one_with_the_same_mask() -> None:
    made = change(person_listing())
    innocent = same_mask(RESIDENT_ID, date(1980, 1, 1), 0)
    forged = with_listing(made, made.listing.model_copy(update={"credit_code": innocent}))

    assert audited([made], [delivered(made, full=True)]).ok
    report = audited([made], [delivered(forged, full=True)])
    assert not report.ok
    assert any("differs from log entry 1 (altered)" in p for p in report.problems)


def test_verify_log_reports_full_numbers_delivered_without_their_salt() -> None:
    """A stripped salt would leave the commitment taken on trust: numbers could be swapped."""
    made = change(person_listing())
    innocent = same_mask(RESIDENT_ID, date(1980, 1, 1), 0)
    commitment = masked(made.listing).ids_commitment
    stripped = made.listing.model_copy(
        update={"id_salt": None, "ids_commitment": commitment, "credit_code": innocent}
    )
    body = delivered(with_listing(made, stripped), full=True)

    report = audited([made], [body])
    assert [p for p in report.problems if "without the id_salt" in p]
    assert not report.ok
    # with the commitment stripped as well it reads as an old delivery: not the logged leaf
    bare = delivered(with_listing(made, stripped.model_copy(update={"ids_commitment": None})), True)
    assert [p for p in audited([made], [bare]).problems if "differs from log entry 1" in p]


def test_masked_and_old_format_deliveries_verify() -> None:
    salted_change = change(person_listing())
    old_change = change(listing(credit_code=RESIDENT_ID, region=CITY, source_sequence=3))
    for made in (salted_change, old_change):
        for full in (True, False):
            assert audited([made], [delivered(made, full)]).ok, (made.listing.id_salt, full)


def restating(body: DeliveryPayload, listing_now: Listing) -> DeliveryPayload:
    """A recognition change re-sending ``listing_now`` (never logged, no sequence)."""
    return body.model_copy(
        update={
            "type": "recognition.changed",
            "delivery_id": "msg_" + "e" * 32,
            "log_sequence": None,
            "data": restated(listing_now, "agr_1@2", NOW),
        }
    )


def test_a_restatement_may_name_more_provenances_but_not_another_number() -> None:
    """The commitment leaves the provenances out: a relay adds them within one version."""
    made = change(person_listing())
    logged = delivered(made, full=False)  # masked then; recognised now, so in full
    relayed = made.listing.model_copy(update={"provenances": (*made.listing.provenances, "440000")})
    innocent = same_mask(RESIDENT_ID, date(1980, 1, 1), 0)
    swapped = relayed.model_copy(update={"credit_code": innocent})

    assert audited([made], [logged, restating(logged, relayed)]).ok
    report = audited([made], [logged, restating(logged, swapped)])
    assert [p for p in report.problems if "restates listing" in p]
