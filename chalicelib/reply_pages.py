"""A list reply cut into pages a Lambda can return: at most ``limit`` items, and stopping short
of ``PAGE_BYTES`` as Lambda counts a reply (``reply_bytes``), under its 6 MB; ``next`` names
the last item's position, from which the following page goes on (``after``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from chalicelib.http_errors import reply_bytes

T = TypeVar("T")

PAGE_BYTES = 4_000_000


def page_of(
    items: Iterable[T],
    position: Callable[[T], str],
    shown: Callable[[T], dict[str, Any]],
    limit: int,
    after: str | None,
) -> tuple[list[dict[str, Any]], str | None]:
    """The page after ``after`` of ``items`` (in ``position`` order), and its ``next``."""
    page: list[dict[str, Any]] = []
    size, last = 0, ""
    for item in sorted(items, key=position):
        if after is not None and position(item) <= after:
            continue
        view = shown(item)
        cost = reply_bytes(view)
        if page and (len(page) == limit or size + cost > PAGE_BYTES):
            return page, last
        page.append(view)
        size, last = size + cost, position(item)
    return page, None
