"""The targets array of ``make bench`` (bench/targets.py): each value from the parts that ran,
a target whose part did not run listed with no value and a note, and a part added later
contributing its own target."""

from __future__ import annotations

from typing import Any

import pytest

from bench import report_summary, targets
from bench.targets import Target

PARTS = ("pipeline", "bulk", "naive", "latency", "fanout", "signatures", "webhook", "scale")


def run_with(**parts: Any) -> dict[str, Any]:
    return {"config": {"parts": list(parts)}, **parts}


def by_name(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["name"]: row for row in rows}


WEBHOOK = {"median_ms": 80.0, "delivery_record_wru_per_delivery": 5.0}


def test_a_measured_target_has_its_value_and_whether_it_is_met() -> None:
    rows = by_name(targets.evaluate(run_with(webhook=WEBHOOK), PARTS))

    assert rows["push_to_webhook_median_ms"] | {"how": ""} == {
        "name": "push_to_webhook_median_ms",
        "value": 80.0,
        "target": 100.0,
        "comparison": "<=",
        "unit": "ms",
        "met": True,
        "parts": ["webhook"],
        "how": "",
    }
    assert (
        rows["write_units_per_delivery_record"]["value"],
        rows["write_units_per_delivery_record"]["met"],
    ) == (5.0, False)


def test_a_target_whose_part_did_not_run_has_no_value_and_says_why() -> None:
    rows = by_name(targets.evaluate(run_with(webhook=WEBHOOK), PARTS))

    for name in ("pipeline_push_path_ratio", "bulk_vs_naive_cpu", "scale_peak_memory_growth"):
        assert rows[name]["value"] is None, name
        assert rows[name]["met"] is None, name
        assert "did not run" in rows[name]["note"], name
    assert "bulk, naive" in rows["bulk_vs_naive_cpu"]["note"]


def test_the_resync_target_needs_every_part_its_model_reads() -> None:
    rows = by_name(targets.evaluate(run_with(webhook=WEBHOOK), PARTS))

    assert rows["resync_1m_to_31_provinces_seconds"]["value"] is None
    assert "bulk, fanout" in rows["resync_1m_to_31_provinces_seconds"]["note"]


def test_a_part_not_in_this_bench_leaves_its_targets_out() -> None:
    names = by_name(targets.evaluate(run_with(), [p for p in PARTS if p != "scale"]))

    assert "scale_peak_memory_growth" not in names
    assert "push_to_webhook_median_ms" in names


def test_memory_growth_is_the_largest_peak_at_the_largest_table_over_the_smallest() -> None:
    def run(peaks: tuple[float, float, float, float]) -> dict[str, Any]:
        return {
            p: {"tracemalloc_peak_mb": v} for p, v in zip(targets.SCALE_PATHS, peaks, strict=True)
        }

    scale = {"100000": run((2.2, 1.6, 3.3, 0.1)), "10000": run((2.1, 1.4, 3.0, 0.1))}

    row = by_name(targets.evaluate(run_with(scale=scale), PARTS))["scale_peak_memory_growth"]

    assert (row["value"], row["met"]) == (1.1, True)


def test_a_new_part_registers_a_target_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(targets, "REGISTRY", list(targets.REGISTRY))
    stats = Target("stats_rows", 10, "rows", False, ("stats",), lambda r: r["stats"]["rows"], "")
    targets.register(stats)

    row = by_name(targets.evaluate(run_with(stats={"rows": 12}), (*PARTS, "stats")))["stats_rows"]

    assert (row["value"], row["met"]) == (12, False)
    with pytest.raises(ValueError, match="twice"):
        targets.register(stats)


def test_the_pipeline_ratios_come_from_one_run_of_the_pipeline_part() -> None:
    pipeline = {
        "entries": 1000,
        "floor_entries_per_s": 10_000.0,
        "ratio": 0.4,
        "stages_seconds": {"parse": 0.1, "dedup": 0.1, targets.PUSH_PATH_STAGE: 0.3},
    }

    rows = by_name(targets.evaluate(run_with(pipeline=pipeline), PARTS))

    assert rows["pipeline_push_path_ratio"]["value"] == pytest.approx(0.5)
    assert rows["pipeline_push_path_ratio"]["met"] is True
    assert (
        rows["pipeline_with_planning_ratio"]["value"],
        rows["pipeline_with_planning_ratio"]["met"],
    ) == (0.4, True)


def test_write_units_per_entry_count_the_listings_table_and_its_index_entry() -> None:
    bulk = {
        "1000": {
            "entries": 1000,
            "aws_calls": {
                "dynamodb.PutItem[listings]": {"calls": 990, "wru": 990},
                "dynamodb.UpdateItem[listings]": {"calls": 10, "wru": 20},
                "dynamodb.BatchGetItem[listings]": {"calls": 10, "items": 1000},
                "dynamodb.UpdateItem[uploads]": {"calls": 7, "wru": 7},
            },
            "aws_totals": {"ddb_wru": 1017},
        }
    }
    results = {**run_with(bulk=bulk), "costs": {"wru_per_gsi_item": 1}}

    row = by_name(targets.evaluate(results, PARTS))["write_units_per_ingested_entry"]

    assert (row["value"], row["met"]) == (1010 / 1000 + 1, False)


def test_the_summary_judges_each_pipeline_figure_by_its_own_target() -> None:
    """The whole pipeline against 35 % of the floor, the push path against 50 %: the summary
    once judged the whole pipeline by the push path's target and left the push path unjudged."""
    pipeline = {
        "entries": 1000,
        "repeats": 3,
        "floor_entries_per_s": 1000.0,
        "pipeline_entries_per_s": 370.0,
        "ratio": 0.37,
        "target_ratio": 0.35,
        "push_path_ratio": 0.45,
        "push_path_target_ratio": 0.5,
        "stages_seconds": {"validate": 1.0, targets.PUSH_PATH_STAGE: 1.0},
    }
    rows = report_summary.summary({"pipeline": pipeline})

    assert [(r["target"], r["met"]) for r in rows] == [
        (">= 35% of floor", True),
        (">= 50% of floor", False),
    ]
    assert rows[1]["ratio"] == "45% of floor"
