"""The targets of issue 15, each computed from the parts measured in one ``make bench`` run.

Every target is one ``Target`` in ``REGISTRY``: its stable name, the limit, the unit, which bench
parts its value needs and a function of the run's results. ``evaluate`` turns the registry into
the ``targets`` array of ``bench/report.json`` (and the first table of ``report.md``): a target
whose parts did not all run in this invocation is listed with ``value`` and ``met`` null and a
note saying which part was missing — never estimated from elsewhere.

A part added later contributes its targets with ``register(Target(...))`` at import of its
module, a value function over the results (``bench/README.md``).

A target is listed only when all its parts are known to this bench (``known_parts``): a target
of a part not yet written is left out rather than shown as missing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from bench import aws_model

Results = dict[str, Any]
PUSH_PATH_STAGE = "recognise + plan deliveries"
"""The pipeline stage that runs in the stream handler, not while a push waits."""


@dataclass(frozen=True)
class Target:
    name: str
    limit: float
    unit: str
    at_least: bool  # met when value >= limit (else when value <= limit)
    parts: tuple[str, ...]
    value: Callable[[Results], float | None]
    how: str  # one line: what the value is

    def evaluate(self, results: Results, ran: Iterable[str]) -> dict[str, Any]:
        missing = [p for p in self.parts if p not in set(ran) or not results.get(p)]
        value = None if missing else self.value(results)
        met = (
            None
            if value is None
            else (value >= self.limit if self.at_least else value <= self.limit)
        )
        row = {
            "name": self.name,
            "value": value,
            "target": self.limit,
            "comparison": ">=" if self.at_least else "<=",
            "unit": self.unit,
            "met": met,
            "parts": list(self.parts),
            "how": self.how,
        }
        if missing:
            row["note"] = f"not measured in this run: part {', '.join(missing)} did not run"
        elif value is None:
            row["note"] = "its parts ran but did not report this value"
        return row


REGISTRY: list[Target] = []


def register(target: Target) -> Target:
    if any(t.name == target.name for t in REGISTRY):
        raise ValueError(f"target {target.name} registered twice")
    REGISTRY.append(target)
    return target


def evaluate(results: Results, known_parts: Iterable[str]) -> list[dict[str, Any]]:
    known, ran = set(known_parts), results.get("config", {}).get("parts", [])
    return [t.evaluate(results, ran) for t in REGISTRY if set(t.parts) <= known]


# --- the values -------------------------------------------------------------------------------


SCALE_PATHS = ("tick", "overdue_objections", "reevaluation", "statistics")


def scale_growth(by_size: dict[str, Any]) -> float | None:
    """Peak heap (tracemalloc) of the periodic paths, largest table over smallest."""
    sizes = sorted(by_size, key=int)
    if len(sizes) < 2:
        return None

    def peak(size: str) -> float:
        return max(float(by_size[size][path]["tracemalloc_peak_mb"]) for path in SCALE_PATHS)

    return round(peak(sizes[-1]) / peak(sizes[0]), 2)


def push_path_rate(pipeline: dict[str, Any]) -> float:
    """Entries/s of the best pipeline run without recognition and delivery planning."""
    stages = pipeline["stages_seconds"]
    return float(pipeline["entries"] / (sum(stages.values()) - stages.get(PUSH_PATH_STAGE, 0.0)))


def _big(results: Results) -> dict[str, Any]:
    runs = results["bulk"]
    return dict(runs[max(runs, key=int)])


def _bulk_vs_naive_cpu(results: Results) -> float:
    big, naive = _big(results), results["naive"]
    bulk_cpu = big["bench_cpu_seconds"] / big["entries"]
    naive_cpu = naive["bench_cpu_seconds"] / naive["written"]
    return float(naive_cpu / bulk_cpu)


def _ingest_wru(results: Results) -> float:
    """The listings table's write units per entry, counted, plus its index entry's: the
    upload's own records (a few writes per upload, whatever its size) are not per entry."""
    big = _big(results)
    calls = big["aws_calls"].items()
    written = sum(c.get("wru", 0) for name, c in calls if name.endswith("[listings]"))
    return float(written / big["entries"] + results["costs"]["wru_per_gsi_item"])


def _logged_change_wru(results: Results) -> float:
    """Every table write unit the fan-out made, and the index entries of the pages it wrote
    (the other writes' indexes are counted by the costs model, not here)."""
    fan = results["fanout"]
    written = fan["fan_out_aws_totals"].get("ddb_wru", 0) + fan.get("page_items", 0)
    return float(written / (fan["stream_records"] or 1))


def _resync_seconds(results: Results) -> float | None:
    model = results.get("aws_model") or {}
    return None if "seconds" not in model else float(model["seconds"])


def _resync_batched_seconds(results: Results) -> float | None:
    batched = (results.get("aws_model") or {}).get("batched") or {}
    return None if "seconds" not in batched else float(batched["seconds"])


def _batched_line_wru(results: Results) -> float | None:
    record = (results.get("costs") or {}).get("batch_record") or {}
    return None if "wru_per_line" not in record else float(record["wru_per_line"])


def aws_model_results(results: Results) -> dict[str, Any] | None:
    """The AWS model for this run (every subscriber on single delivery, and every one on
    batched delivery as modelled), if it can be."""
    measured = aws_model.from_results(results)
    if measured is None:
        return None
    single = aws_model.model(measured)
    every = aws_model.Assumptions().subscribers
    batched = aws_model.model(
        measured, assumptions=aws_model.Assumptions(batched_subscribers=every)
    )
    return {**single, "batched": batched}


for _target in (
    Target(
        "pipeline_push_path_ratio",
        0.50,
        "of parse floor",
        True,
        ("pipeline",),
        lambda r: (
            r["pipeline"].get("push_path_ratio")
            or push_path_rate(r["pipeline"]) / r["pipeline"]["floor_entries_per_s"]
        ),
        "verify → parse → validate → dedup, entries/s over the parse floor's (same run)",
    ),
    Target(
        "pipeline_with_planning_ratio",
        0.35,
        "of parse floor",
        True,
        ("pipeline",),
        lambda r: r["pipeline"]["ratio"],
        "the same with recognition and delivery planning for 10 subscribers",
    ),
    Target(
        "bulk_vs_naive_cpu",
        10.0,
        "x",
        True,
        ("bulk", "naive"),
        _bulk_vs_naive_cpu,
        "gateway CPU per entry: naive PutItem loop / bulk upload (largest size)",
    ),
    Target(
        "push_to_webhook_median_ms",
        100.0,
        "ms",
        False,
        ("webhook",),
        lambda r: r["webhook"]["median_ms"],
        "local stack, one entry per push, push request → verified webhook, median",
    ),
    Target(
        "write_units_per_ingested_entry",
        2.0,
        "WRU",
        False,
        ("bulk",),
        _ingest_wru,
        "bulk upload (largest size): listings table WRU per entry + its index entry's",
    ),
    Target(
        "write_units_per_logged_change",
        0.2,
        "WRU",
        False,
        ("fanout",),
        _logged_change_wru,
        "fan-out of a bulk upload to 10 subscribers: DynamoDB WRU per stream record (with the "
        "pages listing its single deliveries)",
    ),
    Target(
        "write_units_per_delivery_record",
        1.0,
        "WRU",
        False,
        ("webhook",),
        lambda r: r["webhook"]["delivery_record_wru_per_delivery"],
        "webhook part: the delivery record's writes and index writes per delivery (the page "
        "that lists it is the fan-out's: see the pages line)",
    ),
    Target(
        "resync_1m_to_31_provinces_seconds",
        600.0,
        "s",
        False,
        ("bulk", "fanout", "webhook"),
        _resync_seconds,
        "AWS model (bench/aws_model.py), single delivery; assumptions in the report",
    ),
    Target(
        "write_units_per_batched_line",
        1.0,
        "WRU",
        False,
        ("webhook",),
        _batched_line_wru,
        "a delivered batch's one record holding its lines, table and index writes per line "
        "(costs: batch_record, a 500-line file settled on moto)",
    ),
    Target(
        "resync_1m_to_31_provinces_batched_seconds",
        600.0,
        "s",
        False,
        ("bulk", "fanout", "webhook"),
        _resync_batched_seconds,
        "AWS model, every subscriber on batched delivery (the mode built for a resync)",
    ),
    Target(
        "scale_peak_memory_growth",
        1.2,
        "x",
        False,
        ("scale",),
        lambda results: scale_growth(results.get("scale") or {}),
        "tick, purge, overdue list, statistics, agreement re-evaluation: the largest heap peak "
        "of any of them at the largest table over that at the smallest",
    ),
):
    register(_target)
