"""What the exchange log's indexes say of changes: the head as read, each listing's claims and
erasure (``listing#<id>``), which claims a committed chunk holds, and the markers of changes
logged before chunks (``change#<id>``: those, every purge, and every change whose claim was
compacted, ``chalicelib.dynamodb.log_compaction``). All reads are consistent: the exactly-once
argument of ``chalicelib.dynamodb.exchange_log`` depends on it. A listing's index item read
here that has grown past ``HIGH_WATER`` is logged as a warning: the compaction keeps it far
below, so one that grows is a fault to see long before DynamoDB's 400 KB refuse its claims."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib.dynamodb.base import Table, s, text
from chalicelib.dynamodb.conflicts import lost_turn
from chalicelib.dynamodb.item_size import item_size
from chalicelib.dynamodb.log_chunks import chunk_key
from chalicelib.dynamodb.log_transaction import HEAD, Head, claim_key, ids_of, index_key
from gateway_client.contract import Change

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactGetItemTypeDef

logger = logging.getLogger("credit_gateway.exchange_log")
HIGH_WATER = 64 * 1024  # bytes of a listing's index item: a sixth of DynamoDB's limit
COMPACTED = "compacted"  # a ``change#`` marker's flag: the change was logged by a chunk


@dataclass(frozen=True)
class LogState:
    erasures: dict[str, str | None]  # by listing: the purge that erased it, if one did
    logged: dict[str, int]  # by change id: logged in a chunk, at that sequence
    older: dict[str, int]  # by change id: logged before chunks (or a purge), by its marker
    claims: dict[str, int]  # by listing: how many changes its index item holds claims of
    also: dict[str, dict[str, Any]] = field(default_factory=dict)  # other items asked for


_READERS = 4  # BatchGetItem requests at once
_SNAPSHOT = 25  # items a TransactGetItems here: moto still refuses more (DynamoDB takes 100)


def marker_key(change_id: str) -> str:
    return f"change#{change_id}"


class LogIndex(Table):
    def _head(self) -> Head:
        return _head_of(self._get({"pk": s(HEAD)}) or {})

    def _state(
        self,
        changes: Sequence[Change],
        pool: ThreadPoolExecutor,
        also: Sequence[str] = (),
        untried: str | None = None,
    ) -> tuple[Head, LogState] | None:
        """The head, and what the indexes say of ``changes`` at that head: each listing's
        erasure, where each change is logged (by a chunk whose claim it holds, or by a
        marker: compaction's, or an older one), how many claims each listing's index holds;
        and the items ``also`` named, read meanwhile on ``pool`` (not in the snapshot:
        consistent, but of no moment in particular). ``None`` when DynamoDB cancelled the
        snapshot (a write to one of its items in flight: the head moving, most likely); the
        caller reads again, as after a lost turn. ``untried``: a token no transaction has
        named yet (the caller's own claims, stored before this read), not looked up.

        The head, the index items and then the markers, the first ``_SNAPSHOT`` of them in one
        snapshot (``TransactGetItems``: one round trip before every append's transaction, and
        every item as of one moment); any more after it, the index items before their markers.
        So the head is read no later than any index, and each marker no earlier than its
        listing's index, as the exactly-once argument and compaction's need (``exchange_log``,
        ``log_compaction``): a marker read in the same request as its index but not in a
        snapshot could be read first. ``also`` stays out of the snapshot because its items
        (the publisher's state) are written after every append, and a write in flight to any
        item of a snapshot cancels it."""
        listing_ids = list(dict.fromkeys(c.listing.listing_id for c in changes))
        change_ids = list(dict.fromkeys(c.change_id for c in changes))
        indexes = [index_key(x) for x in listing_ids]
        markers = [marker_key(x) for x in change_ids]
        keys = [HEAD, *indexes, *markers]
        others = pool.submit(self._batch, list(also))
        found = self._snapshot(keys[:_SNAPSHOT])
        if found is None:
            return None
        rest = set(keys[_SNAPSHOT:])
        found |= self._batch([k for k in indexes if k in rest])
        found |= self._batch([k for k in markers if k in rest])
        also_found = others.result()
        head = _head_of(found.pop(HEAD, {}))
        erasures = {
            x: text(item, "erased_by")
            if "erased_by" in (item := found.get(index_key(x), {}))
            else None
            for x in listing_ids
        }
        claims = {
            c.change_id: [
                t
                for t in found.get(index_key(c.listing.listing_id), {})
                .get(c.change_id, {})
                .get("SS", [])
                if t != untried
            ]
            for c in changes
        }
        _watch(found)
        logged = self._resolve(claims)
        marked = {
            x: (int(marker["sequence"]["N"]), COMPACTED in marker)
            for x in change_ids
            if x not in logged and (marker := found.get(marker_key(x))) is not None
        }
        logged |= {cid: seq for cid, (seq, compacted) in marked.items() if compacted}
        older = {cid: seq for cid, (seq, compacted) in marked.items() if not compacted}
        counts = {
            x: sum(k.startswith("chg_") for k in found.get(index_key(x), {})) for x in listing_ids
        }
        return head, LogState(erasures, logged, older, counts, also_found)

    def _snapshot(self, keys: Sequence[str]) -> dict[str, dict[str, Any]] | None:
        """The items of ``keys`` (at most ``_SNAPSHOT``) as of one moment, by ``pk``; ``None``
        when DynamoDB cancelled the read for a conflicting write in flight. Cancelled for any
        other reason (throttled, too large), the error is raised as it is."""
        gets: list[TransactGetItemTypeDef] = [
            {"Get": {"TableName": self._table, "Key": {"pk": s(k)}}} for k in keys
        ]
        try:
            reply = self._client.transact_get_items(TransactItems=gets)
        except ClientError as error:
            if not lost_turn(error):
                raise
            return None
        items = [r["Item"] for r in reply.get("Responses", []) if r.get("Item")]
        return {text(item, "pk"): dict(item) for item in items}

    def _resolve(self, claims: Mapping[str, Sequence[str]]) -> dict[str, int]:
        """Each change's sequence, if a chunk it claimed was committed and holds it."""
        tokens = sorted({t for ts in claims.values() for t in ts})
        committed = {
            key.removeprefix("claim#"): int(item["first"]["N"])
            for key, item in self._batch([claim_key(t) for t in tokens]).items()
        }
        if not committed:
            return {}
        chunks = self._batch([chunk_key(f) for f in sorted(set(committed.values()))])
        held: dict[int, dict[str, int]] = {}
        for item in chunks.values():
            first = int(item["first"]["N"])
            held[first] = {cid: first + i for i, cid in enumerate(ids_of(bytes(item["ids"]["B"])))}
        logged: dict[str, int] = {}
        for change_id, tokens_of in claims.items():
            for t in tokens_of:
                if t in committed and change_id in held.get(committed[t], {}):
                    logged[change_id] = held[committed[t]][change_id]
        return logged

    def _marked(self, change_ids: Sequence[str]) -> dict[str, int]:
        """Changes found by their own marker: a purge's, any logged before chunks, and any
        whose claim was compacted."""
        return {cid: seq for cid, (seq, _) in self._markers(change_ids).items()}

    def _markers(self, change_ids: Sequence[str]) -> dict[str, tuple[int, bool]]:
        """``_marked``, and whether each marker was left by compaction (so the change was
        logged by a chunk, its statistics delta counted there)."""
        keys = [marker_key(cid) for cid in dict.fromkeys(change_ids)]
        return {
            key.removeprefix("change#"): (int(item["sequence"]["N"]), COMPACTED in item)
            for key, item in self._batch(keys).items()
        }

    def _batch(
        self, keys: Sequence[str], projection: str | None = None
    ) -> dict[str, dict[str, Any]]:
        """Consistent reads by ``pk``, 100 keys a request, the requests at once."""
        pages = [keys[start : start + 100] for start in range(0, len(keys), 100)]
        if len(pages) <= 1:
            return self._page(pages[0], projection) if pages else {}
        found: dict[str, dict[str, Any]] = {}
        with ThreadPoolExecutor(max_workers=min(len(pages), _READERS)) as pool:
            for part in pool.map(lambda page: self._page(page, projection), pages):
                found.update(part)
        return found

    def _page(self, keys: Sequence[str], projection: str | None) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        request: dict[str, Any] = {"Keys": [{"pk": s(k)} for k in keys], "ConsistentRead": True}
        if projection is not None:
            request["ProjectionExpression"] = projection
        pending: dict[str, Any] = {self._table: request}
        while pending:
            reply = self._client.batch_get_item(RequestItems=pending)
            for item in reply.get("Responses", {}).get(self._table, []):
                found[text(item, "pk")] = dict(item)
            pending = dict(reply.get("UnprocessedKeys") or {})
        return found


def _head_of(item: Mapping[str, Any]) -> Head:
    return Head(
        int(item.get("sequence", {}).get("N", 0)), int(item.get("generation", {}).get("N", 0))
    )


def _watch(found: Mapping[str, Mapping[str, Any]]) -> None:
    """Warn of any listing's index item past ``HIGH_WATER`` (its id is no personal data)."""
    for key, item in found.items():
        if (size := item_size(item)) > HIGH_WATER:
            logger.warning(
                "the exchange log's index of %s holds %d bytes (DynamoDB refuses 400 KB): "
                "claims are not being compacted",
                key.removeprefix("listing#"),
                size,
            )
