"""The gateway's signed word on when its ID salts began: a checkpoint extension line.

A listing version made before salts existed carries neither ``id_salt`` nor ``ids_commitment``,
and a subscriber cannot tell it from a new version the gateway left unsalted, whose full ID
numbers the log would then not bind (one swapped for another with the same mask would pass).
So every checkpoint states the instant from which every version the gateway accepts is salted:
``credit-gateway/salted-since <instant>``. A version accepted at or after it without a
commitment was stripped or altered; the statement is signed (and witnessed) with the tree, so
the gateway cannot move it later without that showing (``gateway_client.salting_audit``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

SALTED_SINCE = "credit-gateway/salted-since"
FROM_THE_START = datetime(1970, 1, 1, tzinfo=UTC)
"""Stated by a log that has known no unsalted version: every version is salted."""

_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def salted_since_line(at: datetime) -> str:
    """The extension line stating ``at`` (whole seconds, UTC: one text per instant)."""
    return instant_line(SALTED_SINCE, at)


def salted_since(extensions: Sequence[str]) -> datetime | None:
    """The instant a checkpoint's extension lines state; None when they state none.
    ValueError when it is stated twice, or not in the one form ``salted_since_line`` writes."""
    return stated_instant(extensions, SALTED_SINCE, "salting cut-over")


def instant_line(name: str, at: datetime) -> str:
    """An extension line ``<name> <instant>`` (whole seconds, UTC: one text per instant)."""
    return f"{name} {at.astimezone(UTC).strftime(_FORMAT)}"


def stated_instant(extensions: Sequence[str], name: str, what: str) -> datetime | None:
    """The instant the extension line ``name`` states; None when there is none. ValueError
    when it is stated twice, or not in the one form ``instant_line`` writes."""
    stated = [line for line in extensions if line.split(" ", 1)[0] == name]
    if not stated:
        return None
    if len(stated) > 1:
        raise ValueError(f"the {what} is stated twice")
    line = stated[0]
    try:
        at = datetime.strptime(line.removeprefix(name + " "), _FORMAT).replace(tzinfo=UTC)
    except ValueError:
        at = None
    if at is None or instant_line(name, at) != line:
        raise ValueError(f"{line!r} is not a {what} line")
    return at
