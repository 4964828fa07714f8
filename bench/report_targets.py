"""The first part of bench/report.md: issue 15's targets (``bench.targets``), the push → webhook
latency behind one of them, and the AWS model of the national resync with every assumption."""

from __future__ import annotations

from typing import Any

Row = dict[str, Any]


def _value(row: Row) -> str:
    value = row["value"]
    if value is None:
        return "—"
    return f"{value:,.3g}" if abs(value) < 10 else f"{value:,.0f}"


def _met(row: Row) -> str:
    return "n/a" if row["met"] is None else ("yes" if row["met"] else "**NO**")


def table_rows(rows: list[Row]) -> list[list[str]]:
    """name, measured, target, met, and how (or why it is missing), one list per target."""
    return [
        [
            f"`{r['name']}`",
            f"{_value(r)} {r['unit']}" if r["value"] is not None else "not measured",
            f"{r['comparison']} {r['target']:g} {r['unit']}",
            _met(r),
            r.get("note") or r["how"],
        ]
        for r in rows
    ]


def text_table(rows: list[Row]) -> str:
    """The targets for the terminal."""
    headers = ["target", "value", "limit", "met", "what"]
    cells = [[c.replace("`", "").replace("**", "") for c in row] for row in table_rows(rows)]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    line = " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    body = [" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join([line, "-+-".join("-" * w for w in widths), *body])


def _md(headers: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    return out + ["| " + " | ".join(row) + " |" for row in rows]


def markdown_lines(results: dict[str, Any]) -> list[str]:
    lines = [
        "## Issue 15 targets",
        "",
        "Each value computed from the parts measured in this run (`bench/targets.py`); a target "
        "whose part did not run says so and has no value.",
        "",
        *_md(["target", "value", "limit", "met", "what"], table_rows(results.get("targets", []))),
        "",
    ]
    hook = results.get("webhook")
    if hook:
        lines += [
            "### Push → webhook on the local stack",
            "",
            f"{hook['samples']} pushes of one entry each, one at a time, the event pump running "
            "in the background as in `gateway dev` (long-polling the queues, reading the stream "
            "as soon as the listings table was written), a random pause before each push: "
            "median **{:.0f} ms**, 90th percentile {:.0f} ms (min {:.0f}, max {:.0f}); the "
            "push request alone took {:.0f} ms (median), so the "
            "stream read, fan-out, queue and delivery add about {:.0f} ms.".format(
                hook["median_ms"],
                hook["p90_ms"],
                hook["min_ms"],
                hook["max_ms"],
                hook["push_reply_median_ms"],
                hook["median_ms"] - hook["push_reply_median_ms"],
            ),
            "",
            "AWS requests per push (push, fan-out and delivery; locally each costs moto a few "
            "ms): "
            + ", ".join(
                f"`{name}` {count:.1f}" for name, count in hook["aws_requests_per_push"].items()
            )
            + f" — {sum(hook['aws_requests_per_push'].values()):.0f} in all.",
            "",
            f"Each delivery record: {hook['delivery_record_writes_per_delivery']:.1f} writes "
            f"to the deliveries table, the stored record {hook['delivery_record_bytes_mean']:,.0f}"
            f" bytes: {hook['delivery_record_table_wru_per_delivery']:.1f} WRU on the table and "
            + ", ".join(
                f"{wru:.1f} on `{name}`"
                for name, wru in hook["delivery_record_index_wru_per_delivery"].items()
            )
            + " (index writes estimated: `bench/indexes.py`; a record enters them only once an "
            "attempt fails)." + _pages_line(hook, results.get("fanout")),
            "",
        ]
    model = results.get("aws_model")
    if model:
        lines += _model_lines(model)
    return lines


def _pages_line(hook: dict[str, Any], fan: dict[str, Any] | None) -> str:
    """What the pages listing single deliveries cost, here and at the fan-out's scale."""
    if "delivery_page_wru_per_delivery" not in hook:
        return ""
    line = (
        " The page that lists it (`chalicelib/dynamodb/delivery_pages.py`, written as it is "
        f"queued, with its index entry): {hook['delivery_page_wru_per_delivery']:.2f} WRU per "
        "delivery here, one push of one entry making a page of one"
    )
    if fan and fan.get("page_items"):
        line += (
            f"; {fan['page_wru_per_delivery']:.3f} in the fan-out part "
            f"({fan['delivery_queue_messages']:,} deliveries on {fan['page_items']:,} pages)"
        )
    return line + "."


def _measured_rows(measured: dict[str, Any], prefix: str = "") -> list[list[str]]:
    """One row per measured input; a fan-out run measured apart (``batched_fanout``) row by
    row under its name, or said not measured."""
    rows: list[list[str]] = []
    for name, value in measured.items():
        if isinstance(value, dict):
            rows += _measured_rows(value, f"{prefix}{name}.")
        else:
            shown = "not measured in this run" if value is None else f"{value:,.4g}"
            rows.append([prefix + name, shown])
    return rows


def _model_lines(model: dict[str, Any]) -> list[str]:
    a = model["assumptions"]
    batched = model["batched"]
    a_batched = batched["assumptions"]
    stage_rows = [
        [
            name,
            f"{stage['seconds']:,.0f}",
            stage["binding"],
            f"{batched['stages'][name]['seconds']:,.0f}",
            batched["stages"][name]["binding"],
        ]
        for name, stage in model["stages"].items()
    ]
    return [
        f"### AWS model: {a['entries']:,} entries resynced, fanned out to {a['subscribers']} "
        "provinces",
        "",
        f"Until every subscriber holds every change: **{model['seconds']:,.0f} s** with single "
        f"deliveries (bottleneck {model['bottleneck']}); **{batched['seconds']:,.0f} s** with "
        f"every subscriber on batched delivery (bottleneck {batched['bottleneck']}) — batched "
        f"delivery as built: a file of up to {a_batched['changes_per_file']:,} changes per "
        "subscriber and stream batch, one message group per subscriber, one record per "
        "delivered file holding its lines (its size measured: costs `batch_record`). The stages "
        "overlap, so the slowest one sets the time (a lower bound:"
        f" no ramp-up, retries or back-off). {model['stream_shards']} stream shard(s), fan-out "
        f"concurrency {model['fan_out_concurrency']}. Formulas: `bench/aws_model.py`.",
        "",
        *_md(["stage", "single: s", "bound by", "batched: s", "bound by"], stage_rows),
        "",
        "Measured on the local stack (per entry, change or delivery):",
        "",
        *_md(["input", "value"], _measured_rows(model["measured"])),
        "",
        "Documented limits:",
        "",
        *_md(
            ["limit", "value", "source"],
            [[k, f"{v:,g}", src] for k, (v, src) in model["limits"].items()],
        ),
        "",
        "Assumptions (not measured, not documented limits):",
        "",
        *_md(["assumption", "value"], [[k, str(v)] for k, v in a.items()]),
        "",
    ]
