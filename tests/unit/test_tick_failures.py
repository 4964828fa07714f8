"""A listing whose purge keeps failing (one of its copies cannot be erased) no longer stops the
tick: the listings after it are still expired and purged, the failed one is reported and stays
due, and the next tick tries it again. Failures one after another (the store or the archive
down) stop the run as before (review 220)."""

from __future__ import annotations

import pytest
from builders import make_resident_id
from test_lifecycle_service import FIVE_YEARS_ON, Rig, ended, person_listing

from gateway.lifecycle.tick import FAILURES_IN_A_ROW
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


def test_one_listing_failing_leaves_the_others_purged_and_itself_due() -> None:
    rig = Rig(at=FIVE_YEARS_ON)
    due = persons(rig, 4)
    poison = due[1]
    failing_for(rig, {poison.listing_id})

    report = rig.service.tick()

    assert report.failed == [poison.listing_id]
    assert report.purged == 3
    held = {x.listing_id for x in due if rig.store.current([(x.credit_code, x.listing_id)])}
    assert held == {poison.listing_id}

    del rig.erasure.erase  # mended: the next tick finds it still due
    again = rig.service.tick()
    assert (again.failed, again.purged) == ([], 1)
    assert rig.store.current([(poison.credit_code, poison.listing_id)]) == {}


def test_failures_one_after_another_stop_the_run() -> None:
    rig = Rig(at=FIVE_YEARS_ON)
    due = persons(rig, FAILURES_IN_A_ROW + 2)
    failing_for(rig, {x.listing_id for x in due})

    with pytest.raises(ErasureFailed):
        rig.service.tick()

    assert all(rig.store.current([(x.credit_code, x.listing_id)]) for x in due)
