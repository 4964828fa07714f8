"""The summary of a run: one row per figure, measured next to its reference and its target, met
or not (kept in report.json, printed as a table, and the head of report.md)."""

from __future__ import annotations

from typing import Any

from bench import signatures
from bench.targets import push_path_rate

FLAT_TOLERANCE_MB = 25.0
"""Memory counts as flat in file size when the big upload's peak RSS exceeds the small one's
by less than this."""
RSS_TARGET_MB = 300.0
BULK_OVER_NAIVE_TARGET = 10.0
PIPELINE_TARGET = 0.35
"""Issue 15: the whole pipeline (recognition and planning for 10 subscribers) over the floor;
runs recorded before the pipeline part stated its targets use these."""
PUSH_PATH_TARGET = 0.5
WRITES_PER_CHANGE_LIMIT = 3.0
MESSAGES_PER_SEND_MIN = 5.0


def peak(run: dict[str, Any]) -> float:
    return float(max(run["peak_rss_mb"], run["rss_sampled_peak_mb"], run["ru_maxrss_mb"]))


def sizes(results: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    runs = results.get("bulk") or {}
    if not runs:
        return None, None
    return runs[min(runs, key=int)], runs[max(runs, key=int)]


def summary(results: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    p = results.get("pipeline")
    if p:
        push_ratio = p.get("push_path_ratio") or push_path_rate(p) / p["floor_entries_per_s"]
        push_target = p.get("push_path_target_ratio", PUSH_PATH_TARGET)
        whole_target = p.get("target_ratio", PIPELINE_TARGET)
        rows += [
            {
                "figure": f"1. in-process pipeline, {p['entries']:,} entries "
                f"(best of {p['repeats']}), with recognition + delivery planning",
                "measured": f"{p['pipeline_entries_per_s']:,.0f} entries/s",
                "reference": f"floor {p['floor_entries_per_s']:,.0f} entries/s",
                "ratio": f"{p['ratio']:.0%} of floor",
                "target": f">= {whole_target:.0%} of floor",
                "met": p["ratio"] >= whole_target,
            },
            {
                "figure": "1b. the push path (verify → parse → validate → dedup)",
                "measured": f"{push_ratio * p['floor_entries_per_s']:,.0f} entries/s",
                "reference": f"floor {p['floor_entries_per_s']:,.0f} entries/s",
                "ratio": f"{push_ratio:.0%} of floor",
                "target": f">= {push_target:.0%} of floor",
                "met": push_ratio >= push_target,
            },
        ]
    small, big = sizes(results)
    if big and small:
        flat = peak(big) - peak(small) < FLAT_TOLERANCE_MB
        rows.append(
            {
                "figure": f"2. bulk {big['entries']:,} via local stack (moto in own process)",
                "measured": (
                    f"{big['request_to_completed_seconds']:.1f} s, "
                    f"{big['entries_per_s']:,.0f} entries/s, peak RSS {peak(big):.0f} MB"
                ),
                "reference": (
                    f"{small['entries']:,}: {small['request_to_completed_seconds']:.1f} s, "
                    f"{small['entries_per_s']:,.0f} entries/s, peak RSS {peak(small):.0f} MB"
                ),
                "ratio": f"RSS {round(peak(big) - peak(small), 1) + 0.0:+.1f} MB for "
                f"{big['entries'] / small['entries']:.0f}x the file",
                "target": f"< {RSS_TARGET_MB:.0f} MB, flat in file size",
                "met": peak(big) < RSS_TARGET_MB and flat,
            }
        )
    naive = results.get("naive")
    if naive and big:
        ratio = big["entries_per_s"] / naive["entries_per_s"]
        rows.append(
            {
                "figure": f"3. naive PutItem per entry ({naive['entries']:,} sample)",
                "measured": (
                    f"{naive['entries_per_s']:,.0f} entries/s; 100k EXTRAPOLATED "
                    f"{100_000 / naive['entries_per_s']:,.0f} s"
                ),
                "reference": f"bulk {big['entries_per_s']:,.0f} entries/s",
                "ratio": f"bulk = {ratio:.1f}x naive",
                "target": f">= {BULK_OVER_NAIVE_TARGET:.0f}x",
                "met": ratio >= BULK_OVER_NAIVE_TARGET,
            }
        )
    lat = results.get("latency")
    if lat:
        ratio = lat["bulk"]["entries_per_s"] / lat["naive"]["entries_per_s"]
        rows.append(
            {
                "figure": f"3b. same with {lat['latency_ms']:g} ms per AWS request (model)",
                "measured": (
                    f"naive {lat['naive']['entries_per_s']:,.0f} entries/s; 100k EXTRAPOLATED "
                    f"{100_000 / lat['naive']['entries_per_s']:,.0f} s"
                ),
                "reference": f"bulk {lat['bulk']['entries_per_s']:,.0f} entries/s "
                f"({lat['bulk']['entries']:,})",
                "ratio": f"bulk = {ratio:.1f}x naive",
                "target": f">= {BULK_OVER_NAIVE_TARGET:.0f}x",
                "met": ratio >= BULK_OVER_NAIVE_TARGET,
            }
        )
    fan = results.get("fanout")
    if fan:
        accepted = fan["upload"]["accepted"] or 1
        t = fan["fan_out_aws_totals"]
        writes = t.get("ddb_write_items", 0) / accepted
        sends, messages = t.get("sqs_send_requests", 0), t.get("sqs_messages", 0)
        per_send = messages / sends if sends else 0.0
        rows.append(
            {
                "figure": f"4. fan-out of {accepted:,} accepted entries to "
                f"{fan['subscriptions']} subscriptions",
                "measured": (
                    f"per entry: {writes:.2f} table writes ({t.get('ddb_wru', 0) / accepted:.1f} "
                    f"WRU), {sends / accepted:.2f} queue requests"
                ),
                "reference": f"{messages / accepted:.1f} messages per entry "
                f"({messages:,} in {sends:,} requests)",
                "ratio": f"{per_send:.1f} messages per request",
                "target": f"writes O(entries) (<= {WRITES_PER_CHANGE_LIMIT:g}/entry); "
                "requests << messages",
                "met": writes <= WRITES_PER_CHANGE_LIMIT and per_send >= MESSAGES_PER_SEND_MIN,
            }
        )
    if results.get("signatures"):
        rows.append(signatures.summary_row(results["signatures"]))
    if len(results.get("scale") or {}) >= 2:
        rows.append(_scale_row(results["scale"]))
    return rows


def _scale_row(runs: dict[str, Any]) -> dict[str, Any]:
    """6. tick and overdue list over the due-date indexes: memory flat in the table's size."""
    small, big = runs[min(runs, key=int)], runs[max(runs, key=int)]
    grown = big["tick"]["tracemalloc_peak_mb"] - small["tick"]["tracemalloc_peak_mb"]
    scans = sum(r["tick"]["scans"] + r["overdue_objections"]["scans"] for r in runs.values())
    return {
        "figure": f"6. tick + overdue objections over {big['listings']:,} listings",
        "measured": (
            f"tick {big['tick']['seconds']:.1f} s, heap peak "
            f"{big['tick']['tracemalloc_peak_mb']:.1f} MB, peak RSS {_peak_of(big):.0f} MB; "
            f"overdue {big['overdue_objections']['seconds']:.1f} s"
        ),
        "reference": (
            f"{small['listings']:,}: tick {small['tick']['seconds']:.1f} s, heap peak "
            f"{small['tick']['tracemalloc_peak_mb']:.1f} MB, peak RSS {_peak_of(small):.0f} MB"
        ),
        "ratio": f"heap peak {grown:+.1f} MB for {big['listings'] / small['listings']:.0f}x "
        f"the table (due ones {big['due_each'] / small['due_each']:.0f}x), {scans} scans",
        "target": f"< {RSS_TARGET_MB:.0f} MB, no scan",
        "met": _peak_of(big) < RSS_TARGET_MB and scans == 0,
    }


def _peak_of(run: dict[str, Any]) -> float:
    return float(max(run["peak_rss_mb"], run["tick"]["rss_sampled_peak_mb"]))


def met(value: bool | None, no: str) -> str:
    return "n/a" if value is None else ("yes" if value else no)


def summary_table(rows: list[dict[str, Any]]) -> str:
    headers = ("figure", "measured", "reference", "ratio", "target", "met")
    cells = [[str(row[h]) if h != "met" else met(row[h], "NO") for h in headers] for row in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    line = " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    rule = "-+-".join("-" * w for w in widths)
    body = [" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join([line, rule, *body])
