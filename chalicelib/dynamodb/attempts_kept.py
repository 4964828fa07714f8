"""A record keeps its first attempts and its latest, however often it is tried.

A subscriber answering 410 (which turns its subscription off) and enabling it again, cycle after
cycle, appended an attempt each time to one record until it passed DynamoDB's 400 KB item limit:
its writes then failed, and with them the delivery function's whole event (review 292). An
attempt is appended while the record holds fewer than ``KEPT``; after that it replaces the last
one kept, so the record shows how it began and how it stands.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

KEPT = 50
APPENDED = "attempts = list_append(if_not_exists(attempts, :none), :attempt)"


def write_attempt(update_if: Callable[..., bool], update: dict[str, Any]) -> bool:
    """``update`` (an ``UpdateItem`` whose expression sets ``APPENDED``) made with its attempt
    appended, or in the last place kept; False when its own condition fails."""
    return update_if(**_appended(update)) or update_if(**_in_the_last_place(update))


def _appended(update: dict[str, Any]) -> dict[str, Any]:
    condition = update["ConditionExpression"]
    return {
        **update,
        "ConditionExpression": f"({condition}) AND "
        "(attribute_not_exists(attempts) OR size(attempts) < :kept)",
        "ExpressionAttributeValues": {
            **update["ExpressionAttributeValues"],
            ":kept": {"N": str(KEPT)},
        },
    }


def _in_the_last_place(update: dict[str, Any]) -> dict[str, Any]:
    values = dict(update["ExpressionAttributeValues"])
    [latest] = values.pop(":attempt")["L"]
    del values[":none"]
    expression = update["UpdateExpression"]
    if APPENDED not in expression:
        raise ValueError("the update appends no attempt")
    return {
        **update,
        "UpdateExpression": expression.replace(APPENDED, f"attempts[{KEPT - 1}] = :latest"),
        "ConditionExpression": f"({update['ConditionExpression']}) AND size(attempts) >= :kept",
        "ExpressionAttributeValues": {**values, ":latest": latest, ":kept": {"N": str(KEPT)}},
    }
