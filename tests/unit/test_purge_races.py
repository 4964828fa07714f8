"""A purge racing another write on the listing (review 61 F2): the tick judges what is held
now, not its index page, and once it has erased, the listing goes whatever landed on it
meanwhile — left held, it would keep a person in force under an erased mark."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from builders import CITY
from fakes import InMemoryListingStore, RecordingErasure
from test_lifecycle_service import ENDED, FIVE_YEARS_ON, HUNAN, Rig, ended, person_listing

from gateway.lifecycle import PurgeUnderWay, Reassignment
from gateway.lifecycle.due import DueDates
from gateway.lifecycle.retention import EVIDENCE_DAYS
from gateway.lifecycle.rules import next_version
from gateway.lifecycle.tick import Tick
from gateway_client.contract import Listing, ListingEntry, ListingStatus, Objection, purge_id


def back_in_force(held: Listing) -> Listing:
    """What a reassignment writes: the next version, in force, another region's."""
    update = {"version": next_version(held.version), "status": ListingStatus.ACTIVE}
    return held.model_copy(update={**update, "origin_region": HUNAN})


class WriteDuringErasure(RecordingErasure):
    """Another write lands on the listing as the purge erases its copies."""

    def __init__(self, store: InMemoryListingStore, write: Callable[[Listing], Listing]) -> None:
        super().__init__(store)
        self.write = write

    def erase(self, listing_id: str, tombstone_id: str, owner: str = "") -> None:
        super().erase(listing_id, tombstone_id, owner)
        held = self.store.listings[listing_id]
        assert self.store.write([(self.write(held), held.version)], None)


def test_a_listing_written_on_during_its_erasure_is_deleted_all_the_same() -> None:
    rig = Rig(at=FIVE_YEARS_ON)
    gone = rig.seed(ended(person_listing()))
    erasure = WriteDuringErasure(rig.store, back_in_force)
    tick = Tick(rig.store, rig.archive, rig.registry, DueDates(), erasure)

    report = tick.run(FIVE_YEARS_ON)

    assert (report.purged, report.purged_by_region) == (1, {HUNAN: 1})  # where it was deleted
    assert rig.store.current([(gone.credit_code, gone.listing_id)]) == {}
    # the stubs name the tombstone the deleted version makes (review 62 F1)
    assert erasure.erased[0][1] == purge_id(back_in_force(gone))


class StalePages(InMemoryListingStore):
    """The due index's page shows each listing as it was before the last write on it."""

    def __init__(self) -> None:
        super().__init__()
        self.before: dict[str, Listing] = {}

    def pending(self, today, after, limit):  # type: ignore[no-untyped-def]
        page, following = super().pending(today, after, limit)
        return [self.before.get(x.listing_id, x) for x in page], following


def test_a_listing_put_back_in_force_since_the_index_page_is_not_erased() -> None:
    rig = Rig(at=FIVE_YEARS_ON, store=StalePages())
    due = rig.seed(ended(person_listing()))
    assert isinstance(rig.store, StalePages)
    rig.store.before[due.listing_id] = due
    assert rig.store.write([(back_in_force(due), due.version)], None)

    report = rig.service.tick()

    assert (report.purged, rig.erasure.erased) == (0, [])
    assert rig.stored(due).status is ListingStatus.ACTIVE


def test_a_listing_retention_is_erasing_is_not_reassigned() -> None:
    """Review 62 F4, 63 F4: put back in force under the purge's mark, the listing would be
    deleted, its reassignment answered as if it held; refused before anything else is judged
    (an open objection too: deciding it is what lets the purge go on)."""
    rig = Rig(at=FIVE_YEARS_ON)
    held = rig.seed(ended(person_listing()))
    rig.erasure.erase(held.listing_id, purge_id(held))
    fields = {name: getattr(held, name) for name in ListingEntry.model_fields}
    entry = ListingEntry.model_validate(
        {**fields, "origin_region": HUNAN, "valid_until": "2030-01-01"}
    )

    with pytest.raises(PurgeUnderWay):
        rig.service.reassign(
            held.credit_code, held.listing_id, Reassignment(corrected_entry=entry, note="归属湖南")
        )

    assert rig.stored(held) == held


def filed_objection() -> Objection:
    """An objection filed (by the owner: it has the notice) before the listing ended."""
    return Objection(
        objection_id="obj-1",
        filed_at=ENDED - timedelta(days=30),
        filed_by=CITY,
        reason="信息有误",
        deadline=None,
        deadline_basis="",
        suspends=False,
    )


def test_a_listing_under_the_mark_with_an_objection_open_is_decided_then_purged() -> None:
    """Review 63 F1: with every lifecycle step refused under the mark, a listing whose purge
    was cut short with an objection open could never be decided, so never purged."""
    rig = Rig()  # at NOW: ENDED is over five years before
    with_objection = person_listing().model_copy(update={"objection": filed_objection()})
    held = rig.seed(ended(with_objection))
    rig.erasure.erase(held.listing_id, purge_id(held))  # a purge cut short

    decided, changed = rig.decide(held, region=None)  # the operator's
    rig.clock.advance(timedelta(days=EVIDENCE_DAYS + 1))  # its version past the evidence window
    report = rig.service.tick()

    assert changed
    assert decided.objection is not None
    assert not decided.objection.open
    assert report.purged == 1
    assert rig.store.current([(held.credit_code, held.listing_id)]) == {}
