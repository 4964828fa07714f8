"""信用承诺 in the domain: a commitment is validated as its kind requires, shown as the seeds
want (open and broken ones to all who may see listings, kept or withdrawn ones to the owner),
closes the green channel once broken, becomes a black listing by its owner's policy at the
tick (once), is reported when overdue, and is erased five years after its outcome."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from builders import CITY, NOW, RESIDENT_ID, entry, listing, red_entry, with_status
from pydantic import ValidationError
from test_lifecycle_service import Rig

from gateway.broken_commitment_terms import BrokenCommitmentPolicy
from gateway.intake import validate_entries
from gateway.lifecycle.commitments import black_listing_for, withdrawn
from gateway.lifecycle.freshness import entry_problems
from gateway.lifecycle.overdue_lists import OverdueLists
from gateway.lifecycle.retention import purge_due
from gateway.recognition import Refusal, Viewer, subject_view
from gateway.registry import Region
from gateway_client.contract import ListingEntry, ListingStatus, ListKind, Transition, masked

HUNAN = Viewer(kind="region", region="430000", key_id="k-hunan")
OWNER = Viewer(kind="region", region=CITY, key_id="k-city")


def commitment_entry(**commitment: Any) -> dict[str, Any]:
    """A 容缺受理 commitment: the missing licence copy within 30 days."""
    made = {"kind": "accept_with_deficiencies", "deadline": "2025-04-01", **commitment}
    return entry(
        kind="commitment",
        domain="licensing_commitment",
        severity=None,
        legal_basis=None,
        reason="承诺在30日内补交营业执照副本复印件",
        deciding_authority="清远市清城区政务服务中心",
        decision_number="清城承诺〔2025〕12号",
        valid_until=None,
        commitment=made,
    )


def held(**commitment: Any) -> Any:
    return listing(commitment_entry(**commitment))


def error_types(raw: dict[str, Any]) -> set[str]:
    with pytest.raises(ValidationError) as caught:
        ListingEntry.model_validate(raw)
    return {e["type"] for e in caught.value.errors()}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (commitment_entry(deadline=None), "missing_deadline"),
        (commitment_entry(outcome="kept"), "outcome_without_date"),
        (commitment_entry(outcome_on="2025-03-10"), "outcome_without_date"),
        (commitment_entry(deadline="2025-02-01"), "dates_out_of_order"),
        (entry(commitment={"kind": "voluntary"}), "commitment_mismatch"),
        ({**commitment_entry(), "commitment": None}, "commitment_mismatch"),
        ({**commitment_entry(), "severity": "serious"}, "unexpected_severity"),
    ],
)
def test_a_commitment_is_validated_as_its_kind_requires(raw, expected):
    assert expected in error_types(raw)


def test_red_and_black_entries_dump_as_before_without_a_commitment_field():
    assert "commitment" not in ListingEntry.model_validate(entry()).model_dump()
    assert "commitment" not in ListingEntry.model_validate(red_entry()).model_dump()


def test_open_and_broken_commitments_are_shown_kept_ones_only_to_the_owner():
    open_one = held()
    broken = held(outcome="broken", outcome_on="2025-04-02", deadline="2025-04-01")
    kept = listing(
        commitment_entry(outcome="kept", outcome_on="2025-03-20"), decision_number="第2号"
    )

    seen = subject_view([open_one, broken, kept], None, [], NOW.date(), HUNAN)
    owned = subject_view([open_one, broken, kept], None, [], NOW.date(), OWNER)

    assert seen is not None
    assert owned is not None
    assert len(seen.listings) == 2
    assert len(owned.listings) == 3
    assert (seen.commitments.open, seen.commitments.broken) == (1, 1)
    assert seen.commitments.overdue == 1  # the open one's deadline (1 April 2025) has passed


def test_a_broken_commitment_closes_the_green_channel():
    model = listing(red_entry(domain="trustworthiness_model", reason="诚信典型"))
    broken = held(outcome="broken", outcome_on="2025-04-02")

    assert subject_view([model], None, [], NOW.date(), HUNAN).benefits.green_channel
    assert not subject_view([model, broken], None, [], NOW.date(), HUNAN).benefits.green_channel


def test_a_broken_commitment_closes_it_for_three_years_from_the_breach_only():
    """Seed 000 二(一)2: 连续三年无不良信用记录 — a record of its own, not for ever (review 126)."""
    model = listing(red_entry(domain="trustworthiness_model", reason="诚信典型"))
    broken = held(outcome="broken", outcome_on="2025-04-02")
    on = [date(2028, 4, 1), date(2028, 4, 2)]

    closed, opened = (subject_view([model, broken], None, [], day, HUNAN).benefits for day in on)

    assert closed.refused_because == (Refusal.BROKEN_COMMITMENT,)
    assert closed.open_from == date(2028, 4, 2)
    assert opened.green_channel


@pytest.mark.parametrize(
    ("status", "counts"),
    [
        (ListingStatus.EXPIRED, True),  # its own period over: the breach still a record
        (ListingStatus.REVOKED, False),  # taken back: no record at all
        (ListingStatus.CORRECTED, False),
    ],
)
def test_a_broken_commitment_counts_after_its_listing_ended_unless_withdrawn(status, counts):
    """Review 127: once the commitment's listing expired, days after the breach, the breach no
    longer closed the channel, where an ended black listing counts three years."""
    model = listing(red_entry(domain="trustworthiness_model", reason="诚信典型"))
    broken = with_status(held(outcome="broken", outcome_on="2025-04-02"), status)

    benefits = subject_view([model, broken], None, [], date(2025, 6, 1), OWNER).benefits

    assert (Refusal.BROKEN_COMMITMENT in benefits.refused_because) is counts


POLICY = BrokenCommitmentPolicy(severity="general", legal_basis="《清城区信用承诺管理办法》第九条")


def rig_with_policy(policy: BrokenCommitmentPolicy | None) -> Rig:
    rig = Rig()
    rig.registry.put_region(Region(code=CITY, name="清远市", broken_commitments=policy))
    return rig


def test_a_broken_commitment_becomes_a_black_listing_by_the_owners_policy_once():
    rig = rig_with_policy(POLICY)
    broken = rig.seed(held(outcome="broken", outcome_on="2025-04-02"))

    first, second = rig.service.tick(), rig.service.tick()

    [black] = [x for x in rig.store.subject(broken.credit_code) if x.kind is ListKind.BLACK]
    assert (first.broken_commitments_listed, second.broken_commitments_listed) == (1, 0)
    assert (black.domain, black.severity, black.legal_basis) == (
        "broken_commitment",
        "general",
        POLICY.legal_basis,
    )
    assert (black.origin_region, black.decided_on) == (CITY, date(2025, 4, 2))
    assert black.deciding_authority == broken.deciding_authority


def test_a_broken_commitments_black_listing_once_purged_is_never_listed_again():
    rig = rig_with_policy(POLICY)
    broken = rig.seed(held(outcome="broken", outcome_on="2025-04-02"))
    black = black_listing_for(broken, POLICY, NOW)
    rig.erasure.erase(black.listing_id, "purge", CITY)  # purged at a past tick

    assert rig.service.tick().broken_commitments_listed == 0
    assert [x.kind for x in rig.store.subject(broken.credit_code)] == [ListKind.COMMITMENT]


def test_without_a_policy_a_broken_commitment_stays_a_commitment():
    rig = rig_with_policy(None)
    broken = rig.seed(held(outcome="broken", outcome_on="2025-04-02"))

    assert rig.service.tick().broken_commitments_listed == 0
    assert [x.kind for x in rig.store.subject(broken.credit_code)] == [ListKind.COMMITMENT]


def test_an_open_commitment_past_its_deadline_is_reported_to_its_owner_region():
    rig = rig_with_policy(None)
    late = rig.seed(held())
    rig.seed(held(deadline="2030-01-01").model_copy(update={"listing_id": "lst_other"}))

    report = rig.service.tick()

    assert [x["listing_id"] for x in report.overdue_commitments] == [late.listing_id]
    assert OverdueLists(rig.store, rig.clock).commitments(CITY)[0] == report.overdue_commitments
    assert OverdueLists(rig.store, rig.clock).commitments("430000")[0] == []


def test_a_persons_commitment_is_erased_five_years_after_its_outcome_never_while_open():
    person = {"credit_code": RESIDENT_ID, "subject_name": "张某"}
    settled = listing(
        {**commitment_entry(outcome="kept", outcome_on="2025-03-20"), **person},
        accepted_at=NOW - timedelta(days=400),
    )
    still_open = listing({**commitment_entry(), **person}, accepted_at=NOW - timedelta(days=400))

    assert not purge_due(settled, date(2030, 3, 19))
    assert purge_due(settled, date(2030, 3, 20))
    assert not purge_due(still_open, date(2040, 1, 1))


def test_no_region_can_foresee_the_id_of_the_listing_a_broken_commitment_becomes():
    broken = held(outcome="broken", outcome_on="2025-04-02")
    black = black_listing_for(broken, POLICY, NOW)
    guessed = listing(
        entry(
            decision_number=f"{broken.decision_number}-违诺",
            domain="broken_commitment",
            deciding_authority=broken.deciding_authority,
        )
    )

    assert black.listing_id != guessed.listing_id
    assert black.decision_number.startswith(f"{broken.decision_number}-违诺-")


def test_an_outcome_dated_after_today_is_refused_as_a_future_date():
    late = (NOW + timedelta(days=2)).date().isoformat()
    made = ListingEntry.model_validate(commitment_entry(outcome="kept", outcome_on=late))

    problems = entry_problems(made, NOW, timedelta(minutes=5))

    assert ("commitment.outcome_on", "future_date") in [(f, c) for f, c, _ in problems]


def test_a_persons_commitment_that_stopped_applying_without_an_outcome_is_still_erased():
    person = {"credit_code": RESIDENT_ID, "subject_name": "张某"}
    removed = with_status(
        listing({**commitment_entry(), **person}, accepted_at=NOW - timedelta(days=400)),
        "revoked",
    )

    assert purge_due(removed, (NOW + timedelta(days=366 * 6)).date())


def test_a_masked_commitment_leaves_its_outcome_note_out():
    settled = held(outcome="kept", outcome_on="2025-03-20", outcome_note="张某已补交")

    assert masked(settled).commitment.outcome_note == ""


def test_a_commitment_cannot_be_settled_after_its_record_ends():
    raw = commitment_entry(outcome="kept", outcome_on="2025-05-01")
    raw["valid_until"] = "2025-04-15"

    assert "dates_out_of_order" in error_types(raw)


@pytest.mark.parametrize(
    ("fields", "path"),
    [
        ({"deadline": "2025-02-01"}, "commitment.deadline"),
        ({"outcome": "kept", "outcome_on": "2025-02-01"}, "commitment.outcome_on"),
    ],
)
def test_a_commitment_date_out_of_order_is_refused_on_that_date(
    fields: dict[str, Any], path: str
) -> None:
    _, errors = validate_entries([commitment_entry(**fields)], date(2025, 6, 2))

    assert [(e.field, e.code) for e in errors] == [(path, "dates_out_of_order")]


def _decided_revoked(ended: Any) -> Any:
    """``ended`` with an objection decided ``revoked`` after its end (its status kept)."""
    step = Transition(
        event="objection_decided",
        status=ended.status,
        at=NOW,
        by=CITY,
        reason="objection c-1 revoked",
    )
    return ended.model_copy(update={"history": (*ended.history, step)})


def test_a_record_an_objection_found_wrong_after_it_ended_is_no_record() -> None:
    """A broken commitment, or a black listing, decided revoked once ended keeps its status but
    closes no green channel and, a commitment, withdraws its black listing (review 212)."""
    model = listing(red_entry(domain="trustworthiness_model", reason="诚信典型"))
    promise = _decided_revoked(
        with_status(held(outcome="broken", outcome_on="2025-04-02"), ListingStatus.EXPIRED)
    )
    black = _decided_revoked(with_status(listing(entry()), ListingStatus.EXPIRED))

    benefits = subject_view([model, promise, black], None, [], date(2025, 6, 1), OWNER).benefits

    assert benefits.refused_because == ()
    assert withdrawn(promise)


def test_a_record_back_in_force_after_such_a_decision_counts_again() -> None:
    promise = _decided_revoked(
        with_status(held(outcome="broken", outcome_on="2025-04-02"), ListingStatus.EXPIRED)
    )
    again = Transition(
        event="reassigned", status=ListingStatus.ACTIVE, at=NOW, by="gateway", reason=""
    )
    back = with_status(
        promise.model_copy(update={"history": (*promise.history, again)}), ListingStatus.ACTIVE
    )

    assert not withdrawn(back)
