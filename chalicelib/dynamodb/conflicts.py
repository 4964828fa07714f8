"""DynamoDB's transaction conflicts, retried where nothing was written.

On DynamoDB a transaction holds its items while it runs: a ``PutItem``, ``UpdateItem`` or
``DeleteItem`` of one of them (or a ``BatchWriteItem`` naming one) is refused with
``TransactionConflictException``, and a transaction meeting another's item is cancelled with
``TransactionConflict`` among its reasons (AWS docs: "Transaction conflict handling in
DynamoDB"). Here the exchange log's head and the statistics counters are in transactions on
every append and every push, while purges move the head and deliveries count themselves with
plain updates: at a national rate these meet. Botocore's retry modes retry neither, and moto
never refuses, so without this a purge, a push's last step or a delivery's count would fail
on AWS only, for no fault of the caller.

Both refusals mean the request changed nothing, so sending it again is safe, even an ``ADD``:

- ``retry_conflicts`` has a client send a refused single-item or batch write again, after a
  random pause that doubles each time, ``_TRIES`` attempts in all;
- ``transact`` does the same for a transaction cancelled by conflicts alone (any other reason,
  a failed condition first of all, is the caller's to read). Each try is a new call, with a
  new idempotency token: a retry under the first token could be answered from its cancellation.

The exchange log's appends and the statistics' ``add_once`` keep loops of their own: they read
again between tries (``lost_turn`` is what they ask).
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

_TRIES = 8  # attempts of one request: the pauses add up to about 2.5 s at most
_PAUSE = 0.02  # seconds; the first pause's ceiling, doubled per attempt up to ``_LONGEST``
_LONGEST = 1.0
_WRITES = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem")
_CONFLICT = {"None", "TransactionConflict", None}


def pause(attempt: int) -> float:
    """A random pause before attempt ``attempt + 1`` (full jitter: concurrent writers spread)."""
    return random.uniform(0, min(_LONGEST, _PAUSE * 2**attempt))  # noqa: S311


def retry_conflicts(client: Any) -> None:
    """Have ``client`` (DynamoDB's) retry its writes refused for a transaction in flight.

    Registered on each write's own ``needs-retry`` event, which botocore asks before the
    service-wide one of its retry mode; for any other answer this says nothing (``None``) and
    the retry mode decides as before."""
    for operation in _WRITES:
        client.meta.events.register(f"needs-retry.dynamodb.{operation}", _conflict_pause)


def _conflict_pause(response: Any = None, attempts: int = 1, **_: Any) -> float | None:
    if response is None or attempts >= _TRIES:
        return None
    code = response[1].get("Error", {}).get("Code")
    return pause(attempts) if code == "TransactionConflictException" else None


def lost_turn(error: ClientError, *also: str) -> bool:
    """A transaction's cancellation whose every reason is a conflict, one of ``also``, or none
    (the items not at fault): nothing was written, so it may be tried again; any other
    (throttled, refused) is for the caller to raise."""
    response: Any = error.response
    if response.get("Error", {}).get("Code") != "TransactionCanceledException":
        return False
    reasons = [r.get("Code") for r in response.get("CancellationReasons") or []]
    return all(r in _CONFLICT or r in also for r in reasons)


def item_too_large(error: ClientError) -> bool:
    """A write refused because an item would pass DynamoDB's 400 KB: as an operation's own
    error, or as a transaction's cancellation reason."""
    said = error.response.get("Error", {})
    return _too_large(said.get("Code"), said.get("Message")) or bool(too_large_at(error))


def too_large_at(error: ClientError) -> set[int]:
    """The places, in a cancelled transaction's items, of those refused because the item
    would pass DynamoDB's 400 KB (the rest are only cancelled with them)."""
    reasons: Any = error.response.get("CancellationReasons") or []
    return {i for i, r in enumerate(reasons) if _too_large(r.get("Code"), r.get("Message"))}


def _too_large(code: object, message: object) -> bool:
    return code in ("ValidationException", "ValidationError") and "size" in str(message).lower()


def transact(client: DynamoDBClient, items: Sequence[TransactWriteItemTypeDef]) -> None:
    """``TransactWriteItems``, tried again while conflicts alone cancel it (``_TRIES`` in
    all); any other cancellation, or the last conflict, is raised as DynamoDB gave it."""
    for attempt in range(1, _TRIES + 1):
        try:
            client.transact_write_items(TransactItems=list(items))
            return
        except ClientError as error:
            if attempt == _TRIES or not lost_turn(error):
                raise
        time.sleep(pause(attempt))
