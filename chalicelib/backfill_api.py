"""One-off backfills an upgrade asks of the operator: delivery records written before the
sharded subscription index get their shard key, and those dead before the dead had partitions
of their own move there (``dynamodb.delivery_backfill``)."""

from __future__ import annotations

from chalice.app import Request, Response
from pydantic import Field

from chalicelib import caller
from chalicelib.bootstrap import container
from chalicelib.caller import int_param
from chalicelib.dynamodb.delivery_backfill import backfill_shards
from chalicelib.http_errors import json_response
from chalicelib.route_spec import Access, Operation, Param, Reply, Tag, count_param
from gateway_client.contract import Frozen, errors

_PAGE, _MAX_PAGE = 500, 1000  # a Scan page and its updates inside API Gateway's 29 s


class ShardsBackfilled(Frozen):
    updated: int = Field(description="records of this page that got their shard key or moved")
    next: str | None = Field(description="pass it as `after` for the next page; null: done")


def backfill_delivery_shards(request: Request) -> Response:
    caller.require_operator(request)
    after = caller.query(request, "after")
    limit = int_param(request, "limit", _PAGE, 1, _MAX_PAGE)
    c = container()
    updated, following = backfill_shards(
        c.aws_clients["dynamodb"],
        c.settings.deliveries_table,
        c.shard_backfill_tokens,
        after,
        limit,
    )
    return json_response(200, {"updated": updated, "next": following})


ROUTES: tuple[Operation, ...] = (
    Operation(
        "POST",
        "/v1/deliveries/shards/backfill",
        "delivery_shards_backfill",
        Tag.SUBS,
        "Key the delivery records stored before the sharded subscription index, or dead before "
        "its dead partitions (once, after an upgrade)",
        Access.OPERATOR,
        {200: Reply(ShardsBackfilled, "How many records of the page were keyed, and `next`.")},
        (errors.SchemaError,),
        query=(
            count_param("limit", _PAGE, _MAX_PAGE),
            Param("after", {"type": "string"}, "The `next` of the previous page."),
        ),
        description="A record gets its shard key at its next attempt; one parked or dead "
        "before the upgrade has none, so a subscription's delivery list, a resume, verify or "
        "enable, and re-driving the dead would never find it; one dead before the dead had "
        "partitions of their own is no longer read where it is. A one-off: it scans the "
        "deliveries table, a page a call — call it with each `next` until null. Running it "
        "again writes only records not yet in the partition they belong in.",
        handler=backfill_delivery_shards,
    ),
)
