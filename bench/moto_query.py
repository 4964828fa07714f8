"""moto's DynamoDB ``Query`` without a walk of the whole table, for the bench's moto process.

moto answers every query from ``Table.all_items()``, which lists and sorts the whole table
(``DynamoType`` comparisons, O(N log N)) before it keeps the query's partition and sorts that
again by the query's own keys. A query on the table's key costs as much as one on an index, so
a re-evaluation, which queries each subject once, is quadratic in the table (5,000 listings:
40 ms a query, 200 s a job), and each page of an index costs a walk of the table (at 10⁵
listings the re-evaluation's thousand pages would take most of an hour on that alone).

Inside ``query`` (and only there), ``all_items`` answers with what the query can match:

* on the table's key, the items of that partition (moto stores them by partition);
* on an index, the items whose index partition key has the queried value, from a grouping of
  the table by that attribute made once and kept until the next write to that table (a write
  naming no one table, a transaction, starts a new generation of every table's): a
  re-evaluation writes no listing, so its pages share one grouping; the tick writes between its
  pages, so each page walks the table once, as before.

moto still checks every condition, sorts, pages and filters what it is given exactly as before,
so the answers are the same (``tests/unit/test_bench_moto_query.py``); only its time changes.
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable
from typing import Any

from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import Table

_READS = ("query", "scan", "batch_get_item", "transact_get_items", "iter_tagged_resources")
_QUERY_ARGUMENTS = inspect.signature(Table.query)
_sorted_items = Table.all_items
_querying = threading.local()
_generations: dict[str | None, int] = {}  # by table name; None: a write naming no one table
_generation_lock = threading.Lock()
_groups: dict[tuple[int, str], tuple[tuple[int, int], dict[Any, list[Any]]]] = {}


def _stored(table: Any) -> list[Any]:
    """Every item, unsorted."""
    held = table.items.values()
    return [x for group in held for x in group.values()] if table.range_key_attr else list(held)


def _index_group(table: Any, name: str, value: Any) -> list[Any]:
    """The items whose attribute ``name`` equals ``value``, from this generation's grouping."""
    generation = (_generations.get(None, 0), _generations.get(table.name, 0))
    kept = _groups.get((id(table), name))
    if kept is None or kept[0] != generation:
        grouped: dict[Any, list[Any]] = {}
        for item in _stored(table):
            found = item.attrs.get(name)
            if found:
                grouped.setdefault(found, []).append(item)
        kept = _groups[(id(table), name)] = (generation, grouped)
    return list(kept[1].get(value, ()))


def _all_items(table: Any) -> Any:
    asked = getattr(_querying, "asked", None)
    if asked is None:
        return _sorted_items(table)  # a scan, an export: moto's own sorted list
    kind, name, value = asked
    if kind == "index":
        return _index_group(table, name, value) if name else _stored(table)
    group = table.items.get(value)
    if group is None:
        return []
    return list(group.values()) if table.range_key_attr else [group]


def _query(method: Any) -> Any:
    @functools.wraps(method)
    def wrapper(table: Any, *args: Any, **kwargs: Any) -> Any:
        called = _QUERY_ARGUMENTS.bind(table, *args, **kwargs).arguments
        if called.get("index_name") is None:
            _querying.asked = ("table", None, called["hash_key"])
        else:
            conditions = called.get("hash_key_conditions") or [(None, None)]
            _querying.asked = ("index", *conditions[0])
        try:
            return method(table, *args, **kwargs)
        finally:
            _querying.asked = None

    return wrapper


def _writing(method: Any) -> Any:
    @functools.wraps(method)
    def wrapper(backend: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(backend, *args, **kwargs)
        finally:
            named = args[0] if args and isinstance(args[0], str) else None
            with _generation_lock:
                _generations[named] = _generations.get(named, 0) + 1

    return wrapper


def _may_write(name: str) -> bool:
    return not (name.startswith(("_", "get_", "describe_", "list_")) or name in _READS)


def install_query_speedup() -> Callable[[], None]:
    """Install the speed-up (once); what undoes it."""
    table: Any = Table
    if table.all_items is _all_items:
        return lambda: None
    replaced: list[tuple[Any, str, Any]] = [
        (table, "all_items", _all_items),
        (table, "query", _query(table.query)),
        (DynamoDBBackend, "reset", _writing(DynamoDBBackend.reset)),
    ]
    for name, method in vars(DynamoDBBackend).items():
        if inspect.isfunction(method) and _may_write(name):
            replaced.append((DynamoDBBackend, name, _writing(method)))
    before = [(owner, name, vars(owner).get(name)) for owner, name, _ in replaced]
    for owner, name, method in replaced:
        setattr(owner, name, method)

    def undo() -> None:
        for owner, name, method in before:
            if method is None:
                delattr(owner, name)  # inherited: the base class's again
            else:
                setattr(owner, name, method)

    return undo
