"""Memory, timeout and reserved concurrency per function, each from a measurement.

Measured (issue 14, ``make bench`` → bench/report.md, the tests): importing the app and its
clients takes about 92 MB; one maximum push (5 MB body) peaks near 120 MB; a bulk ingest peaks
at 139 MB for 10,000 lines and 154 MB for 100,000 (flat in file size). Lambda gives CPU in
proportion to memory (one vCPU at 1,769 MB), and the pushes, signatures and ingest are CPU-bound,
so some sizes are above their memory need. Chalice's default (128 MB, 60 s) leaves a maximum push
8 MB from an out-of-memory kill. These override ``.chalice/config.json`` in the merge template.
"""

from __future__ import annotations

from typing import Any

INGEST_RANGES_AT_ONCE = 16
"""Upload ranges ingested at once (the ingest function's reservation). One invocation writes
about 260 entries/s (the bench's CPU per entry at 1,024 MB, eight writers), 3 write units each
with the listings' index: ~800 WRU/s. Sixteen make ~13,000 WRU/s, a third of the table's
on-demand quota (40,000), so pushes and everything else writing listings keep two thirds; the
stream's shards follow the partitions that rate spreads over (1,000 WRU/s each, so about 13),
and fan-out reads each at up to ten batches at once (ParallelizationFactor), which keeps up.
More would not shorten a national resync much (fan-out and delivery bind next: bench/README)
and would let one province's resync take the write capacity other provinces push with."""

SIZES: dict[str, dict[str, int]] = {
    # Peak ~120 MB for a maximum push: 512 MB is 4x headroom and a third of a vCPU for Ed25519,
    # pydantic and the parallel conditional writes. 29 s: API Gateway answers 504 after 29 s,
    # so running longer only spends money on a reply nobody reads.
    "APIHandler": {"MemorySize": 512, "Timeout": 29},
    # 92 MB imported + one batch of up to 500 changes (STREAM_BATCH_SIZE in stream_failures,
    # which says why 500 fits this size and timeout; a few MB of images and deliveries per
    # 100 changes) fits 256 MB,
    # but fan-out is CPU-bound (recognition and delivery planning per subscriber, pydantic,
    # hashing the log's leaves and tiles, signing its checkpoint): 1,024 MB buys 0.58 vCPU
    # instead of 0.14, so a resync's batches take a quarter of the time for the same GB-seconds.
    # 120 s: a batch is one exchange-log append, its publication and the queue's sends (eight
    # lanes at once); anything slower is stuck, and the shard waits behind it (bounded: see
    # stream_failures). Up to ten concurrent batches per shard (ParallelizationFactor, same
    # file); no reservation needed.
    "FanOutChanges": {"MemorySize": 1024, "Timeout": 120},
    # 92 MB + 10 small messages: 256 MB. Up to 10 POSTs of at most 15 s each, one after another
    # (FIFO order within a group): 150 s + margin. The queue's 120 s visibility timeout is
    # raised to match in package.py's merge (Lambda requires visibility >= timeout).
    # Reserved 20: slow or failing subscribers must not take the account's concurrency from
    # the API, and 20 is above the number of message groups busy at once in the bench.
    "DeliverWebhooks": {"MemorySize": 256, "Timeout": 180, "ReservedConcurrentExecutions": 20},
    # Peak 154 MB at 100,000 lines, flat; 1,024 MB for CPU (the bench's 1,722 lines/s and its
    # cost table assume it). 900 s, Lambda's maximum: the ingest checkpoints and continues.
    # Reserved INGEST_RANGES_AT_ONCE: a large upload's ranges run at once, one invocation each
    # (gateway.intake.bulk_ranges); INGEST_RANGES_AT_ONCE says why 16.
    "IngestUploads": {
        "MemorySize": 1024,
        "Timeout": 900,
        "ReservedConcurrentExecutions": INGEST_RANGES_AT_ONCE,
    },
    # Scans the listings (expiry, purge) once an hour: 512 MB for the scan pages' CPU, 900 s so
    # a province-scale tick completes. Reserved 1: two ticks never run at once. Not retried: a
    # run that failed (a listing it could not act on fails it at its end, for the alarm) would
    # run whole again twice, and the next hour's run tries what is still due anyway.
    "LifecycleTick": {
        "MemorySize": 512,
        "Timeout": 900,
        "ReservedConcurrentExecutions": 1,
        "EventInvokeConfig": {"MaximumRetryAttempts": 0},
    },
    # One page of 100 index items and their subjects at a time, whatever the table's size:
    # 256 MB. 300 s: a job stops 30 s before it and queues its continuation. Reserved 2: a
    # national agreement's walk must not starve pushes of DynamoDB capacity.
    "ReevaluateAgreements": {"MemorySize": 256, "Timeout": 300, "ReservedConcurrentExecutions": 2},
}
# Lambda refuses an SQS trigger whose queue's visibility timeout is below the function timeout.
# AWS advises six times the timeout, for batches Lambda retries while throttled; each queue's
# pollers are capped at its function's reservation instead (package.py, ``MaximumConcurrency``),
# so no batch is throttled, and a batch whose invocation failed comes back after minutes, not
# after six times the timeout (an ingest after 90 minutes).
DELIVERY_VISIBILITY_TIMEOUT = SIZES["DeliverWebhooks"]["Timeout"] + 30


def function_sizes() -> dict[str, dict[str, Any]]:
    """Each function's sizing properties, to merge into its ``Properties``."""
    return {function: dict(sizes) for function, sizes in SIZES.items()}
