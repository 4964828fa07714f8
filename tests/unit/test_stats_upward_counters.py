"""Upward reporting's shares from counters equal the scanned ones (``upward_shares``): each
listing counted as the stream hands over its versions, first without an arrival, then with
each earlier arrival the delivery adapter keeps on it; the report read on the hour."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

from builders import entry, evolved, listing, make_uscc, red_entry
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.delivery.records import DeliveryRecord, DeliveryState
from gateway.national import UpwardRule
from gateway.statistics.monthly import Month
from gateway.statistics.tallies import Tally, difference
from gateway.statistics.upward import upward_shares
from gateway.statistics.upward_counts import upward_from_counters, upward_tally
from gateway_client.contract import CHINA, NATION, Listing, within

CHANGSHA, HUNAN, WUHAN, HUBEI = "430100", "430000", "420100", "420000"
ORIGINS = [CHANGSHA, "430102", HUNAN, WUHAN, NATION]
SUBSCRIBERS = {"sub-nation": NATION, "sub-hunan": HUNAN, "sub-wuhan": WUHAN, "sub-2": NATION}
RULES = (
    UpwardRule(
        rule="court-to-nation",
        target=NATION,
        kinds=("black",),
        domains=("court_defaulter",),
        within_hours=24,
    ),
    UpwardRule(rule="all-to-hunan", target=HUNAN, within_hours=7),
    UpwardRule(rule="general-to-nation", target=NATION, severities=("general",), within_hours=60),
)
START = datetime(2026, 9, 25, tzinfo=UTC)
MONTHS = [Month(2026, 9), Month(2026, 10), Month(2026, 11)]
REGIONS = [CHANGSHA, HUNAN, WUHAN, HUBEI, NATION]
KINDS: list[dict[str, Any]] = [
    {},
    {"severity": "general"},
    {"domain": "food_drug", "legal_basis": "《食品安全法》第一百三十四条"},
]


@st.composite
def held(draw: st.DrawFn, serial: int) -> Listing:
    origin = draw(st.sampled_from(ORIGINS))
    accepted = START + timedelta(minutes=draw(st.integers(0, 60 * 24 * 40)))
    code = make_uscc(serial, f"91{origin}")
    if draw(st.integers(0, 4)) == 0:
        raw = red_entry(credit_code=code)
    else:
        raw = entry(credit_code=code, **draw(st.sampled_from(KINDS)))
    return listing(raw, region=origin, accepted_at=accepted)


@st.composite
def arrivals(draw: st.DrawFn, x: Listing, serial: int) -> list[DeliveryRecord]:
    found = []
    for n in range(draw(st.integers(0, 3))):
        subscription = draw(st.sampled_from(sorted(SUBSCRIBERS)))
        delay = timedelta(minutes=draw(st.integers(1, 60 * 24 * 4)))
        if draw(st.booleans()):  # at a rule's deadline, or a minute either side
            hours = draw(st.sampled_from([rule.within_hours for rule in RULES]))
            delay = timedelta(hours=hours, minutes=draw(st.integers(-1, 1)))
        state = draw(st.sampled_from([DeliveryState.DELIVERED] * 3 + [DeliveryState.DEAD]))
        found.append(
            DeliveryRecord(
                delivery_id=f"msg_{serial}_{n}",
                subscription_id=subscription,
                state=state,
                credit_code=x.credit_code,
                listing_id=x.listing_id,
                origin_region=x.origin_region,
                updated_at=(x.accepted_at + delay).isoformat(),
            )
        )
    return found


World = tuple[list[list[Listing | None]], list[DeliveryRecord]]


@st.composite
def worlds(draw: st.DrawFn) -> World:
    """Each listing's versions (a black one may be re-graded general, any may be purged)
    and its deliveries."""
    histories: list[list[Listing | None]] = []
    deliveries: list[DeliveryRecord] = []
    for n in range(draw(st.integers(0, 12))):
        x = draw(held(n))
        versions: list[Listing | None] = [x]
        if x.severity is not None and draw(st.booleans()):
            versions.append(evolved(x, severity="general"))
        if draw(st.integers(0, 5)) == 0:
            versions.append(None)  # erased by retention: its counts go with it
        histories.append(versions)
        deliveries.extend(draw(arrivals(x, n)))
    return histories, deliveries


def counted(
    histories: Sequence[Sequence[Listing | None]], deliveries: Sequence[DeliveryRecord]
) -> Tally:
    """Each listing's stream records: created with no arrival, then one record per delivered
    delivery to a target that is earlier than the one the listing holds (the adapter's
    condition), in the order the deliveries came; its later versions after those."""
    tally: Tally = Counter()
    for versions in histories:
        x = versions[0]
        assert x is not None
        held: dict[str, datetime] = {}
        images: list[tuple[Listing | None, dict[str, datetime]]] = [(x, {})]
        for d in deliveries:
            target, at = SUBSCRIBERS[d.subscription_id], datetime.fromisoformat(d.updated_at)
            if d.listing_id != x.listing_id or d.state is not DeliveryState.DELIVERED:
                continue
            if target in held and held[target] <= at:
                continue
            held[target] = at
            images.append((x, dict(held)))
        images.extend((version, dict(held)) for version in versions[1:])
        for (old, was), (new, now) in pairwise([(None, {}), *images]):
            tally.update(difference(upward_tally(new, now, RULES), upward_tally(old, was, RULES)))
    return tally


def report(tally: Tally, region: str, month: Month, now: datetime):  # type: ignore[no-untyped-def]
    months: dict[str, Counter[str]] = {}
    for (where, bucket, attribute), count in tally.items():
        origin = where.partition("#")[0]
        if bucket == str(month) and within(origin, region):
            months.setdefault(origin, Counter())[attribute] += count
    subscribed = set(SUBSCRIBERS.values())
    return upward_from_counters(RULES, region, str(month), months, subscribed, now)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(world=worlds(), data=st.data())
def test_counted_upward_shares_equal_the_scanned_ones_read_on_the_hour(
    world: World, data: st.DataObject
) -> None:
    histories, deliveries = world
    held = [versions[-1] for versions in histories if versions[-1] is not None]
    region, month = data.draw(st.sampled_from(REGIONS)), data.draw(st.sampled_from(MONTHS))
    now = START + timedelta(hours=data.draw(st.integers(0, 24 * 80)))
    if held and data.draw(st.booleans()):  # around the hour a listing's deadline passes
        x = data.draw(st.sampled_from(held))
        first = x.accepted_at.astimezone(CHINA)
        region = data.draw(st.sampled_from([r for r in REGIONS if within(x.origin_region, r)]))
        month = Month(first.year, first.month)
        hours = data.draw(st.sampled_from([rule.within_hours for rule in RULES]))
        now = first.replace(minute=0) + timedelta(hours=hours + data.draw(st.integers(0, 2)))

    expected = upward_shares(RULES, region, held, deliveries, SUBSCRIBERS, month.has, now)
    assert report(counted(histories, deliveries), region, month, now) == expected


def test_an_open_listing_is_pending_until_the_end_of_its_deadline_s_hour() -> None:
    x = listing(entry(), region=CHANGSHA, accepted_at=datetime(2026, 10, 10, 2, 20, tzinfo=UTC))
    tally = counted([[x]], [])
    [to_nation, to_hunan, _] = RULES

    def judged(now: datetime) -> tuple[int, int]:
        [nation, _, _] = report(tally, CHANGSHA, Month(2026, 10), now)
        return nation.missing, nation.pending

    deadline = x.accepted_at + timedelta(hours=to_nation.within_hours)
    assert judged(deadline) == (0, 1)
    assert judged(deadline + timedelta(minutes=5)) == (0, 1)  # the scan says missing
    assert judged(deadline + timedelta(minutes=40)) == (1, 0)  # from 03:00 on
    assert to_hunan.target == HUNAN


def test_a_target_without_subscription_has_every_open_listing_missing() -> None:
    x = listing(entry(), region=CHANGSHA, accepted_at=datetime(2026, 10, 10, 2, tzinfo=UTC))
    months = {CHANGSHA: Counter({k[2]: n for k, n in counted([[x]], []).items()})}
    now = datetime(2026, 10, 10, 3, tzinfo=UTC)

    [nation, hunan, _] = upward_from_counters(RULES, CHANGSHA, "2026-10", months, set(), now)

    assert (nation.missing, nation.pending, hunan.missing) == (1, 0, 1)
