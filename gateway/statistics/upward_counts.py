"""Upward reporting's shares (``gateway.statistics.upward``) kept as counters, not scanned.

The scanned definition needs every listing and every delivery of two months. Instead each
listing carries, per rule target, when a delivery of it first reached a subscription of that
target (``arrivals``: the delivery adapter keeps the earliest), so what a listing adds to a
rule's month is a pure function of the listing, counted from the listings stream like
``listing_tally``: ``due``; ``on_time`` or ``late`` once it arrived; else ``open`` by the
Beijing hour it was first accepted, because whether an open listing is *missing* or *pending*
depends on the hour its deadline passes, judged when the report is read.

Keys: ``(origin region#u{day}, month of first acceptance, upward#{rule}#due|on_time|late)``
and ``upward#{rule}#open#{DDTHH}``. Counters are kept per rule (its filters applied when
counting), not per listing facts: keyed by kind × domain × severity × target × hour, an item
would hold thousands of counters and every ``ADD`` is charged by the item's size. One item per
origin region and day keeps each below ``rules × 27`` counters. So after changing
``CG_UPWARD_REPORTING`` the counters are rebuilt (``POST /v1/stats/rebuild``).

Where the counted share differs from the scanned one, by design:

- a deadline is judged passed from the end of the hour it falls in: an open listing whose
  deadline falls in the current hour is ``pending`` until the hour ends (the same figures
  whenever the report is read on the hour);
- an arrival is the subscription's region when it was delivered (a deleted subscription's
  deliveries still count; the scan forgot them).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from gateway.national import UpwardRule
from gateway.statistics.tallies import Tally, month_of
from gateway.statistics.upward import UpwardShare
from gateway_client.contract import CHINA, Listing, within

UPWARD = "upward"
_OPEN = "open"
_HOUR = timedelta(hours=1)

Counts = Mapping[str, int]


def upward_tally(
    x: Listing | None, arrivals: Mapping[str, datetime], rules: Sequence[UpwardRule]
) -> Tally:
    """What the listing adds to each rule it is due under (nothing if ``None``);
    ``arrivals``: rule target → when a delivery of the listing first reached it."""
    tally: Tally = Counter()
    if x is None:
        return tally
    first = (x.listed_at or x.accepted_at).astimezone(CHINA)
    region, bucket = f"{x.origin_region}#u{first.day:02d}", month_of(first)
    for rule in rules:
        if not rule.applies_to(x):
            continue
        arrived = arrivals.get(rule.target)
        if arrived is None:
            outcome = f"{_OPEN}#{first:%dT%H}"
        else:
            outcome = "on_time" if arrived <= rule.deadline(x) else "late"
        tally[(region, bucket, f"{UPWARD}#{rule.rule}#due")] += 1
        tally[(region, bucket, f"{UPWARD}#{rule.rule}#{outcome}")] += 1
    return tally


def upward_from_counters(
    rules: Sequence[UpwardRule],
    region: str,
    month: str,
    months: Mapping[str, Counts],
    subscribed: set[str],
    now: datetime,
) -> tuple[UpwardShare, ...]:
    """One line per rule whose target's subtree overlaps ``region``'s, from the month's
    counters of ``region``'s subtree (``months``: region → counters, shards summed);
    ``subscribed``: the regions that hold a subscription now."""
    return tuple(
        _share(rule, month, months, rule.target in subscribed, now)
        for rule in rules
        if within(region, rule.target) or within(rule.target, region)
    )


def _share(
    rule: UpwardRule, month: str, months: Mapping[str, Counts], subscribed: bool, now: datetime
) -> UpwardShare:
    head = f"{UPWARD}#{rule.rule}#"
    summed: Counter[str] = Counter()
    for counts in months.values():
        summed.update({k[len(head) :]: v for k, v in counts.items() if k.startswith(head)})
    missing = pending = 0
    for name, count in summed.items():
        if not name.startswith(f"{_OPEN}#") or not count:
            continue
        hour = datetime.strptime(f"{month}-{name[len(_OPEN) + 1 :]}", "%Y-%m-%dT%H")
        passed = hour.replace(tzinfo=CHINA) + _HOUR + timedelta(hours=rule.within_hours)
        if not subscribed or now >= passed:
            missing += count
        else:
            pending += count
    due, on_time, late = summed["due"], summed["on_time"], summed["late"]
    settled = due - pending
    return UpwardShare(
        rule=rule.rule,
        target=rule.target,
        within_hours=rule.within_hours,
        due=due,
        reported_on_time=on_time,
        late=late,
        missing=missing,
        pending=pending,
        share=round(on_time / settled, 4) if settled else None,
    )
