"""The transaction that appends one chunk to the exchange log (``exchange_log``): the head
moved on, conditioned on the size it was read at; the chunk's item; its first sequence added to
its block; per listing one index update, each change's id holding its sequence, conditioned on
none of them being there yet and on the listing's erasure as the appender saw it; a marker per
purge. With the statistics counters the chunk's records move (their summed deltas), it stays
within DynamoDB's 100 actions (``take``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from chalicelib.dynamodb.base import n, s
from chalicelib.dynamodb.log_chunks import BLOCK, MOST, Sealed, block_key, chunk_key
from gateway.statistics import Key
from gateway_client.contract import Change, ChangeType

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

HEAD = "head"
_ACTIONS = 100  # TransactWriteItems' most


def index_key(listing_id: str) -> str:
    return f"listing#{listing_id}"


def take(pending: Sequence[Change], tallies: Mapping[str, Mapping[Key, int]]) -> list[Change]:
    """The next chunk: as many changes as one transaction holds (the head, the chunk, its
    block, one index update per listing, a marker per purge and one update per statistics
    counter item), ``MOST`` at most."""
    touched: set[tuple[str, ...]] = set()
    actions = 3
    taken: list[Change] = []
    for change in pending[:MOST]:
        new = {("listing", change.listing.listing_id)}
        new |= {(region, bucket) for region, bucket, _ in tallies.get(change.change_id, {})}
        more = len(new - touched) + (change.type is ChangeType.PURGED)
        if actions + more > _ACTIONS:
            break
        actions += more
        touched |= new
        taken.append(change)
    return taken


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
    sequence: int,
    chunk: Sequence[Change],
    sealed: Sealed,
    erased: dict[int, str],
    indexes: dict[str, str | None],
) -> list[TransactWriteItemTypeDef]:
    first, last = sequence + 1, sequence + len(chunk)
    items: list[TransactWriteItemTypeDef] = [
        _update(
            table,
            HEAD,
            "SET #seq = :new",
            "attribute_not_exists(pk) AND :old = :zero OR #seq = :old",
            {"#seq": "sequence"},
            {":new": n(last), ":old": n(sequence), ":zero": n(0)},
        ),
        _new(
            table,
            {
                "pk": s(chunk_key(first)),
                "first": n(first),
                "count": n(len(chunk)),
                "object": s(sealed.object_key),
                "keys": {"M": {k: {"B": v} for k, v in sealed.keys.items()}},
                "erased": {"M": {str(k): s(v) for k, v in erased.items()}},
            },
        ),
        _update(
            table,
            block_key(first // BLOCK),
            "ADD chunks :first",
            None,
            None,
            {":first": {"NS": [str(first)]}},
        ),
    ]
    by_listing: dict[str, dict[str, int]] = {}
    for offset, change in enumerate(chunk):
        by_listing.setdefault(change.listing.listing_id, {})[change.change_id] = first + offset
        if change.type is ChangeType.PURGED:  # found by its id alone: sequence_of
            marker = {"pk": s(f"change#{change.change_id}"), "sequence": n(first + offset)}
            items.append(_new(table, marker))
    for listing_id, logged in by_listing.items():
        items.append(_index_update(table, listing_id, logged, indexes.get(listing_id)))
    return items


def _index_update(
    table: str, listing_id: str, logged: dict[str, int], erased_by: str | None
) -> TransactWriteItemTypeDef:
    """Each change's sequence under its id, none of them there yet, and the listing's
    erasure as the chunk saw it (a purge in between cancels the transaction)."""
    names = {f"#c{i}": change_id for i, change_id in enumerate(logged)}
    sets = {f":c{i}": n(x) for i, x in enumerate(logged.values())}
    absent = " AND ".join(f"attribute_not_exists({name})" for name in names)
    erasure = "attribute_not_exists(erased_by)"
    values = dict(sets)
    if erased_by is not None:
        erasure = "erased_by = :erased"
        values[":erased"] = s(erased_by)
    expression = ", ".join(f"{a} = {v}" for a, v in zip(names, sets, strict=True))
    return _update(
        table,
        index_key(listing_id),
        f"SET {expression}",
        f"{absent} AND {erasure}",
        names,
        values,
    )


def _new(table: str, item: dict[str, Any]) -> TransactWriteItemTypeDef:
    return {
        "Put": {
            "TableName": table,
            "Item": item,
            "ConditionExpression": "attribute_not_exists(pk)",
        }
    }
