"""The push path under the ownership rule: a foreign region's entry or removal writes nothing;
versions and decision dates from the future are refused; a lost race is never a duplicate."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest
from builders import (
    CITY,
    COUNTY,
    NOW,
    OTHER_COUNTY,
    entry,
    make_signer,
    platform_key,
    region,
    removal,
    signed_push,
)
from fakes import InMemoryListingStore
from test_ingest import Gateway, counts, lid

from gateway.intake.push import PushResult
from gateway_client.contract.listing import Listing


class Stranger(Gateway):
    """The city and its county, plus an unrelated county (大冶市) with its own key."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.stranger = make_signer("daye-420281-k1")
        self.registry.put_region(region(OTHER_COUNTY, "大冶市"))
        self.registry.put_key(platform_key(self.stranger, OTHER_COUNTY))

    def as_stranger(
        self, entries: list[Any], batch_id: str, removals: Sequence[Any] = ()
    ) -> PushResult:
        return self.send(self.stranger, OTHER_COUNTY, entries, batch_id, removals)

    def send(
        self, signer: Any, by: str, entries: list[Any], batch_id: str, removals: Sequence[Any]
    ) -> PushResult:
        now = self.clock.now()
        headers, body = signed_push(signer, by, entries, batch_id, now, removals=list(removals))
        return self.service.push(headers, body)


@pytest.fixture
def gw() -> Stranger:
    return Stranger()


def held(gw: Gateway) -> tuple[dict[str, Listing], dict[str, set[str]], dict[str, list[str]]]:
    return (
        dict(gw.store.listings),
        {k: set(v) for k, v in gw.store.provenances.items()},
        {k: list(v) for k, v in gw.store.written_versions.items()},
    )


@pytest.mark.parametrize(
    "minutes",
    [
        pytest.param(60, id="a-newer-version"),
        pytest.param(0, id="the-same-version"),
        pytest.param(-60, id="an-older-copy"),
    ],
)
def test_another_regions_entry_for_a_held_listing_is_refused_and_writes_nothing(
    gw: Stranger, minutes: int
) -> None:
    gw.push([entry()], batch_id="city-1")
    before = held(gw)
    stamp = (NOW + timedelta(minutes=minutes)).isoformat()
    gw.clock.advance(timedelta(hours=2))

    result = gw.as_stranger([entry(source_updated_at=stamp, reason="改写")], "daye-1")

    assert counts(result) == (0, 0, 1)
    assert [(e.index, e.field, e.code) for e in result.errors] == [
        (0, "credit_code", "not_listing_owner")
    ]
    assert held(gw) == before


def test_another_regions_removal_of_a_held_listing_is_refused_and_writes_nothing(
    gw: Stranger,
) -> None:
    gw.push([entry()], batch_id="city-1")
    before = held(gw)
    gw.clock.advance(timedelta(hours=2))
    gone = removal(source_updated_at=(NOW + timedelta(hours=1)).isoformat())

    result = gw.as_stranger([], "daye-1", removals=[gone])

    assert [(e.list, e.code) for e in result.errors] == [("removals", "not_listing_owner")]
    assert held(gw) == before


def test_the_owner_still_corrects_its_listing_after_a_foreign_attempt(gw: Stranger) -> None:
    gw.push([entry()], batch_id="city-1")
    gw.clock.advance(timedelta(hours=2))
    newer = (NOW + timedelta(hours=1)).isoformat()
    gw.as_stranger([entry(source_updated_at=newer, reason="改写")], "daye-1")

    result = gw.push([entry(source_updated_at=newer, reason="更正")], batch_id="city-2")

    assert counts(result) == (1, 0, 0)
    assert gw.store.listings[lid(entry())].reason == "更正"
    assert gw.store.listings[lid(entry())].origin_region == CITY


def test_a_relaying_city_updates_its_countys_listing_and_the_county_stays_the_owner(
    gw: Stranger,
) -> None:
    gw.push([entry()], batch_id="county-1", signer=gw.county, region=COUNTY)
    gw.clock.advance(timedelta(hours=2))
    newer = (NOW + timedelta(hours=1)).isoformat()

    result = gw.push([entry(source_updated_at=newer, reason="城市转报更新")], batch_id="city-1")

    stored = gw.store.listings[lid(entry())]
    assert counts(result) == (1, 0, 0)
    assert (stored.origin_region, stored.reason) == (COUNTY, "城市转报更新")
    assert gw.store.provenances[lid(entry())] == {CITY, COUNTY}


def test_a_city_that_does_not_relay_may_not_change_its_countys_listing(gw: Stranger) -> None:
    gw.push([entry()], batch_id="county-1", signer=gw.county, region=COUNTY)
    gw.registry.put_region(region(CITY).model_copy(update={"relays_subregions": False}))
    before = held(gw)
    gw.clock.advance(timedelta(hours=2))

    result = gw.push([entry(source_updated_at=gw.clock.now().isoformat())], batch_id="city-1")

    assert [e.code for e in result.errors] == ["not_listing_owner"]
    assert held(gw) == before


def test_a_county_may_not_change_its_citys_own_listing(gw: Stranger) -> None:
    gw.push([entry()], batch_id="city-1")
    before = held(gw)

    result = gw.push([entry()], batch_id="county-1", signer=gw.county, region=COUNTY)

    assert [e.code for e in result.errors] == ["not_listing_owner"]
    assert held(gw) == before


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        pytest.param(
            "source_updated_at",
            (NOW + timedelta(minutes=6)).isoformat(),
            "future_version",
            id="a-version-past-the-skew",
        ),
        pytest.param(
            "source_updated_at", "2199-01-01T00:00:00+08:00", "future_version", id="year-2199"
        ),
        pytest.param("decided_on", (NOW + timedelta(days=2)).date().isoformat(), "future_date"),
    ],
)
def test_an_entry_from_the_future_is_refused_and_stored_nowhere(
    gw: Stranger, field: str, value: str, code: str
) -> None:
    extra = {"valid_from": value} if field == "decided_on" else {}

    result = gw.push([entry(**{field: value}, **extra)])

    refused = [(e.field, e.code) for e in result.errors]
    assert refused == [(field, code), *([("valid_from", "future_date")] if extra else [])]
    assert gw.store.listings == {}


def test_a_version_within_the_clock_skew_is_accepted(gw: Stranger) -> None:
    result = gw.push([entry(source_updated_at=(NOW + timedelta(minutes=5)).isoformat())])

    assert counts(result) == (1, 0, 0)


def test_a_removal_stamped_in_the_future_is_refused(gw: Stranger) -> None:
    gw.push([entry()], batch_id="city-1")
    before = held(gw)
    gone = removal(source_updated_at="2199-01-01T00:00:00+08:00")

    result = gw.send(gw.city, CITY, [], "city-2", [gone])

    assert [(e.list, e.field, e.code) for e in result.errors] == [
        ("removals", "source_updated_at", "future_version")
    ]
    assert held(gw) == before


class AlwaysOvertaken(InMemoryListingStore):
    """Every conditional write loses: another writer always got there first."""

    def write(self, writes: Sequence[tuple[Listing, str | None]], region: str | None) -> set[str]:
        return set()


def test_an_entry_that_keeps_losing_races_is_refused_not_counted_as_a_duplicate() -> None:
    gw = Stranger()
    gw.store = AlwaysOvertaken()
    gw.service._listings = gw.store

    result = gw.push([entry()])

    assert counts(result) == (0, 0, 1)
    assert [e.code for e in result.errors] == ["listing_contended"]


class OvertakenOnce(InMemoryListingStore):
    """The first conditional write of each listing loses: the owner's update lands first."""

    def __init__(self) -> None:
        super().__init__()
        self.lost: set[str] = set()

    def write(self, writes: Sequence[tuple[Listing, str | None]], region: str | None) -> set[str]:
        first = [x for x, _ in writes if x.listing_id not in self.lost and x.status != "active"]
        for listing in first:
            self.lost.add(listing.listing_id)
            held = self.listings[listing.listing_id]
            racing = held.model_copy(update={"version": held.version + "0", "reason": "并发更新"})
            super().write([(racing, held.version)], None)
        return super().write([(x, v) for x, v in writes if x not in first], region)


def test_a_removal_that_loses_a_race_is_planned_again_not_reported_duplicate() -> None:
    gw = Stranger()
    gw.store = OvertakenOnce()
    gw.service._listings = gw.store
    gw.push([entry()], batch_id="city-1")
    gone = removal(source_updated_at=(NOW + timedelta(minutes=1)).isoformat())

    result = gw.send(gw.city, CITY, [], "city-2", [gone])

    assert [(o.list, o.outcome) for o in result.outcomes] == [("removals", "removed")]
    assert gw.store.listings[lid(entry())].status == "revoked"


def test_a_removal_that_keeps_losing_races_is_refused_not_reported_duplicate() -> None:
    gw = Stranger()
    gw.push([entry()], batch_id="city-1")
    gw.store.__class__ = AlwaysOvertaken  # from now on every conditional write loses
    gone = removal(source_updated_at=(NOW + timedelta(minutes=1)).isoformat())

    result = gw.send(gw.city, CITY, [], "city-2", [gone])

    assert result.outcomes == ()
    assert [(e.list, e.code) for e in result.errors] == [("removals", "listing_contended")]
