"""The writes that append one chunk to the exchange log (``exchange_log``): the claims made
before (``claim``: a token per change in its listing's index), and the transaction
(``actions``): the head moved on, conditioned on the size and erasure generation it was read
at; the chunk's item (its object, its change ids, a body key per entry); its claim item naming
its first sequence; its first sequence added to its block; a marker per purge. With the
statistics counters its records move (their summed deltas), it stays within DynamoDB's 100
actions (``take``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.dynamodb.base import n, s
from chalicelib.dynamodb.log_chunks import BLOCK, MOST, Sealed, block_key, chunk_key
from gateway.statistics import Key
from gateway_client.contract import Change, ChangeType

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

HEAD = "head"
_ACTIONS = 100  # TransactWriteItems' most
ALONE = _ACTIONS - 5
"""The counter items one change may bring and still be logged with them (beside the head, the
chunk, its claim, its block and a purge's marker); a change bringing more is logged alone and
its counters added apart (``statistics_counting.log_counted``)."""


def index_key(listing_id: str) -> str:
    return f"listing#{listing_id}"


def claim_key(token: str) -> str:
    return f"claim#{token}"


@dataclass(frozen=True)
class Head:
    """The head as read: the size, and how many erasures it has seen (``generation``)."""

    size: int
    generation: int


_SIZE_IS = "(attribute_not_exists(#seq) AND :old = :zero OR #seq = :old)"


def at_size(table: str, size: int) -> TransactWriteItemTypeDef:
    """A transaction's check that the log holds exactly ``size`` entries: what pins a write to
    one point between appends (a subscription's ``log_start`` or ``terms_since``)."""
    return {
        "ConditionCheck": {
            "TableName": table,
            "Key": {"pk": s(HEAD)},
            "ConditionExpression": _SIZE_IS,
            "ExpressionAttributeNames": {"#seq": "sequence"},
            "ExpressionAttributeValues": {":old": n(size), ":zero": n(0)},
        }
    }


def take(pending: Sequence[Change], tallies: Mapping[str, Mapping[Key, int]]) -> list[Change]:
    """The next chunk: as many changes as one transaction holds (the head, the chunk, its
    claim, its block, a marker per purge and one update per statistics counter item),
    ``MOST`` at most."""
    touched: set[tuple[str, str]] = set()
    actions = 4
    taken: list[Change] = []
    for change in pending[:MOST]:
        new = {(region, bucket) for region, bucket, _ in tallies.get(change.change_id, {})}
        more = len(new - touched) + (change.type is ChangeType.PURGED)
        if actions + more > _ACTIONS:
            break
        actions += more
        touched |= new
        taken.append(change)
    return taken


def claim(table: str, listing_id: str, change_ids: Sequence[str], token: str) -> dict[str, Any]:
    """The ``UpdateItem`` adding ``token`` to each change's claims in its listing's index."""
    names = {f"#c{i}": change_id for i, change_id in enumerate(change_ids)}
    return {
        "TableName": table,
        "Key": {"pk": s(index_key(listing_id))},
        "UpdateExpression": "ADD " + ", ".join(f"{name} :token" for name in names),
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": {":token": {"SS": [token]}},
    }


def claims(table: str, changes: Sequence[Change], token: str) -> list[dict[str, Any]]:
    """The claims of ``changes``: one ``claim`` per listing."""
    by_listing: dict[str, list[str]] = {}
    for change in changes:
        by_listing.setdefault(change.listing.listing_id, []).append(change.change_id)
    return [claim(table, x, ids, token) for x, ids in by_listing.items()]


def ids_blob(change_ids: Sequence[str]) -> bytes:
    """Change ids (``chg_`` and 32 hex digits) as 16 bytes each, in order."""
    return b"".join(bytes.fromhex(x.removeprefix("chg_")) for x in change_ids)


def ids_of(blob: bytes) -> list[str]:
    return ["chg_" + blob[i : i + 16].hex() for i in range(0, len(blob), 16)]


def _update(
    table: str,
    pk: str,
    expression: str,
    condition: str | None,
    names: dict[str, str] | None,
    values: dict[str, Any],
) -> TransactWriteItemTypeDef:
    update: dict[str, Any] = {
        "TableName": table,
        "Key": {"pk": s(pk)},
        "UpdateExpression": expression,
        "ExpressionAttributeValues": values,
    }
    if condition is not None:
        update["ConditionExpression"] = condition
    if names:
        update["ExpressionAttributeNames"] = names
    return {"Update": update}  # type: ignore[typeddict-item]


def actions(
    table: str,
    head: Head,
    chunk: Sequence[Change],
    sealed: Sealed,
    erased: dict[int, str],
    token: str,
) -> list[TransactWriteItemTypeDef]:
    first, last = head.size + 1, head.size + len(chunk)
    items: list[TransactWriteItemTypeDef] = [
        _update(
            table,
            HEAD,
            "SET #seq = :new",
            f"{_SIZE_IS} AND (attribute_not_exists(#gen) AND :gen = :zero OR #gen = :gen)",
            {"#seq": "sequence", "#gen": "generation"},
            {":new": n(last), ":old": n(head.size), ":gen": n(head.generation), ":zero": n(0)},
        ),
        _new(
            table,
            {
                "pk": s(chunk_key(first)),
                "first": n(first),
                "count": n(len(chunk)),
                "object": s(sealed.object_key),
                "ids": {"B": ids_blob([c.change_id for c in chunk])},
                "keys": {"M": {k: {"B": v} for k, v in sealed.keys.items()}},
                "erased": {"M": {str(k): s(v) for k, v in erased.items()}},
            },
        ),
        _new(table, {"pk": s(claim_key(token)), "first": n(first)}),
        _update(
            table,
            block_key(first // BLOCK),
            "ADD chunks :first",
            None,
            None,
            {":first": {"NS": [str(first)]}},
        ),
    ]
    for offset, change in enumerate(chunk):
        if change.type is ChangeType.PURGED:  # found by its id alone: sequence_of
            marker = {"pk": s(f"change#{change.change_id}"), "sequence": n(first + offset)}
            items.append(_new(table, marker))
    return items


def _new(table: str, item: dict[str, Any]) -> TransactWriteItemTypeDef:
    return {
        "Put": {
            "TableName": table,
            "Item": item,
            "ConditionExpression": "attribute_not_exists(pk)",
        }
    }
