"""The import-time heap, frozen for the garbage collector, and the collector's pace.

A Lambda container imports the app once and then serves many invocations. What the imports
built — pydantic's validators and schemas, boto3's service models, the catalogues — lives as
long as the process, yet the cyclic collector walks all of it on every full collection, and an
ingest or a fan-out allocates enough container objects to trigger those often (the collector
took 17 % of the in-process pipeline's time). ``gc.freeze`` moves everything alive now into a
permanent generation the collector no longer walks; garbage made later is collected as before.

The youngest generation is also collected after 50,000 net allocations instead of CPython's
700: an ingest batch or a fan-out allocates a few objects per field of every listing, nearly
all of them kept until the batch is done, so at 700 the collector mostly re-walks survivors
(measured on ``bench/pipeline.py``: 12 % of its time at 700, 5 % at 50,000). Cyclic garbage
waits a little longer for its collection: at most those 50,000 objects, a few MB.
"""

from __future__ import annotations

import gc

from gateway_client.contract import forget_classified

YOUNG_THRESHOLD = 50_000
OLDER_THRESHOLDS = (20, 10)


def freeze_import_heap() -> None:
    """Collect what the imports left behind, freeze the rest, set the collector's pace (call
    once, after imports)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *OLDER_THRESHOLDS)


def before_page() -> None:
    """Free what a periodic job's last page (the tick's, an overdue list's, a re-evaluation's)
    left on the heap, before the job reads the next; the job then holds one page's worth
    whatever the table's size.

    * Reference cycles: botocore leaves one behind on every request (its response parser holds
      a method bound to itself, about 1 KB). At the young threshold above they wait for 50,000
      allocations, thousands of requests, and a re-evaluation's heap peak grew with the table
      (6 MB at 1,000 listings, 11 MB at 5,000). The two younger generations are collected; the
      old one and the frozen import heap are not walked.
    * The credit-code memo (``forget_classified``): a job reads each code once, so what the
      memo kept of the last page never serves again, and it grew with the table up to its
      65,536 codes (13 MB)."""
    gc.collect(1)
    forget_classified()
