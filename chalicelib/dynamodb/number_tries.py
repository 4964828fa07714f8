"""A region's tries at masked ID numbers, per Beijing day (``gateway.recognition.number_tries``),
as counters in the batches table (expired by its TTL).

One item per (asker, day, the mask's six-digit area), one counter per check character: the
masks a request asks fall into few areas (a county's applicants share one), so a check of a
thousand codes is a few conditional updates, not a thousand; and one per named take (a bulk
check's block) holding the masks it refused, so a run of the block again counts nothing. The
items hold no more of a number than its mask does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, time, timedelta

from chalicelib.dynamodb.base import Item, Table, n, s
from gateway_client.contract import CHINA

_WRITERS = 8
_KEPT = timedelta(days=2)  # past the day's end in every timezone: then only the TTL's
_ONCE_KEPT = timedelta(days=15)  # past SQS's longest retention: no run of the block comes after


class DynamoTryCounter(Table):
    def take(
        self, asker: str, day: date, tries: Mapping[str, int], limit: int, once: str | None = None
    ) -> set[str]:
        if once is not None and (taken := self._get(_once_key(asker, once))) is not None:
            return set(taken.get("refused", {}).get("SS", []))  # as answered the first time
        areas = _by_area(tries)
        with ThreadPoolExecutor(max_workers=min(_WRITERS, len(areas) or 1)) as pool:
            answers = pool.map(
                lambda area: self._take(asker, day, area[0], area[1], limit), areas.items()
            )
            refused = {f"{area}{'*' * 11}{check}" for area, checks in answers for check in checks}
        if once is not None:  # a failure before this put counts the block again: a rare excess
            item: Item = {**_once_key(asker, once), "expires_at": n(_expiry(day, _ONCE_KEPT))}
            if refused:
                item["refused"] = {"SS": sorted(refused)}
            self._client.put_item(TableName=self._table, Item=item)
        return refused

    def give_back(self, asker: str, day: date, tries: Mapping[str, int]) -> None:
        for area, checks in _by_area(tries).items():
            counts = {_counter(check): -count for check, count in checks.items()}
            self._add(_key(asker, day, area), counts, _expiry(day))

    def _take(
        self, asker: str, day: date, area: str, checks: Mapping[str, int], limit: int
    ) -> tuple[str, list[str]]:
        """The area's counters in one update when all stay within ``limit``; else each alone,
        so a mask under the limit is not refused with one over it. The area, and the check
        characters refused."""
        if self._within(asker, day, area, checks, limit):
            return area, []
        if len(checks) == 1:
            return area, list(checks)
        alone = [c for c, k in checks.items() if not self._within(asker, day, area, {c: k}, limit)]
        return area, alone

    def _within(
        self, asker: str, day: date, area: str, checks: Mapping[str, int], limit: int
    ) -> bool:
        if any(count > limit for count in checks.values()):
            return False
        names = {f"#c{i}": _counter(check) for i, check in enumerate(checks)}
        values = {f":c{i}": n(count) for i, count in enumerate(checks.values())}
        most = {f":m{i}": n(limit - count) for i, count in enumerate(checks.values())}
        return self._update_if(
            TableName=self._table,
            Key=_key(asker, day, area),
            UpdateExpression="ADD "
            + ", ".join(f"{name} :c{i}" for i, name in enumerate(names))
            + " SET expires_at = :expires",
            ConditionExpression=" AND ".join(
                f"(attribute_not_exists({name}) OR {name} <= :m{i})" for i, name in enumerate(names)
            ),
            ExpressionAttributeNames=names,
            ExpressionAttributeValues={**values, **most, ":expires": n(_expiry(day))},
        )


def _by_area(tries: Mapping[str, int]) -> dict[str, dict[str, int]]:
    """Masks (``420281***********3``) grouped by area: area → check character → count."""
    areas: dict[str, dict[str, int]] = defaultdict(dict)
    for masked, count in tries.items():
        areas[masked[:6]][masked[-1]] = count
    return areas


def _key(asker: str, day: date, area: str) -> Item:
    return {"pk": s(f"tries#{asker}#{day:%Y%m%d}#{area}")}


def _counter(check: str) -> str:
    return f"tries_{check}"


def _once_key(asker: str, once: str) -> Item:
    return {"pk": s(f"tries-once#{asker}#{once}")}


def _expiry(day: date, kept: timedelta = _KEPT) -> int:
    return int((datetime.combine(day, time(), CHINA) + kept).timestamp())
