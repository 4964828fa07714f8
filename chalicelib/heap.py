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

YOUNG_THRESHOLD = 50_000
OLDER_THRESHOLDS = (20, 10)


def freeze_import_heap() -> None:
    """Collect what the imports left behind, freeze the rest, set the collector's pace (call
    once, after imports)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *OLDER_THRESHOLDS)


def collect_young() -> None:
    """Collect the two younger generations now: a periodic job (the tick, the overdue lists, an
    agreement's re-evaluation) calls this before it reads each page.

    botocore leaves reference cycles behind on every request (its response parser holds a
    method bound to itself, about 1 KB a request). At the young threshold above those wait
    for 50,000 allocations, thousands of requests, and what a job held at its peak grew with
    the table's size (a re-evaluation's 6 MB at 1,000 listings, 11 MB at 5,000). Collected a
    page at a time, the job holds one page's worth whatever the table's size. Neither the old
    generation nor the frozen import heap is walked, so this costs little next to a page's
    requests."""
    gc.collect(1)
