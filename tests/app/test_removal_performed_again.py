"""No removal changes the day a court defaulter performed, which the late / on-time statistics
judge (an owner could otherwise make a late removal look on time). A `performed` removal naming
another `performed_on` than the one held is refused per entry, never answered `duplicate` —
that told the platform a correction was held that was dropped (review 277):

* after the listing ended, whatever the removal's version: at the very version that ended it
  (review 284), or after a push to the ended listing moved the listing's version on (review
  285);
* as an older removal of the batch than the one applied, as it is in a later push (review 279).

The same removal again is still a duplicate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from app_support import CITY, CREDIT_CODE, Gateway
from lifecycle_support import (
    china_today,
    push_with_removals,
    pushed,
    recent_entry,
    removal_of,
    stamp,
)

from chalicelib.bootstrap import container

FIRST_DAY = (china_today() - timedelta(days=10)).isoformat()
OTHER_DAY = (china_today() - timedelta(days=2)).isoformat()


@dataclass
class Listed:
    gateway: Gateway
    city: Any
    entry: dict[str, Any]
    listing_id: str

    def performed(self, day: str, at: str | None = None) -> dict[str, Any]:
        stamped = {} if at is None else {"source_updated_at": at}
        return removal_of(self.entry, "performed", performed_on=day, **stamped)

    def push(self, *removals: dict[str, Any]) -> dict[str, Any]:
        reply = push_with_removals(self.gateway, self.city, CITY, list(removals))
        body: dict[str, Any] = reply.json_body
        return body

    def held_day(self) -> str:
        held = container().listings.current([(CREDIT_CODE, self.listing_id)])[self.listing_id]
        return str(held.performed_on)


def _listed(gateway: Gateway) -> Listed:
    city = gateway.register_platform(CITY)
    entry = recent_entry(days_ago=30)
    return Listed(gateway, city, entry, pushed(gateway, city, CITY, entry))


def _refused_at_the_day(reply: dict[str, Any], index: int = 0) -> None:
    assert reply["duplicate"] == 0, reply
    assert [(e["index"], e["code"], e["field"]) for e in reply["errors"]] == [
        (index, "listing_not_in_force", "performed_on")
    ], reply


def test_a_later_removal_naming_another_day_after_the_end_is_refused(gateway: Gateway) -> None:
    listed = _listed(gateway)
    assert listed.push(listed.performed(FIRST_DAY, stamp(-60)))["removed"] == 1

    _refused_at_the_day(listed.push(listed.performed(OTHER_DAY)))

    assert listed.held_day() == FIRST_DAY
    same = listed.push(listed.performed(FIRST_DAY))
    assert (same["duplicate"], same["errors"]) == (1, []), same


def test_the_version_that_ended_it_naming_another_day_is_refused_in_one_push_or_two(
    gateway: Gateway,
) -> None:
    listed = _listed(gateway)
    at = stamp(-60)

    both = listed.push(listed.performed(FIRST_DAY, at), listed.performed(OTHER_DAY, at))
    again = listed.push(listed.performed(OTHER_DAY, at))

    assert (both["removed"], both["duplicate"]) == (1, 0), both
    assert [e["code"] for e in both["errors"]] == ["version_reused"], both
    _refused_at_the_day(again)
    assert listed.held_day() == FIRST_DAY


def test_an_older_removal_naming_another_day_is_refused_in_one_push_or_two(
    gateway: Gateway,
) -> None:
    listed = _listed(gateway)
    older = listed.performed(FIRST_DAY, stamp(-120))
    newer = listed.performed(OTHER_DAY, stamp(-60))

    in_one = listed.push(older, newer)
    in_a_later_one = listed.push(older)  # the listing ended with the newer: the older after it

    assert listed.held_day() == OTHER_DAY
    assert in_one["removed"] == 1, in_one
    _refused_at_the_day(in_one)
    _refused_at_the_day(in_a_later_one)


def test_another_day_is_refused_after_a_push_to_the_ended_listing(gateway: Gateway) -> None:
    """The push stores the entry's content and keeps the status, moving the listing's version
    past the removal that ended it: which says nothing of that removal (review 285)."""
    listed = _listed(gateway)
    at = stamp(-300)
    assert listed.push(listed.performed(FIRST_DAY, at))["removed"] == 1
    repushed = gateway.push(listed.city, CITY, [{**listed.entry, "source_updated_at": stamp(-60)}])
    assert repushed.json_body["accepted"] == 1, repushed.json_body

    _refused_at_the_day(listed.push(listed.performed(OTHER_DAY, stamp(-120))))
    _refused_at_the_day(listed.push(listed.performed(OTHER_DAY, at)))
    assert listed.held_day() == FIRST_DAY
