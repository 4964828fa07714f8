"""Subscriptions: few, read whole at fan-out time; changed by compare-and-swap on the stored
document, so that writers with a stale copy (a delivery attempt that took 15 s, a challenge
that took 5 s) cannot undo each other or bring back a deleted subscription. A new one, and a
change of its terms, is written in one transaction with a check of the exchange log's head
(``create``, ``update_at``): ``gateway.delivery.terms`` says why."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterator
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib.dynamodb.base import Table, s, text
from chalicelib.dynamodb.conflicts import lost_turn, pause, transact
from chalicelib.dynamodb.log_transaction import at_size
from gateway.delivery import Subscription
from gateway_client.contract import Busy

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import PutTypeDef, TransactWriteItemTypeDef

_BATCH_GET = 100  # BatchGetItem's most keys a call
_RETIRED = "retired#"  # the key of a region's deleted subscriptions' ids: no document


def _deleted_by(region: str, key_id: str) -> str:
    """The key of the ids a platform key deleted: no document either."""
    return f"{_RETIRED}{region}#by#{key_id}"


RETIRED_KEPT = 200
"""A region's deleted subscriptions whose ids are kept: each one an objection of the region
asks about, and the item stays far under DynamoDB's 400 KB (review 186). Fifty live ones at
most, replaced now and then: a region deleting more keeps the first 200."""
_ROUNDS = 20  # writers of one subscription are few: a handful of rounds settles any race
# A write pinned to the log's size: under a busy log, appends move it between the read and the
# transaction; each lost turn reads it again after a short random pause, for this long at most
# (well inside an API request's 29 s), and then answers 503 ``busy``, nothing written.
_PINNED_SECONDS = 8.0


class DynamoSubscriptions(Table):
    def __init__(self, client: DynamoDBClient, table_name: str, log_table: str) -> None:
        super().__init__(client, table_name)
        self._log_table = log_table  # the exchange log's head pins ``create`` and ``update_at``

    def put(self, subscription: Subscription) -> None:
        self._put_doc(
            {"subscription_id": s(subscription.subscription_id)}, subscription.model_dump_json()
        )

    def get(self, subscription_id: str) -> Subscription | None:
        item = self._get({"subscription_id": s(subscription_id)})
        if item is None or "doc" not in item:  # none, or a region's retired ids (``retired``)
            return None
        return Subscription.model_validate_json(text(item, "doc"))

    def all(self) -> list[Subscription]:
        return [Subscription.model_validate_json(doc) for doc in self._scan_docs()]

    def delete(self, subscription_id: str, by_key: str | None = None) -> None:
        """Gone, in one transaction: its item becomes a mark naming its region (and the key
        that deleted it), so that its id is never made again (review 190: past the ids kept, a
        retry made it anew), and its id is kept among its region's retired ones (``retired``):
        what it was delivered its region still holds (review 181: a region that replaced its
        subscription could no longer object to what the old one brought), and among those the
        platform key deleted (``deleted_by``: review 248, a leaked key's deletion was named
        nowhere at its revocation)."""
        held = self.get(subscription_id)
        if held is None:
            return
        item = {
            "subscription_id": s(subscription_id),
            "deleted_from": s(held.region),
            "had_batches": {"BOOL": held.had_batches()},  # its receipts asked of batches or not
        }
        if by_key is not None:
            item["deleted_by"] = s(by_key)
        mark: PutTypeDef = {"TableName": self._table, "Item": item}
        lists = [_RETIRED + held.region]
        if by_key is not None:
            lists.append(_deleted_by(held.region, by_key))
        transact(
            self._client,
            [
                {"Put": mark},
                *(
                    self._retiring(key, subscription_id)
                    for key in lists
                    if len(self._ids(key)) < RETIRED_KEPT  # the items and objections bounded
                ),
            ],
        )

    def _retiring(self, key: str, subscription_id: str) -> TransactWriteItemTypeDef:
        return {
            "Update": {
                "TableName": self._table,
                "Key": {"subscription_id": s(key)},
                "UpdateExpression": "ADD retired :id",
                "ExpressionAttributeValues": {":id": {"SS": [subscription_id]}},
            }
        }

    def retired(self, region: str) -> set[str]:
        """The region's deleted subscriptions' ids (the first ``RETIRED_KEPT``)."""
        return self._ids(_RETIRED + region)

    def may_have_batched(self, subscription_ids: Collection[str]) -> set[str]:
        """Those of the deleted ``subscription_ids`` that may have had batches: their marks say
        so, or say nothing (deleted before they did). Receipts ask batches of these only
        (review 292: a refused objection queried every retired id × every logged change)."""
        ids = sorted(subscription_ids)
        unknown = set(ids)
        for start in range(0, len(ids), _BATCH_GET):
            keys = [{"subscription_id": s(x)} for x in ids[start : start + _BATCH_GET]]
            for mark in self._batch_get({"Keys": keys, "ConsistentRead": True}):
                if mark.get("had_batches", {}).get("BOOL") is False:
                    unknown.discard(text(mark, "subscription_id"))
        return unknown

    def deleted_by(self, region: str, key_id: str) -> set[str]:
        """The region's subscriptions ``key_id`` deleted (the first ``RETIRED_KEPT``)."""
        return self._ids(_deleted_by(region, key_id))

    def _ids(self, key: str) -> set[str]:
        item = self._get({"subscription_id": s(key)})
        return set(item["retired"]["SS"]) if item and "retired" in item else set()

    def region_of(self, subscription_id: str) -> str | None:
        """The region a subscription was for, deleted or not (its mark names it): what its
        deliveries' counts are shown under (review 250: a deleted one's named none)."""
        item = self._get({"subscription_id": s(subscription_id)})
        if item is None:
            return None
        if "doc" in item:
            return Subscription.model_validate_json(text(item, "doc")).region
        return text(item, "deleted_from") if "deleted_from" in item else None

    def was_deleted(self, subscription_id: str, region: str) -> bool:
        """Its mark (``delete``) is stored, or its id is among the region's retired ones (a
        deletion from before the marks)."""
        item = self._get({"subscription_id": s(subscription_id)})
        if item is not None and "deleted_from" in item:
            return True
        return subscription_id in self.retired(region)

    def update(
        self, subscription_id: str, change: Callable[[Subscription], Subscription | None]
    ) -> Subscription | None:
        return self._update(subscription_id, lambda current, _: change(current), None)

    def update_at(
        self,
        subscription_id: str,
        change: Callable[[Subscription, int], Subscription | None],
        log_size: Callable[[], int],
    ) -> Subscription | None:
        return self._update(subscription_id, change, log_size)

    def create(
        self, build: Callable[[int], Subscription], log_size: Callable[[], int]
    ) -> Subscription | None:
        for attempt in _turns():
            subscription = build(log_size())
            made = self._made(subscription)
            if made is not False:
                return subscription if made else None
            time.sleep(pause(attempt))
        raise _busy("created")

    def _made(self, subscription: Subscription) -> bool | None:
        """Stored as new (True); its id taken meanwhile, or retired (None: made by a retry in
        flight, or deleted since, never made again: review 190); or the log moved (False)."""
        sid = s(subscription.subscription_id)
        put = {
            "TableName": self._table,
            "Item": {"subscription_id": sid, "doc": s(subscription.model_dump_json())},
            "ConditionExpression": "attribute_not_exists(subscription_id)",
        }
        unretired = {
            "TableName": self._table,
            "Key": {"subscription_id": s(_RETIRED + subscription.region)},
            "ConditionExpression": "attribute_not_exists(retired) OR NOT contains(retired, :id)",
            "ExpressionAttributeValues": {":id": sid},
        }
        items: list[Any] = [
            {"Put": put},
            at_size(self._log_table, subscription.log_start),
            {"ConditionCheck": unretired},
        ]
        try:
            self._client.transact_write_items(TransactItems=items)
        except ClientError as error:
            reasons = [r.get("Code") for r in error.response.get("CancellationReasons") or []]
            if reasons[:1] == ["ConditionalCheckFailed"] or reasons[2:] == [
                "ConditionalCheckFailed"
            ]:
                return None
            if lost_turn(error, "ConditionalCheckFailed"):
                return False
            raise
        return True

    def _update(
        self,
        subscription_id: str,
        change: Callable[[Subscription, int], Subscription | None],
        log_size: Callable[[], int] | None,
    ) -> Subscription | None:
        key = {"subscription_id": s(subscription_id)}
        for attempt in range(_ROUNDS) if log_size is None else _turns():
            size = 0 if log_size is None else log_size()  # before the subscription: ``terms``
            item = self._get(key)
            if item is None or "doc" not in item:  # none, or deleted (its mark: ``delete``)
                return None
            held = text(item, "doc")
            current = Subscription.model_validate_json(held)
            changed = change(current, size)
            if changed is None or changed == current:
                return current
            if self._stored(changed, held, None if log_size is None else size):
                return changed
            time.sleep(pause(attempt))
        # overtaken every round (other writers: health notes, the region's other changes):
        # nothing written, the client's 503 to retry, never a 500 (review 289)
        raise _busy("changed")

    def _stored(self, subscription: Subscription, held: str | None, size: int | None) -> bool:
        """Whether ``subscription`` was stored, the stored document still ``held`` (``None``:
        whatever it was) and, with ``size``, while the log held that many entries."""
        put: dict[str, Any] = {
            "TableName": self._table,
            "Item": {
                "subscription_id": s(subscription.subscription_id),
                "doc": s(subscription.model_dump_json()),
            },
        }
        if held is not None:
            put["ConditionExpression"] = "doc = :held"
            put["ExpressionAttributeValues"] = {":held": s(held)}
        if size is None:
            return self._put_if(**put)
        try:  # once: a conflict (an append in flight) means the size has most likely moved
            self._client.transact_write_items(
                TransactItems=[{"Put": put}, at_size(self._log_table, size)]  # type: ignore[typeddict-item]
            )
        except ClientError as error:
            if lost_turn(error, "ConditionalCheckFailed"):
                return False
            raise
        return True


def _turns() -> Iterator[int]:
    """Attempts of a pinned write, numbered, until ``_PINNED_SECONDS`` have passed."""
    ends = time.monotonic() + _PINNED_SECONDS
    attempt = 0
    while time.monotonic() < ends:
        yield attempt
        attempt += 1


def _busy(done: str) -> Busy:
    return Busy(
        f"the subscription or the exchange log kept moving while it was {done}: nothing was "
        "written; send the request again (a signed one under a new webhook-id: the one used "
        "is spent)",
        retry_after=1,
    )
