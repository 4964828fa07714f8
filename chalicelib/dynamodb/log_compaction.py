"""Compaction of the exchange log's per-listing index (``listing#<id>``), so that it stays small
however many changes one listing has.

Why: each change leaves a claim there (about 55 bytes, and a token more per retry) that nothing
removed. Near DynamoDB's 400 KB item limit (≈ 7,000 changes of one listing: daily for twenty
years, or restated by many agreement revisions) its claims and its erasure would fail, stalling
the stream shard and breaching retention; long before, every claim, an update of that item,
bills a write unit per kilobyte of it.

How: when an append finds a listing's index holding ``compact_at`` claims or more, the changes
whose claims are settled (a token naming a committed chunk that holds the change, or a marker
written by an earlier compaction) leave it, ``SLICE`` at a time, by sequence:

1. each change settled by its token gets a marker ``change#<id>`` with its sequence, flagged
   ``compacted``: what ``LogIndex._state`` finds a retried change by, one read per change;
2. their sequences are added (``ADD``: racing or repeated compactions merge) to the page
   ``listing#<id>#<n>``, ``n`` the index's ``pages`` as read: what erasure and
   ``sequences_of`` read besides the claims;
3. one update removes their claims and moves ``pages`` to ``n + 1``, if it is still ``n``
   (a compaction that lost that race stops: the winner counted page ``n``, so the loser's
   sequences there are read too, and its claims stay, to be compacted again).

Exactly once (the argument in ``chalicelib.dynamodb.exchange_log``) still holds. A claim leaves
only in 3, after its change's marker (1) and page (2) are written, and only once its change is
logged; no attempt logs that change again, so no token removed with it (a retry's, added at any
time) could later name a chunk that holds it. An attempt B that reads the claims of c after A
logged c either finds A's token, or finds the claim gone: then 3 came before that read, and B
reads the markers of what its claims do not settle after it, so it finds c's. A claim a retry
adds back after 3 is settled by the marker and removed by the next compaction. Erasure reads
the index again once the head's generation moved, then pages ``0 … pages - 1``: a claim
already gone by then had its page written below that count, and any claim still there is
resolved as before.

The bound: after each append, every listing it found crowded holds only claims of changes not
logged yet (the appends in flight, or a change whose stream record went to the failure
destination after its bounded retries, ``infra/stream_failures.py``, until a re-drive logs it;
the high-water warning, ``log_index.HIGH_WATER``, shows such growth long before the limit), unless
DynamoDB refused the compaction or it lost the race for a page: then the listing's next append
compacts what is left. So the index holds fewer than ``compact_at`` settled claims besides
those of the changes in flight; a page holds at most ``SLICE`` sequences of each compaction
that wrote it, a marker one change. What grows with a listing's history is the number of small
items, never the size of one.

Cost: nothing for a listing with fewer than ``compact_at`` changes; past that, a marker per
change (1 write unit) and a share of a page and an update per slice, while the index stays
under a kilobyte (885 bytes by DynamoDB's sizing at 16 claims, in the tests) and each of its
claims 1 write unit. Logs of older shapes: their ``sequences`` set is left where it is (it no
longer grows), their claims compacted like any, ``ROUNDS`` slices an append (so an index grown
to thousands of claims before compaction existed shrinks over a few appends of its listing,
none of them long).
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib.dynamodb.base import n, s
from chalicelib.dynamodb.log_index import COMPACTED, LogIndex, logger, marker_key
from chalicelib.dynamodb.log_transaction import index_key

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

COMPACT_AT = 16  # claims: ≈ 900 bytes, so a claim still bills one write unit
_COMPACTORS = 4  # listings compacted at once
# Markers put at once, one PutItem each: the policies of the functions that append grant no
# BatchWriteItem on the log, since it could delete (``infra/table_access.py``).
_PUTTERS = 8
SLICE = 100  # claims removed by one update: its expression stays far below DynamoDB's 4 KB
ROUNDS = 10  # slices one compaction moves at most (see the module docstring)


def page_key(listing_id: str, number: int) -> str:
    return f"{index_key(listing_id)}#{number}"


def claims_of(index: Mapping[str, Any], but: str | None = None) -> dict[str, list[str]]:
    """The listing's claims: change id → the tokens of the attempts that claimed it."""
    return {k: v["SS"] for k, v in index.items() if k.startswith("chg_") and k != but}


def older_of(index: Mapping[str, Any]) -> list[int]:
    """The sequences a listing's index held before chunks (a set, removed once erased)."""
    return sorted(int(x) for x in index.get("sequences", {}).get("NS", []))


def pages_of(index: Mapping[str, Any]) -> int:
    return int(index.get("pages", {}).get("N", 0))


class CompactingIndex(LogIndex):
    def __init__(
        self, client: DynamoDBClient, table_name: str, compact_at: int = COMPACT_AT
    ) -> None:
        super().__init__(client, table_name)
        self._compact_at = compact_at

    def _compact_crowded(self, claims: Mapping[str, int]) -> None:
        """Compact each listing whose index was read holding ``compact_at`` claims or more, a
        few at once (after an upgrade, a batch may find every one of its listings crowded)."""
        crowded = [x for x, count in claims.items() if count >= self._compact_at]
        if len(crowded) == 1:
            self._compact_or_leave(crowded[0])
        elif crowded:
            with ThreadPoolExecutor(max_workers=_COMPACTORS) as pool:
                list(pool.map(self._compact_or_leave, crowded))

    def _compact_or_leave(self, listing_id: str) -> None:
        """A compaction DynamoDB refuses (throttled, say) is left to the listing's next append:
        its claims are all still there, and the high-water warning shows if it never happens."""
        try:
            self._compact(listing_id)
        except ClientError:  # the changes are logged: the batch must not fail for this
            logger.warning(
                "the exchange log's index of %s not compacted", listing_id, exc_info=True
            )

    def _compact(self, listing_id: str) -> int:
        """Take the listing's settled claims out of its index (module docstring), at most
        ``ROUNDS`` slices of them; how many."""
        index = self._get({"pk": s(index_key(listing_id))}) or {}
        if "erased_by" in index:  # nothing of it is appended or read any more
            return 0
        claims = claims_of(index)
        logged = self._resolve(claims)
        marked = self._marked([cid for cid in claims if cid not in logged])
        settled = sorted({**marked, **logged}.items(), key=lambda x: x[1])
        pages, moved = pages_of(index), 0
        for start in range(0, min(len(settled), SLICE * ROUNDS), SLICE):
            part = dict(settled[start : start + SLICE])
            fresh = {cid: x for cid, x in part.items() if cid in logged}
            if not self._move(listing_id, pages, part, fresh):
                break
            pages, moved = pages + bool(fresh), moved + len(part)
        return moved

    def _move(
        self, listing_id: str, page: int, part: Mapping[str, int], fresh: Mapping[str, int]
    ) -> bool:
        """Steps 1–3 for one slice: markers and page for ``fresh`` (the rest have theirs), then
        the claims of ``part`` removed; whether the index took it."""
        markers = [
            {"pk": s(marker_key(cid)), "sequence": n(x), COMPACTED: {"BOOL": True}}
            for cid, x in fresh.items()
        ]
        if markers:
            with ThreadPoolExecutor(max_workers=_PUTTERS) as pool:
                list(
                    pool.map(
                        lambda m: self._client.put_item(TableName=self._table, Item=m), markers
                    )
                )
        names = {f"#c{i}": cid for i, cid in enumerate(part)}
        update: dict[str, Any] = {
            "TableName": self._table,
            "Key": {"pk": s(index_key(listing_id))},
            "UpdateExpression": "REMOVE " + ", ".join(names),
            "ExpressionAttributeNames": names,
        }
        if fresh:
            self._client.update_item(
                TableName=self._table,
                Key={"pk": s(page_key(listing_id, page))},
                UpdateExpression="ADD #seqs :seqs",
                ExpressionAttributeNames={"#seqs": "sequences"},
                ExpressionAttributeValues={":seqs": {"NS": [str(x) for x in fresh.values()]}},
            )
            update["UpdateExpression"] += " SET #pages = :next"
            update["ConditionExpression"] = (
                "attribute_not_exists(#pages) AND :at = :zero OR #pages = :at"
            )
            names["#pages"] = "pages"
            update["ExpressionAttributeValues"] = {
                ":next": n(page + 1),
                ":at": n(page),
                ":zero": n(0),
            }
        return self._update_if(**update)

    def _listed(
        self, listing_id: str, index: Mapping[str, Any], but: str | None = None
    ) -> list[int]:
        """Where the listing's changes are logged in chunks, by its index as read: its
        committed claims and its pages; not ``but``'s (a purge's, whose body stays)."""
        found = set(self._resolve(claims_of(index, but)).values())
        count = pages_of(index)
        if count:
            pages = self._batch([page_key(listing_id, i) for i in range(count)])
            found |= {int(x) for p in pages.values() for x in p.get("sequences", {}).get("NS", [])}
            if but is not None:  # a purge has a marker of its own
                found -= set(self._marked([but]).values())
        return sorted(found)
