"""What batching the listings' conditional writes would save in CPU, measured on the local stack
(not part of ``make bench``; issue 15's ``bulk_vs_naive_cpu``).

A bulk upload and the naive loop both write each new listing with its own conditional
``PutItem`` (``DynamoListings._create``; BatchWriteItem takes no condition, and the condition is
what keeps a push landing between the bulk's read and its write from being overwritten), so
their CPU per entry is mostly boto3's cost of one request per listing, and bulk cannot be 10×
the naive loop while it writes that way. Here the same create requests are sent three ways and
the CPU time of this process (the gateway's side; moto runs in its own) is divided by the
listings written:

* ``put_item``: one conditional PutItem each (what bulk and naive do);
* ``transact_write_items_100``: the same conditional Puts, 100 to a TransactWriteItems (a
  transaction fails whole when one condition fails, and DynamoDB charges two write units per
  item written in one: the bulk path would have to retry the others and pay double);
* ``batch_write_item_25``: unconditional puts, 25 to a BatchWriteItem, for reference only (not
  safe for the gateway, see above).

    python -m bench.write_batching [N] [OUT.json]      (default N = 2,000 listings a way)
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from bench.common import CITY
from bench.stack import ExternalStack, MotoProcess
from chalicelib.bootstrap import container
from gateway.intake import promote
from gateway_client.contract import Listing, ListingEntry
from infra.local import synthetic


def _listings(start: int, n: int) -> list[Listing]:
    now = datetime.now(UTC)
    made = []
    for raw in synthetic.entries(CITY, range(start, start + n)):
        listing = promote(ListingEntry.model_validate(raw), CITY, now)
        assert listing is not None
        made.append(listing)
    return made


def measure(n: int) -> dict[str, Any]:
    moto = MotoProcess()
    try:
        stack = ExternalStack(moto_endpoint=moto.endpoint).start()
        try:
            table = container().listings
            client = container().aws_clients["dynamodb"]

            def one_each(batch: Sequence[Listing]) -> None:
                for listing in batch:
                    client.put_item(**table._create(listing, CITY))

            def transactions(batch: Sequence[Listing]) -> None:
                for i in range(0, len(batch), 100):
                    puts = [{"Put": table._create(x, CITY)} for x in batch[i : i + 100]]
                    client.transact_write_items(TransactItems=puts)

            def batches(batch: Sequence[Listing]) -> None:
                for i in range(0, len(batch), 25):
                    items = [
                        {"PutRequest": {"Item": table._item(x, CITY)}} for x in batch[i : i + 25]
                    ]
                    client.batch_write_item(RequestItems={table._table: items})

            ways: dict[str, Callable[[Sequence[Listing]], None]] = {
                "put_item": one_each,
                "transact_write_items_100": transactions,
                "batch_write_item_25": batches,
            }
            ms_per_listing: dict[str, float] = {}
            for k, (name, write) in enumerate(ways.items()):
                batch = _listings(k * n, n)  # new listings each way: every condition holds
                start = time.process_time()
                write(batch)
                ms_per_listing[name] = (time.process_time() - start) / n * 1000
            return {"listings_per_way": n, "cpu_ms_per_listing": ms_per_listing}
        finally:
            stack.stop()
    finally:
        moto.stop()


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    text = json.dumps(measure(n), indent=1)
    if len(sys.argv) > 2:
        with open(sys.argv[2], "w", encoding="utf-8") as out:
            out.write(text)
    print(text)


if __name__ == "__main__":
    main()
