"""A broken commitment's black listing in time: a policy lists only promises broken from the
day it was set (one broken that day is read again the next, in case the tick read it before
the policy came), and a black listing made from a promise whose record is then revoked or
corrected is revoked by the tick too, once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import pytest
from builders import CITY, COUNTY, NOW, listing, with_status
from fakes import InMemoryListingStore
from test_commitments import POLICY, commitment_entry, held, rig_with_policy
from test_lifecycle_service import Rig

from gateway.broken_commitment_terms import BrokenCommitmentPolicy, BrokenCommitmentTerms
from gateway.lifecycle.commitments import (
    BROKEN_DOMAIN,
    black_listing_for,
    black_listing_ids,
    breach_kept,
    unlisted,
)
from gateway.lifecycle.history_reading import former_owners
from gateway.lifecycle.rules import next_version
from gateway.lifecycle.tick import UNLIST_ATTEMPTS
from gateway.registry import Region
from gateway_client.contract import (
    Listing,
    ListingStatus,
    ListKind,
    Transition,
    china_date,
    listing_id,
)

TODAY = china_date(NOW)


def since(day: date) -> BrokenCommitmentPolicy:
    return POLICY.model_copy(update={"since": day})


def blacks(rig, broken: Listing) -> list[Listing]:  # type: ignore[no-untyped-def]
    return [x for x in rig.store.subject(broken.credit_code) if x.kind is ListKind.BLACK]


@pytest.mark.parametrize(("days_after", "listed"), [(-1, 1), (0, 1), (1, 0)])
def test_a_policy_lists_only_promises_broken_from_the_day_it_was_set(days_after, listed):
    broken_on = date(2025, 4, 2)
    rig = rig_with_policy(since(broken_on + timedelta(days=days_after)))
    rig.seed(held(outcome="broken", outcome_on=broken_on.isoformat()))

    assert rig.service.tick().broken_commitments_listed == listed


def test_a_promise_broken_today_is_read_again_tomorrow_for_a_policy_set_later_today():
    rig = rig_with_policy(None)
    broken = rig.seed(held(outcome="broken", outcome_on=TODAY.isoformat(), deadline="2025-06-01"))

    assert rig.service.tick().broken_commitments_listed == 0  # no policy yet
    assert rig.store.rescheduled[broken.listing_id] == TODAY + timedelta(days=1)
    rig.registry.put_region(Region(code=CITY, name="清远市", broken_commitments=since(TODAY)))
    rig.clock.advance(timedelta(days=1))

    assert rig.service.tick().broken_commitments_listed == 1
    assert rig.service.tick().broken_commitments_listed == 0


def test_a_promise_broken_before_today_without_a_policy_leaves_the_index():
    rig = rig_with_policy(None)
    broken = rig.seed(held(outcome="broken", outcome_on="2025-04-02"))

    rig.service.tick()

    assert rig.store.rescheduled[broken.listing_id] is None


@pytest.mark.parametrize("status", [ListingStatus.REVOKED, ListingStatus.CORRECTED])
def test_a_black_listing_is_revoked_with_the_broken_promise_it_was_made_from(status):
    rig = rig_with_policy(POLICY)
    broken = rig.seed(held(outcome="broken", outcome_on="2025-04-02"))
    rig.service.tick()
    rig.store.write([(with_status(broken, status), broken.version)], CITY)

    first, second = rig.service.tick(), rig.service.tick()

    [black] = blacks(rig, broken)
    assert (first.broken_commitments_unlisted, second.broken_commitments_unlisted) == (1, 0)
    assert black.status is ListingStatus.REVOKED
    assert (black.history[-1].by, black.history[-1].event) == ("gateway", "removed")
    assert status.value in black.history[-1].reason


def test_a_black_listing_its_owner_ended_already_is_revoked_too():
    """Ended, it would still count as a record ended within three years (review 296)."""
    rig = rig_with_policy(POLICY)
    broken = rig.seed(held(outcome="broken", outcome_on="2025-04-02"))
    rig.service.tick()
    [black] = blacks(rig, broken)
    rig.store.write([(with_status(black, ListingStatus.REPAIRED), black.version)], CITY)
    rig.store.write([(with_status(broken, ListingStatus.REVOKED), broken.version)], CITY)

    assert rig.service.tick().broken_commitments_unlisted == 1
    assert [x.status for x in blacks(rig, broken)] == [ListingStatus.REVOKED]
    assert rig.service.tick().broken_commitments_unlisted == 0


def test_an_expired_broken_promise_leaves_its_black_listing_standing():
    rig = rig_with_policy(POLICY)
    broken = rig.seed(held(outcome="broken", outcome_on="2025-04-02"))
    rig.service.tick()
    rig.store.write([(with_status(broken, ListingStatus.EXPIRED), broken.version)], CITY)

    assert rig.service.tick().broken_commitments_unlisted == 0
    assert [x.status for x in blacks(rig, broken)] == [ListingStatus.ACTIVE]


def test_the_black_listings_id_is_known_from_the_promise_alone():
    broken = held(outcome="broken", outcome_on="2025-04-02")
    other = BrokenCommitmentPolicy(severity="serious", legal_basis="另一依据")

    assert black_listing_ids(broken)[0] == black_listing_for(broken, POLICY, NOW).listing_id
    assert black_listing_ids(broken)[0] == black_listing_for(broken, other, NOW).listing_id


@pytest.mark.parametrize("spelling", ["{} ", " {}", "{}\u3000", "\u3000{}\u3000"])
def test_the_black_listings_id_does_not_follow_spaces_around_the_promises_number(spelling):
    """Re-sent with a space around its number, the promise keeps its black listing's id; one
    made before, of a number so spelt, is still among its ids (review 388)."""
    broken = held(outcome="broken", outcome_on="2025-04-02")
    respelt = broken.model_copy(update={"decision_number": spelling.format(broken.decision_number)})
    black = black_listing_for(broken, POLICY, NOW)
    mark = black.decision_number.rsplit("-违诺-", 1)[1]
    number_before = f"{respelt.decision_number}-违诺-{mark}"  # as the tick spelt it before
    made_before = listing_id(
        broken.credit_code, ListKind.BLACK, BROKEN_DOMAIN, broken.deciding_authority, number_before
    )

    assert black_listing_for(respelt, POLICY, NOW).listing_id == black.listing_id
    assert black_listing_ids(respelt)[0] == black.listing_id
    assert made_before in black_listing_ids(respelt)


def test_changing_a_policys_terms_keeps_the_day_listing_began():
    terms = BrokenCommitmentTerms(severity="serious", legal_basis="新依据")

    first = BrokenCommitmentPolicy.set(terms, None, TODAY)
    changed = BrokenCommitmentPolicy.set(terms, since(date(2025, 1, 1)), TODAY)
    legacy = BrokenCommitmentPolicy.set(terms, POLICY, TODAY)

    assert (first.since, changed.since, legacy.since) == (TODAY, date(2025, 1, 1), None)
    assert (changed.severity, changed.legal_basis) == ("serious", "新依据")


def rehoming(origin: str, to: str, reassigned: bool = False) -> Transition:
    """The operator's giving a listing to another region: an objection's decided step, or a
    reassignment (review 54b)."""
    if reassigned:
        reason = f"reassigned: 认定部门属湖南; origin {origin} → {to}"
        return Transition(
            event="reassigned", status=ListingStatus.ACTIVE, at=NOW, by="operator", reason=reason
        )
    reason = f"objection obj-1 corrected; origin {origin} → {to}"
    return Transition(
        event="objection_decided", status=ListingStatus.ACTIVE, at=NOW, by="operator", reason=reason
    )


class RacingStore(InMemoryListingStore):
    """Another write (an objection step, say) lands on the black listing just before each of
    the tick's first ``races`` writes of it."""

    def __init__(self, races: int) -> None:
        super().__init__()
        self.races = races

    def write(self, writes: Sequence[tuple[Listing, str | None]], region: str | None) -> set[str]:
        for item, expected in writes:
            if item.domain == "broken_commitment" and expected is not None and self.races:
                self.races -= 1
                held = self.listings[item.listing_id]
                bumped = held.model_copy(update={"version": next_version(held.version)})
                super().write([(bumped, held.version)], None)
        return super().write(writes, region)


def revoked_after_listing(races: int) -> tuple[Rig, Listing]:
    rig = Rig(store=RacingStore(races=0))
    rig.registry.put_region(Region(code=CITY, name="清远市", broken_commitments=POLICY))
    broken = rig.seed(held(outcome="broken", outcome_on="2025-04-02"))
    rig.service.tick()
    rig.store.write([(with_status(broken, ListingStatus.REVOKED), broken.version)], CITY)
    assert isinstance(rig.store, RacingStore)
    rig.store.races = races
    return rig, broken


def test_a_revocation_that_loses_a_race_reads_the_black_listing_again():
    rig, broken = revoked_after_listing(races=UNLIST_ATTEMPTS - 1)

    assert rig.service.tick().broken_commitments_unlisted == 1
    assert [x.status for x in blacks(rig, broken)] == [ListingStatus.REVOKED]


def test_a_black_listing_still_standing_after_every_attempt_leaves_the_promise_due():
    rig, broken = revoked_after_listing(races=UNLIST_ATTEMPTS)

    assert rig.service.tick().broken_commitments_unlisted == 0
    assert broken.listing_id not in rig.store.rescheduled  # still due: the next tick retries
    assert rig.service.tick().broken_commitments_unlisted == 1


@pytest.mark.parametrize("reassigned", [False, True])
def test_a_black_listing_given_to_another_region_is_left_to_its_owner(reassigned):
    rig = rig_with_policy(POLICY)
    broken = rig.seed(held(outcome="broken", outcome_on="2025-04-02"))
    rig.service.tick()
    [black] = blacks(rig, broken)
    step = rehoming(CITY, "430000", reassigned)
    moved = {"origin_region": "430000", "version": "z", "history": (*black.history, step)}
    rehomed = black.model_copy(update=moved)
    rig.store.write([(rehomed, black.version)], None)
    rig.store.write([(with_status(broken, ListingStatus.REVOKED), broken.version)], CITY)

    assert rig.service.tick().broken_commitments_unlisted == 0
    assert [x.status for x in blacks(rig, broken)] == [ListingStatus.ACTIVE]


def test_a_promise_given_to_another_region_and_revoked_there_unlists_its_black_listing():
    """Review 47d F10: the rule compared the two listings' regions, so a commitment the
    operator re-homed, then revoked by its new owner, left its black listing in force."""
    rig = rig_with_policy(POLICY)
    broken = rig.seed(held(outcome="broken", outcome_on="2025-04-02"))
    rig.service.tick()
    moved = with_status(broken, ListingStatus.REVOKED).model_copy(
        update={"origin_region": "430000"}
    )
    rig.store.write([(moved, broken.version)], "430000")

    assert rig.service.tick().broken_commitments_unlisted == 1
    assert [x.status for x in blacks(rig, broken)] == [ListingStatus.REVOKED]


def test_a_black_listing_given_to_the_promises_owner_is_still_unlisted_with_it():
    """Review 47e F6: a re-homed black listing was left alone even where it now belongs to the
    region that owns, and revoked, the promise."""
    broken = held(outcome="broken", outcome_on="2025-04-02")
    black = black_listing_for(broken, POLICY, NOW)
    step = rehoming("430000", CITY)
    moved = black.model_copy(update={"history": (step,)})

    revoked = unlisted(moved, with_status(broken, ListingStatus.REVOKED), NOW)

    assert revoked is not None
    assert revoked.status is ListingStatus.REVOKED


@pytest.mark.parametrize("county_registered", [False, True])
def test_a_county_without_a_policy_of_its_own_goes_by_its_city_s(county_registered):
    """As objection policies do (review 125): a county its city relays for is often not
    registered at all, and its broken commitments were never listed."""
    rig = rig_with_policy(POLICY)  # the city's
    if county_registered:
        rig.registry.put_region(Region(code=COUNTY, name="清城区"))
    broken = listing(commitment_entry(outcome="broken", outcome_on="2025-04-02"), region=COUNTY)
    rig.seed(broken)

    assert rig.service.tick().broken_commitments_listed == 1
    [black] = blacks(rig, broken)
    assert black.origin_region == COUNTY


def test_an_ancestor_that_does_not_act_for_the_owner_lends_it_no_policy():
    """A city that does not relay its counties' listings does not decide what they list
    (review 127): its policy lists none of a county's broken promises."""
    rig = Rig()
    rig.registry.put_region(
        Region(code=CITY, name="清远市", relays_subregions=False, broken_commitments=POLICY)
    )
    rig.seed(listing(commitment_entry(outcome="broken", outcome_on="2025-04-02"), region=COUNTY))

    assert rig.service.tick().broken_commitments_listed == 0


@pytest.mark.parametrize(
    ("given", "kept"),
    [(None, "2025-04-02"), ("2026-01-01", "2025-04-02"), ("2025-03-01", "2025-03-01")],
)
def test_a_new_version_of_a_broken_promises_listing_never_moves_its_breach_later(given, kept):
    """Review 299: the owner's correction, which cannot name the conduct end the gateway set,
    cleared it; nor may one move it later (retention runs from it)."""
    black = black_listing_for(held(outcome="broken", outcome_on="2025-04-02"), POLICY, NOW)
    given_on = date.fromisoformat(given) if given else None

    assert breach_kept(black, given_on) == date.fromisoformat(kept)
    assert breach_kept(listing(), given_on) == given_on  # any other listing: as given


def test_the_regions_a_listing_was_given_away_from_are_read_from_its_steps() -> None:
    """Oldest first, each from the end of its step: a note may itself say ``; origin …``."""
    noted = Transition(
        event="reassigned",
        status=ListingStatus.ACTIVE,
        at=NOW,
        by="operator",
        reason="reassigned: 曾误写为; origin 999999 → 888888; origin 230900 → 410184",
    )
    held = listing().model_copy(
        update={
            "history": (rehoming("430100", "230900"), noted, rehoming("410184", "430000", True))
        }
    )

    assert former_owners(held) == ("430100", "230900", "410184")
