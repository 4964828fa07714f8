"""The import-time heap, frozen for the garbage collector.

A Lambda container imports the app once and then serves many invocations. What the imports
built — pydantic's validators and schemas, boto3's service models, the catalogues — lives as
long as the process, yet the cyclic collector walks all of it on every full collection, and an
ingest or a fan-out allocates enough container objects to trigger those often (17 % of the
in-process pipeline's time was the collector). ``gc.freeze`` moves everything alive now into a
permanent generation the collector no longer walks; garbage made later is collected as before.
"""

from __future__ import annotations

import gc


def freeze_import_heap() -> None:
    """Collect what the imports left behind, then freeze the rest (call once, after imports)."""
    gc.collect()
    gc.freeze()
