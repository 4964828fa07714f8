"""The handler module's collector settings: the import-time heap frozen, the young generation
collected less often, and a periodic job's pages leaving nothing behind (``chalicelib.heap``)."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from chalicelib.heap import OLDER_THRESHOLDS, YOUNG_THRESHOLD, before_page, freeze_import_heap
from gateway_client.contract import classify, codes


@pytest.fixture
def collector() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


@pytest.mark.usefixtures("collector")
def test_the_import_heap_is_frozen_and_later_garbage_still_collected() -> None:
    gc.unfreeze()
    freeze_import_heap()
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == (YOUNG_THRESHOLD, *OLDER_THRESHOLDS)

    class Node:
        def __init__(self) -> None:
            self.me = self

    Node()  # a cycle made after the freeze: garbage the collector still finds
    assert gc.collect() >= 1


@pytest.mark.usefixtures("collector")
def test_a_page_boundary_frees_the_last_pages_cycles_and_memoised_codes() -> None:
    gc.unfreeze()
    freeze_import_heap()

    class Node:
        def __init__(self) -> None:
            self.me = self

    cycle = weakref.ref(Node())  # garbage, kept until a collection: far below 50,000 allocations
    classify("91110000600037341L")
    assert cycle() is not None
    assert codes._classify.cache_info().currsize > 0

    before_page()

    assert cycle() is None
    assert codes._classify.cache_info().currsize == 0
