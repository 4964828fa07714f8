"""What one delivery record holds, kept under 1 KB so a delivery's one write costs one write unit.

The record keeps ids, state, attempts and what a re-drive needs besides the change (``resend``,
without the ids the record holds anyway); never the change or the listing, which the exchange
log holds and a re-drive or replay rebuilds from (``gateway.delivery.redelivery``). Two things
could make it large and are bounded here: a recognition with many measures (texts of up to 500
characters each) is stored once, under its digest, in an item of its own that any number of
records name (``SharedRecognitions``); and a delivered attempt keeps no answer at all, for what an
endpoint answers when it accepts a delivery is not what anyone diagnoses, and may echo the body
it got (failures keep an excerpt scrubbed of ID numbers: ``gateway_client.contract.scrub_excerpt``).

A record is in an index only while something must find it there, so that a delivery its
endpoint accepts at the first attempt — nearly all of them — costs its one write and no index
write (a GSI entry costs at least a unit, whatever it projects):

* ``by_subscription_shard`` (the subscription's delivery list, and what pause, verify, enable
  and "re-drive all dead" look for) holds a record once an attempt did not deliver it; its
  partition key spreads one subscription over ``SHARDS`` partitions (about 1,000 writes a second
  each) and it projects the state only, so a listing filters dead or retrying ones in the index.
  A record delivered at once is listed through its page (``delivery_pages``). A dead record
  is in partitions of its own, ``SHARDS`` more (``DEAD``), so that what resume, verify, enable
  and a re-drive read of what is dead is the dead alone — not every page the subscription was
  ever queued, nor every record delivered after a retry (review 319: behind a month's pages
  those reads ran out of time and found nothing) — and one an ``enable`` may decline
  (``declinable``: held back while its endpoint was off) in ``SHARDS`` more (``DECLINABLE``),
  which a read after a declining enable starts at the time it declined up to: a long outage's
  declined backlog is never read through again (review 309). A record reopened by a re-drive
  keeps its partition until its next attempt moves it.
* ``by_listing`` (``listing_id``: what the purge blanks answers through, and receipts of
  deliveries the log cannot name) holds a record that was not delivered at once — its attempts
  may keep an answer — and one whose event the log cannot derive its id from (anything but
  ``listing.changed``: ``delivery_receipts``), and a replay's record (the log names its
  original's id, not the replay's). The listing is kept as ``listing`` for views.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from chalicelib.dynamodb.base import Table, s, text
from gateway.delivery import (
    NEVER_SENT,
    Attempt,
    Delivery,
    DeliveryRecord,
    DeliveryState,
    Kind,
    Resend,
    declinable,
    resend_of,
)
from gateway_client.contract import Recognition

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

SHARDS = 8
"""Partitions per subscription in ``by_subscription_shard``: ~8,000 deliveries a second each."""

INLINE_RESEND_BYTES = 320
"""Above this, the recognition leaves ``resend`` for a shared item (the record stays < 1 KB)."""

_IDS = ("delivery_id", "subscription_id", "change_id")  # attributes of the record itself
_KEYS = ("record_id", *_IDS)  # a replay's record: its key, the webhook id as ``replay_of``
_RECOGNITION_PREFIX = "recognition#"


ORDINARY, DEAD, DECLINABLE = "", "dead#", "off#"
"""The kinds of partition of a subscription's (see above)."""
EVERY_PART = (ORDINARY, DEAD, DECLINABLE)


def shard_key(subscription_id: str, delivery_id: str, part: str = ORDINARY) -> str:
    """The delivery's partition in ``by_subscription_shard``, of the kind ``part``: from its
    id (a hash), so retries and duplicates of one delivery land on the same entry."""
    return f"{subscription_id}#{part}{zlib.crc32(delivery_id.encode()) % SHARDS}"


def shard_keys(subscription_id: str, parts: tuple[str, ...] = EVERY_PART) -> list[str]:
    """The subscription's partitions of the kinds ``parts``."""
    return [f"{subscription_id}#{part}{n}" for part in parts for n in range(SHARDS)]


def part_of(state: DeliveryState, not_sent: str | None, status: int | None, kind: Kind) -> str:
    """The kind of partition a record in ``state`` is in, its last attempt not sent for
    ``not_sent`` (or answered ``status``), its delivery of ``kind`` (see above). One settled
    without a post for good (``NEVER_SENT``: its listing purged, a restatement superseded) is
    never re-driven, so it is in the ordinary ones (review 324: every dead read passed it)."""
    if state is not DeliveryState.DEAD or not_sent in NEVER_SENT:
        return ORDINARY
    return DECLINABLE if declinable(not_sent, status, kind) else DEAD


def may_be_sent(item: Mapping[str, Any]) -> bool:
    """A stored record of a delivery that was sent or may be yet: any but a dead one settled
    without a post for good (``NEVER_SENT``: in an ordinary partition, see ``part_of``), which
    no re-drive sends (review 393: its listing's end went to a subscription never sent it)."""
    if item.get("state", {}).get("S") != DeliveryState.DEAD.value:
        return True
    shard = item.get("subscription_shard", {}).get("S", "")
    return any(f"#{part}" in shard for part in (DEAD, DECLINABLE))


def index_keys(delivery: Delivery, attempt: Attempt, state: DeliveryState) -> dict[str, str]:
    """The index keys a record is written with in ``state`` after ``attempt`` (see above); a
    record keeps what it has, so one that failed once stays in both indexes, its state, time
    and partition moving there."""
    keys: dict[str, str] = {}
    if state is not DeliveryState.DELIVERED:
        kind = (delivery.type, delivery.change.type.value)
        part = part_of(state, attempt.not_sent, attempt.status, kind)
        keys["subscription_shard"] = shard_key(delivery.subscription_id, delivery.record_key, part)
    # a replay's record, whatever its state: a change the subscription got by replay alone
    # (its original was a batch's line, or never planned) is found received through it
    replay = delivery.record_id is not None
    if state is not DeliveryState.DELIVERED or delivery.type != "listing.changed" or replay:
        keys["listing_id"] = delivery.change.listing.listing_id
    return keys


def stored_attempt(attempt: Attempt, state: DeliveryState) -> str:
    if state is DeliveryState.DELIVERED:
        attempt = attempt.model_copy(update={"response_excerpt": ""})
    return attempt.model_dump_json(exclude_defaults=True)


def read_attempt(raw: str) -> Attempt:
    return Attempt.model_validate_json(raw)


def resend_doc(delivery: Delivery) -> tuple[str, Recognition | None]:
    """``resend`` as stored, and the recognition to store apart (None: it is inline)."""
    doc = resend_of(delivery).model_dump(mode="json", exclude=set(_KEYS), exclude_defaults=True)
    inline = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    if len(inline.encode()) <= INLINE_RESEND_BYTES:
        return inline, None
    doc["recognition_ref"] = recognition_digest(delivery.recognition)
    del doc["recognition"]
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")), delivery.recognition


def recognition_digest(recognition: Recognition) -> str:
    return hashlib.sha256(recognition.model_dump_json().encode()).hexdigest()[:32]


def kept_of(item: dict[str, Any], recognitions: SharedRecognitions) -> Resend | None:
    """The record's ``resend`` with its ids (records of the previous shape stored it whole)."""
    if "resend" not in item:
        return None
    doc = json.loads(text(item, "resend"))
    for name in _IDS:
        doc.setdefault(name, text(item, name))
    if "replay_of" in item:
        doc.update(delivery_id=text(item, "replay_of"), record_id=text(item, "delivery_id"))
    ref = doc.pop("recognition_ref", None)
    if ref is not None:
        recognition = recognitions.get(ref)
        if recognition is None:
            return None
        doc["recognition"] = recognition
    return Resend.model_validate(doc)


def kind_of(item: dict[str, Any]) -> dict[str, str | None]:
    """The event a record's delivery sent and the type of the change it carried, as ``type``
    and ``change_type`` (None: no ``resend`` kept, a batch's record)."""
    kept = json.loads(text(item, "resend")) if "resend" in item else {}
    return {"type": kept.get("type"), "change_type": kept.get("change_type")}


def record_of(item: dict[str, Any]) -> DeliveryRecord:
    return DeliveryRecord(
        delivery_id=text(item, "delivery_id"),
        subscription_id=text(item, "subscription_id"),
        state=DeliveryState(text(item, "state")),
        credit_code=text(item, "credit_code"),
        listing_id=text(item, "listing" if "listing" in item else "listing_id"),
        origin_region=text(item, "origin_region"),
        updated_at=text(item, "updated_at"),
        asks_feedback="ends_listing" not in item,
    )


def view_of(item: dict[str, Any]) -> dict[str, Any]:
    """A delivery as operators and subscribers see it: state and every attempt."""
    record = record_of(item)
    attempts = [
        read_attempt(a["S"]).model_dump(mode="json") for a in item.get("attempts", {}).get("L", [])
    ]
    replayed = {"replay_of": text(item, "replay_of")} if "replay_of" in item else {}
    return {
        "delivery_id": record.delivery_id,
        **replayed,  # a replay's record: the delivery (and webhook id) it sent again
        "subscription_id": record.subscription_id,
        "state": record.state.value,
        "listing_id": record.listing_id,
        "updated_at": record.updated_at,
        "attempts": attempts,
    }


class SharedRecognitions(Table):
    """Large recognitions, once each, in the deliveries table under ``recognition#<digest>``
    (no subscription or listing attribute: in no index, never listed, never counted). They
    hold agreements' measures and a region, no personal data, so no purge needs to reach
    them. Each process remembers what it stored, so a recognition shared by many deliveries
    costs one read (and at most one write) per process, not one write per delivery."""

    _REMEMBERED = 4096

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        super().__init__(client, table_name)
        self._stored: set[str] = set()
        self._known: dict[str, Recognition] = {}

    def keep(self, recognition: Recognition) -> str:
        """Stores ``recognition`` unless known stored; its digest, which names it. An item
        under the digest that is not what it names is replaced (review 380: every delivery
        naming it failed, and nothing repaired it)."""
        digest = recognition_digest(recognition)
        if digest in self._stored:
            return digest
        key = {"delivery_id": s(_RECOGNITION_PREFIX + digest)}
        doc = recognition.model_dump_json()
        found = self._get(key, consistent=False)
        if found is None:
            self._put_if(
                TableName=self._table,
                Item={**key, "recognition": s(doc)},
                ConditionExpression="attribute_not_exists(delivery_id)",
            )
        elif text(found, "recognition") != doc:  # the digest names exactly this text
            self._put_if(
                TableName=self._table,
                Item={**key, "recognition": s(doc)},
                ConditionExpression="recognition = :held",
                ExpressionAttributeValues={":held": found["recognition"]},
            )
        if len(self._stored) >= self._REMEMBERED:
            self._stored.clear()
        self._stored.add(digest)
        return digest

    def get(self, digest: str) -> Recognition | None:
        """Named by its digest, a recognition never changes: each is read once per process
        (a replay's originals may share one a thousand times). One that is not what its digest
        names is not read (the functions that queue deliveries may write these items)."""
        known = self._known.get(digest)
        if known is not None:
            return known
        item = self._get({"delivery_id": s(_RECOGNITION_PREFIX + digest)})
        if item is None:
            return None
        found = Recognition.model_validate_json(text(item, "recognition"))
        if recognition_digest(found) != digest:
            return None
        if len(self._known) >= self._REMEMBERED:
            self._known.clear()
        self._known[digest] = found
        return found
