"""A listing whose purge keeps failing (one of its copies cannot be erased) no longer stops the
tick: the listings after it are still expired and purged, and the failed one is reported and
stays due, so the next run tries it again (reviews 220, 235); listings failing every time never
hold the others up (review 233)."""

from __future__ import annotations

from datetime import timedelta

from builders import make_resident_id
from test_lifecycle_service import FIVE_YEARS_ON, Rig, ended, person_listing

from gateway_client.contract import Listing


class ErasureFailed(Exception):
    pass


def persons(rig: Rig, count: int) -> list[Listing]:
    return [
        rig.seed(ended(person_listing(make_resident_id(sequence=100 + n)))) for n in range(count)
    ]


def failing_for(rig: Rig, failing: set[str]) -> None:
    erase = rig.erasure.erase

    def erase_unless_failing(listing_id: str, tombstone_id: str, owner: str = "") -> None:
        if listing_id in failing:
            raise ErasureFailed(listing_id)
        erase(listing_id, tombstone_id, owner)

    rig.erasure.erase = erase_unless_failing  # type: ignore[method-assign]


def held(rig: Rig, listings: list[Listing]) -> set[str]:
    return {x.listing_id for x in listings if rig.store.current([(x.credit_code, x.listing_id)])}


def test_one_listing_failing_leaves_the_others_purged_and_itself_due() -> None:
    rig = Rig(at=FIVE_YEARS_ON)
    due = persons(rig, 4)
    poison = due[1]
    failing_for(rig, {poison.listing_id})

    report = rig.service.tick()

    assert report.failed == [poison.listing_id]
    assert report.purged == 3
    assert held(rig, due) == {poison.listing_id}

    del rig.erasure.erase  # mended: the next run, an hour on, purges it
    rig.clock.advance(timedelta(hours=1))
    again = rig.service.tick()
    assert (again.failed, again.purged) == ([], 1)
    assert held(rig, due) == set()


def test_listings_failing_every_time_at_the_front_never_hold_the_others_up() -> None:
    rig = Rig(at=FIVE_YEARS_ON)
    due = persons(rig, 6)
    poison = {x.listing_id for x in due[:4]}  # first in the due order
    failing_for(rig, poison)

    for day in range(3):
        rig.clock.set(FIVE_YEARS_ON + timedelta(days=day))
        for _ in range(2):  # hourly runs
            rig.service.tick()

    assert held(rig, due) == poison
