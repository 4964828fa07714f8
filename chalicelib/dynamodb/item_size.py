"""An item's size as DynamoDB counts it against its 400 KB limit (and bills it): each attribute's
name and value in bytes, by the rules AWS documents ("Item sizes and formats"). Estimated from
the item as read, so a store can tell how close an item that only grows has come."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def item_size(item: Mapping[str, Any]) -> int:
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def value_size(value: Mapping[str, Any]) -> int:
    """One attribute value: strings and binaries their length, a number about one byte per two
    digits plus one, sets their members', maps and lists 3 bytes plus one per element."""
    kind, held = next(iter(value.items()))
    if kind == "S":
        return len(str(held).encode())
    if kind == "B":
        return len(held)
    if kind == "N":
        return _number(str(held))
    if kind == "SS":
        return sum(len(str(x).encode()) for x in held)
    if kind == "BS":
        return sum(len(x) for x in held)
    if kind == "NS":
        return sum(_number(str(x)) for x in held)
    if kind == "M":
        return 3 + sum(len(k.encode()) + value_size(v) + 1 for k, v in held.items())
    if kind == "L":
        return 3 + sum(value_size(v) + 1 for v in held)
    return 1  # BOOL, NULL


def _number(digits: str) -> int:
    significant = digits.lstrip("-").replace(".", "").strip("0") or "0"
    return (len(significant) + 1) // 2 + 1
