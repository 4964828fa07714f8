"""A record keeps its first attempts and its latest, however often it is tried.

A subscriber answering 410 (which turns its subscription off) and enabling it again, cycle after
cycle, appended an attempt each time to one record until it passed DynamoDB's 400 KB item limit:
its writes then failed, and with them the delivery function's whole event (review 292). An
attempt is appended while the record holds fewer than ``KEPT``; at ``KEPT`` it replaces the last
one kept; a record holding more (grown before, or two appends at once) is cut back to the first
``KEPT - 1`` and the latest, so the last attempt is always the latest (review 293).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

KEPT = 50
APPENDED = "attempts = list_append(if_not_exists(attempts, :none), :attempt)"
_ROUNDS = 3


def write_attempt(
    update_if: Callable[..., bool], update: dict[str, Any], read: Callable[..., Any]
) -> bool:
    """``update`` (an ``UpdateItem`` whose expression sets ``APPENDED``) made with its attempt
    appended, in the last place kept, or the list cut back around it; False when its own
    condition fails. ``read``: the client's ``get_item``."""
    for _ in range(_ROUNDS):
        if update_if(**_appended(update)) or update_if(**_in_the_last_place(update)):
            return True
        held = read(
            TableName=update["TableName"],
            Key=update["Key"],
            ProjectionExpression="attempts",
            ConsistentRead=True,
        ).get("Item", {})
        kept = held.get("attempts", {}).get("L", [])
        if len(kept) <= KEPT:
            return False  # its own condition failed (delivered), or a write landed: see above
        if update_if(**_cut_back(update, kept)):
            return True
    return False


def _appended(update: dict[str, Any]) -> dict[str, Any]:
    return _conditioned(update, "(attribute_not_exists(attempts) OR size(attempts) < :kept)")


def _in_the_last_place(update: dict[str, Any]) -> dict[str, Any]:
    latest, values = _latest(update)
    return {
        **_conditioned(update, "size(attempts) = :kept", values),
        "UpdateExpression": _replaced(update, f"attempts[{KEPT - 1}] = :latest"),
        "ExpressionAttributeValues": {
            **values,
            ":latest": latest,
            ":kept": {"N": str(KEPT)},
        },
    }


def _cut_back(update: dict[str, Any], kept: list[Any]) -> dict[str, Any]:
    """The list rewritten as its first ``KEPT - 1`` and the latest, while it is as read."""
    latest, values = _latest(update)
    condition = f"({update['ConditionExpression']}) AND size(attempts) = :held"
    return {
        **update,
        "UpdateExpression": _replaced(update, "attempts = :cut"),
        "ConditionExpression": condition,
        "ExpressionAttributeValues": {
            **values,
            ":cut": {"L": [*kept[: KEPT - 1], latest]},
            ":held": {"N": str(len(kept))},
        },
    }


def _conditioned(
    update: dict[str, Any], size: str, values: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        **update,
        "ConditionExpression": f"({update['ConditionExpression']}) AND {size}",
        "ExpressionAttributeValues": {
            **(update["ExpressionAttributeValues"] if values is None else values),
            ":kept": {"N": str(KEPT)},
        },
    }


def _latest(update: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """The attempt the update appends, and its other values."""
    values = dict(update["ExpressionAttributeValues"])
    [latest] = values.pop(":attempt")["L"]
    del values[":none"]
    return latest, values


def _replaced(update: dict[str, Any], setting: str) -> str:
    expression: str = update["UpdateExpression"]
    if APPENDED not in expression:
        raise ValueError("the update appends no attempt")
    return expression.replace(APPENDED, setting)
