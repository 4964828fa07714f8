"""Removals (移出) in pushes, and the order of lifecycle messages never regressing a listing."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from builders import (
    CITY,
    COUNTY,
    NOW,
    OTHER_COUNTY,
    entry,
    make_signer,
    make_uscc,
    platform_key,
    region,
    removal,
    signed_push,
)
from fakes import InMemoryArchive, InMemoryBatchLedger, InMemoryListingStore, InMemoryRegistry
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.intake.ingest import PushService
from gateway.intake.push import PushResult
from gateway.lifecycle.objection_policies import shipped_policies
from gateway.lifecycle.requests import ObjectionDecision, ObjectionFiling, RepairRequest
from gateway.lifecycle.service import LifecycleService
from gateway.lifecycle.workdays import WorkdayCalendar
from gateway_client.contract.clock import CHINA, FixedClock
from gateway_client.contract.errors import GatewayError
from gateway_client.contract.listing import (
    Listing,
    ListingEntry,
    ListingStatus,
    identity_of,
    version_of,
)

SIGNERS = {
    CITY: make_signer("city-441800-k1"),
    COUNTY: make_signer("county-441802-k1"),
    OTHER_COUNTY: make_signer("daye-420281-k1"),
}


@dataclass
class Gateway:
    """A push service and a lifecycle service sharing one store, with three regions."""

    clock: FixedClock = field(default_factory=lambda: FixedClock(NOW))
    batches: int = 0

    def __post_init__(self) -> None:
        self.registry = InMemoryRegistry()
        for code, signer in SIGNERS.items():
            self.registry.put_region(region(code))
            self.registry.put_key(platform_key(signer, code))
        self.store = InMemoryListingStore()
        self.pushes = PushService(
            self.registry,
            InMemoryArchive(),
            InMemoryBatchLedger(),
            self.store,
            self.clock,
            purged=lambda ids: {},
        )
        self.lifecycle = LifecycleService(
            self.store,
            InMemoryArchive(),
            self.clock,
            shipped_policies(),
            WorkdayCalendar(),
            5,
            self.registry,
        )

    def push(
        self,
        entries: list[Any] | None = None,
        removals: list[Any] | None = None,
        by: str = CITY,
    ) -> PushResult:
        self.batches += 1
        self.clock.advance(timedelta(seconds=1))
        headers, body = signed_push(
            SIGNERS[by],
            by,
            entries or [],
            f"b-{self.batches}",
            self.clock.now(),
            removals=removals or [],
        )
        return self.pushes.push(headers, body)

    def held(self, raw: dict[str, Any] | None = None) -> Listing:
        lid = lid_of(raw or entry())
        return self.store.listings[lid].model_copy(
            update={"provenances": tuple(sorted(self.store.provenances[lid]))}
        )


@pytest.fixture
def gw() -> Gateway:
    return Gateway()


def lid_of(raw: dict[str, Any]) -> str:
    return identity_of(ListingEntry.model_validate(raw))


def summary(result: PushResult) -> tuple[int, int, int, int]:
    return result.accepted, result.duplicate, result.removed, result.rejected


# -- a removal ends the listing and keeps it --


@pytest.mark.parametrize(
    ("reason", "status"),
    [
        ("repaired", ListingStatus.REPAIRED),
        ("revoked", ListingStatus.REVOKED),
        ("expired", ListingStatus.EXPIRED),
        ("corrected", ListingStatus.CORRECTED),
    ],
)
def test_a_removal_keeps_the_listing_with_the_status_its_reason_names(
    gw: Gateway, reason: str, status: ListingStatus
) -> None:
    # an owner's expiry ends a listing whose period the gateway does not know (open-ended)
    gw.push([entry(open_ended=True, valid_until=None) if reason == "expired" else entry()])

    result = gw.push(removals=[removal(reason=reason, note="依法移出")])

    held = gw.held()
    assert summary(result) == (0, 0, 1, 0)
    assert (held.status, held.version) == (
        status,
        version_of(datetime(2025, 5, 1, 8, 0, tzinfo=CHINA), 1),
    )
    step = held.history[-1]
    assert (step.event, step.by, step.reason, step.note) == (
        "removed",
        CITY,
        f"removed: {reason}",
        "依法移出",
    )


def test_a_removal_is_reported_by_list_and_index(gw: Gateway) -> None:
    other = entry(credit_code=make_uscc(7))
    gw.push([entry(), other])

    result = gw.push(removals=[removal(other), removal()])

    assert [(o.list, o.index, o.listing_id, o.outcome) for o in result.outcomes] == [
        ("removals", 0, lid_of(other), "removed"),
        ("removals", 1, lid_of(entry()), "removed"),
    ]


def test_entries_and_removals_in_one_batch_are_counted_apart(gw: Gateway) -> None:
    gw.push([entry()])
    fresh = entry(credit_code=make_uscc(8))

    result = gw.push([fresh, entry()], removals=[removal()])

    assert summary(result) == (1, 1, 1, 0)
    assert [(o.list, o.outcome) for o in result.outcomes] == [
        ("entries", "accepted"),
        ("entries", "duplicate"),
        ("removals", "removed"),
    ]


def test_a_listing_and_its_removal_may_arrive_in_the_same_batch(gw: Gateway) -> None:
    result = gw.push([entry()], removals=[removal()])

    assert summary(result) == (1, 0, 1, 0)
    assert gw.held().status is ListingStatus.REVOKED


# -- refused removals --


def test_removing_an_unknown_listing_is_an_error_at_its_index(gw: Gateway) -> None:
    gw.push([entry()])

    result = gw.push(removals=[removal(), removal(decision_number="(2025)粤1802执404号")])

    assert summary(result) == (0, 0, 1, 1)
    assert [(e.list, e.index, e.code) for e in result.errors] == [
        ("removals", 1, "unknown_listing")
    ]


@pytest.mark.parametrize(
    "by",
    [
        pytest.param(COUNTY, id="a-county-below-the-origin"),
        pytest.param(OTHER_COUNTY, id="an-unrelated-region"),
    ],
)
def test_a_region_that_neither_published_nor_relayed_the_listing_may_not_remove_it(
    gw: Gateway, by: str
) -> None:
    gw.push([entry()])  # published by the city
    before = gw.held()

    result = gw.push(removals=[removal()], by=by)

    assert summary(result) == (0, 0, 0, 1)
    assert [(e.list, e.index, e.code) for e in result.errors] == [
        ("removals", 0, "not_listing_owner")
    ]
    assert gw.held() == before


@pytest.mark.parametrize(
    ("publisher", "raw", "remover"),
    [
        pytest.param(COUNTY, entry(), COUNTY, id="the-county-that-published"),
        pytest.param(COUNTY, entry(), CITY, id="the-city-above-the-origin"),
        pytest.param(CITY, entry(origin_region=COUNTY), CITY, id="the-city-that-relayed"),
        pytest.param(CITY, entry(origin_region=COUNTY), COUNTY, id="the-county-of-origin"),
    ],
)
def test_the_source_platform_may_remove(
    gw: Gateway, publisher: str, raw: dict[str, Any], remover: str
) -> None:
    gw.push([raw], by=publisher)

    result = gw.push(removals=[removal(raw)], by=remover)

    assert (result.removed, gw.held(raw).history[-1].by) == (1, remover)


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        pytest.param({"reason": "deleted"}, "reason", "invalid_value", id="unknown-reason"),
        pytest.param(
            {"source_updated_at": "2025-05-01T08:00:00"},
            "source_updated_at",
            "invalid_datetime",
            id="naive-stamp",
        ),
        pytest.param(
            {"decision_number": None}, "decision_number", "invalid_type", id="no-decision-number"
        ),
        pytest.param({"extra": 1}, "extra", "unknown_field", id="unknown-field"),
    ],
)
def test_a_malformed_removal_is_rejected_with_its_field(
    gw: Gateway, overrides: dict[str, Any], field: str, code: str
) -> None:
    gw.push([entry()])

    result = gw.push(removals=[removal(**overrides)])

    assert [(e.list, e.index, e.field, e.code) for e in result.errors] == [
        ("removals", 0, field, code)
    ]
    assert gw.held().status is ListingStatus.ACTIVE


# -- replays --


@pytest.mark.parametrize(
    "stamp",
    [
        pytest.param("2025-05-01T08:00:00+08:00", id="the-same-version"),
        pytest.param("2025-04-01T08:00:00+08:00", id="an-older-version"),
    ],
)
def test_the_same_removal_again_at_any_version_is_a_duplicate(gw: Gateway, stamp: str) -> None:
    gw.push([entry()])
    gw.push(removals=[removal()])
    removed = gw.held()

    result = gw.push(removals=[removal(source_updated_at=stamp)])

    assert summary(result) == (0, 1, 0, 0)
    assert [(o.list, o.outcome) for o in result.outcomes] == [("removals", "duplicate")]
    assert gw.held() == removed


@pytest.mark.parametrize(
    "stamp",
    [
        pytest.param("2025-05-01T08:00:00+08:00", id="the-same-version"),
        pytest.param("2025-04-01T08:00:00+08:00", id="an-older-version"),
    ],
)
def test_a_removal_for_another_reason_of_an_ended_listing_is_not_in_force(
    gw: Gateway, stamp: str
) -> None:
    """As the README says, whatever its version (review 45: it was answered ``duplicate``)."""
    gw.push([entry()])
    gw.push(removals=[removal()])
    removed = gw.held()

    result = gw.push(removals=[removal(reason="repaired", source_updated_at=stamp)])

    assert summary(result) == (0, 0, 0, 1)
    assert [(e.code, e.field) for e in result.errors] == [("listing_not_in_force", "credit_code")]
    assert gw.held() == removed


@pytest.mark.parametrize(
    ("stamp", "code"),
    [
        pytest.param("2025-06-01T08:00:00+08:00", "version_reused", id="the-same-version"),
        pytest.param("2025-05-01T08:00:00+08:00", "stale_version", id="an-older-version"),
    ],
)
def test_a_removal_no_newer_than_a_listing_in_force_is_refused_and_changes_nothing(
    gw: Gateway, stamp: str, code: str
) -> None:
    """Review 45: it was answered ``duplicate``, as if the listing had ended, while it stayed in
    force and was still exchanged."""
    gw.push([entry(source_updated_at="2025-06-01T08:00:00+08:00")])
    held = gw.held()

    result = gw.push(removals=[removal(source_updated_at=stamp)])

    assert summary(result) == (0, 0, 0, 1)
    assert [(e.list, e.code, e.field) for e in result.errors] == [
        ("removals", code, "source_updated_at")
    ]
    assert gw.held() == held


def test_an_entry_update_after_a_removal_keeps_the_removed_status(gw: Gateway) -> None:
    gw.push([entry()])
    gw.push(removals=[removal()])

    result = gw.push([entry(reason="更新的事由", source_updated_at="2025-05-02T08:00:00+08:00")])

    held = gw.held()
    assert result.accepted == 1
    assert (held.reason, held.status, [s.event for s in held.history]) == (
        "更新的事由",
        ListingStatus.REVOKED,
        ["removed"],
    )


OLDER_REMOVAL = removal(reason="revoked", source_updated_at="2025-05-01T08:00:00+08:00")
NEWER_REMOVAL = removal(reason="repaired", source_updated_at="2025-05-02T08:00:00+08:00")


@pytest.mark.parametrize(
    "removals",
    [
        pytest.param([OLDER_REMOVAL, NEWER_REMOVAL], id="older-first"),
        pytest.param([NEWER_REMOVAL, OLDER_REMOVAL], id="newer-first"),
    ],
)
def test_two_removals_of_one_listing_in_a_batch_apply_the_newest_once(
    gw: Gateway, removals: list[dict[str, Any]]
) -> None:
    gw.push([entry()])

    result = gw.push(removals=removals)

    held = gw.held()
    assert (held.status, len(held.history), result.removed, result.duplicate) == (
        ListingStatus.REPAIRED,
        1,
        1,
        1,
    )


def test_removals_older_than_a_listing_in_force_are_all_refused_in_a_batch(gw: Gateway) -> None:
    """Not ``duplicate`` for the older one, as if the newest had applied."""
    gw.push([entry(source_updated_at="2025-06-01T08:00:00+08:00")])

    result = gw.push(removals=[OLDER_REMOVAL, NEWER_REMOVAL])  # both stamped in May

    assert summary(result) == (0, 0, 0, 2)
    assert [e.code for e in result.errors] == ["stale_version", "stale_version"]
    assert gw.held().status is ListingStatus.ACTIVE


def test_two_removals_of_one_listing_at_one_version_for_two_reasons_apply_the_first(
    gw: Gateway,
) -> None:
    """One version, two contents: which is meant cannot be told (as for entries)."""
    gw.push([entry()])
    both = [OLDER_REMOVAL, {**OLDER_REMOVAL, "reason": "repaired"}]

    result = gw.push(removals=both)

    assert gw.held().status is ListingStatus.REVOKED
    assert (result.removed, result.duplicate) == (1, 0)
    assert [(e.index, e.code) for e in result.errors] == [(1, "version_reused")]


# -- any order of lifecycle messages: versions never go back, updates keep the status --

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=CHINA)  # after the default listing's earliest repair
ORIGINAL = entry(source_updated_at="2026-05-01T08:00:00+08:00")


def at(hours: int) -> str:
    return (T0 + timedelta(hours=hours)).isoformat()


Send = Callable[[Gateway], object]


def _update(hours: int, reason: str) -> Send:
    return lambda gw: gw.push([entry(reason=reason, source_updated_at=at(hours))])


def _remove(hours: int, why: str) -> Send:
    return lambda gw: gw.push(removals=[removal(reason=why, source_updated_at=at(hours))])


def _decide(hours: int, outcome: str) -> Send:
    made = ObjectionDecision.model_validate({"outcome": outcome, "source_updated_at": at(hours)})
    held = ListingEntry.model_validate(ORIGINAL)
    return lambda gw: gw.lifecycle.decide_objection(
        held.credit_code, identity_of(held), "obj-1", made, CITY
    )


def _repair(hours: int) -> Send:
    request = RepairRequest(reason="已履行", source_updated_at=at(hours))
    held = ListingEntry.model_validate(ORIGINAL)
    return lambda gw: gw.lifecycle.repair(held.credit_code, identity_of(held), request, CITY)


MESSAGES = [
    ("update", _update(1, "第一次更新")),
    ("decision", _decide(2, "upheld")),
    ("update", _update(3, "第二次更新")),
    ("removal", _remove(4, "revoked")),
    ("repair", _repair(5)),
    ("update", _update(6, "第三次更新")),
    ("decision", _decide(7, "revoked")),
    ("removal", _remove(8, "expired")),
]

arrivals = st.lists(st.sampled_from(range(len(MESSAGES))), max_size=4).flatmap(
    lambda extra: st.permutations(list(range(len(MESSAGES))) + extra)
)


Step = tuple[int, str, Listing, Listing]  # message index, its kind, listing before and after


def replay(order: list[int]) -> tuple[Gateway, list[Step]]:
    gw = Gateway(clock=FixedClock(T0 - timedelta(hours=1)))
    gw.push([ORIGINAL])
    held = ListingEntry.model_validate(ORIGINAL)
    gw.lifecycle.file_objection(
        held.credit_code,
        identity_of(held),
        ObjectionFiling(objection_id="obj-1", reason="异议"),
        None,
    )
    steps = []
    for index in order:
        kind, send = MESSAGES[index]
        before = gw.held(ORIGINAL)
        with contextlib.suppress(GatewayError):  # e.g. deciding an objection already decided
            send(gw)
        steps.append((index, kind, before, gw.held(ORIGINAL)))
    return gw, steps


@settings(max_examples=50, deadline=None)
@given(arrivals)
def test_no_order_of_lifecycle_messages_makes_a_version_go_back(order: list[int]) -> None:
    gw, steps = replay(order)

    assert all(after.version >= before.version for _, _, before, after in steps)
    written = gw.store.written_versions[lid_of(ORIGINAL)]
    assert written == sorted(set(written))


@settings(max_examples=50, deadline=None)
@given(arrivals)
def test_no_order_of_lifecycle_messages_lets_an_entry_update_change_the_status(
    order: list[int],
) -> None:
    _, steps = replay(order)

    assert all(
        after.status is before.status for _, kind, before, after in steps if kind == "update"
    )


@settings(max_examples=50, deadline=None)
@given(arrivals)
def test_a_lifecycle_message_applied_once_is_a_no_op_when_it_arrives_again(
    order: list[int],
) -> None:
    _, steps = replay(order)

    applied: set[int] = set()
    for index, _, before, after in steps:
        if index in applied:
            assert after == before, MESSAGES[index][0]
        elif after != before:
            applied.add(index)


# -- a court defaulter deleted as performed (法释〔2017〕7号 第十条) --


@pytest.mark.parametrize(
    ("performed_on", "removed"),
    [
        pytest.param("2025-05-20", True, id="after-the-decision"),
        pytest.param("2025-03-01", True, id="on-the-decision-day"),
        pytest.param("2025-02-28", False, id="before-the-decision"),
    ],
)
def test_a_performed_removal_is_dated_no_earlier_than_the_decision(
    gw: Gateway, performed_on: str, removed: bool
) -> None:
    gw.push([entry()])  # decided 2025-03-01
    before = gw.held()

    result = gw.push(removals=[removal(reason="performed", performed_on=performed_on)])

    if removed:
        assert (summary(result), gw.held().status) == ((0, 0, 1, 0), ListingStatus.PERFORMED)
    else:
        assert [(e.list, e.field, e.code) for e in result.errors] == [
            ("removals", "performed_on", "dates_out_of_order")
        ]
        assert gw.held() == before


def test_an_update_after_a_performed_removal_keeps_the_performance_date(gw: Gateway) -> None:
    gw.push([entry()])
    gw.push(removals=[removal(reason="performed", performed_on="2025-05-20")])

    gw.push([entry(reason="补充说明", source_updated_at="2025-05-02T08:00:00+08:00")])

    held = gw.held()
    assert (held.reason, held.status) == ("补充说明", ListingStatus.PERFORMED)
    assert str(held.performed_on) == "2025-05-20"
