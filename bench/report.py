"""The summary (targets met or not) and bench/report.md, from the results of one run."""

from __future__ import annotations

from typing import Any

from bench import report_targets, signatures

FLAT_TOLERANCE_MB = 25.0
"""Memory counts as flat in file size when the big upload's peak RSS exceeds the small one's
by less than this."""
RSS_TARGET_MB = 300.0
BULK_OVER_NAIVE_TARGET = 10.0
PIPELINE_TARGET = 0.5
WRITES_PER_CHANGE_LIMIT = 3.0
MESSAGES_PER_SEND_MIN = 5.0


def _peak(run: dict[str, Any]) -> float:
    return float(max(run["peak_rss_mb"], run["rss_sampled_peak_mb"], run["ru_maxrss_mb"]))


def _sizes(results: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    runs = results.get("bulk") or {}
    if not runs:
        return None, None
    return runs[min(runs, key=int)], runs[max(runs, key=int)]


def summary(results: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    p = results.get("pipeline")
    if p:
        rows.append(
            {
                "figure": f"1. in-process pipeline, {p['entries']:,} entries "
                f"(best of {p['repeats']})",
                "measured": f"{p['pipeline_entries_per_s']:,.0f} entries/s",
                "reference": f"floor {p['floor_entries_per_s']:,.0f} entries/s",
                "ratio": f"{p['ratio']:.0%} of floor",
                "target": f">= {PIPELINE_TARGET:.0%} of floor",
                "met": p["ratio"] >= PIPELINE_TARGET,
            }
        )
        stages = p["stages_seconds"]
        ingest = sum(stages.values()) - stages.get("recognise + plan deliveries", 0.0)
        ingest_rate = p["entries"] / ingest
        rows.append(
            {
                "figure": "1b. the same without recognition + delivery planning (push path)",
                "measured": f"{ingest_rate:,.0f} entries/s",
                "reference": f"floor {p['floor_entries_per_s']:,.0f} entries/s",
                "ratio": f"{ingest_rate / p['floor_entries_per_s']:.0%} of floor",
                "target": "(information)",
                "met": None,
            }
        )
    small, big = _sizes(results)
    if big and small:
        flat = _peak(big) - _peak(small) < FLAT_TOLERANCE_MB
        rows.append(
            {
                "figure": f"2. bulk {big['entries']:,} via local stack (moto in own process)",
                "measured": (
                    f"{big['request_to_completed_seconds']:.1f} s, "
                    f"{big['entries_per_s']:,.0f} entries/s, peak RSS {_peak(big):.0f} MB"
                ),
                "reference": (
                    f"{small['entries']:,}: {small['request_to_completed_seconds']:.1f} s, "
                    f"{small['entries_per_s']:,.0f} entries/s, peak RSS {_peak(small):.0f} MB"
                ),
                "ratio": f"RSS {round(_peak(big) - _peak(small), 1) + 0.0:+.1f} MB for "
                f"{big['entries'] / small['entries']:.0f}x the file",
                "target": f"< {RSS_TARGET_MB:.0f} MB, flat in file size",
                "met": _peak(big) < RSS_TARGET_MB and flat,
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


def _met(value: bool | None, no: str) -> str:
    return "n/a" if value is None else ("yes" if value else no)


def summary_table(rows: list[dict[str, Any]]) -> str:
    headers = ("figure", "measured", "reference", "ratio", "target", "met")
    cells = [[str(row[h]) if h != "met" else _met(row[h], "NO") for h in headers] for row in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    line = " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    rule = "-+-".join("-" * w for w in widths)
    body = [" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join([line, rule, *body])


def _md_table(headers: list[str], rows: list[list[Any]]) -> str:
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(out)


def _calls_table(calls: dict[str, dict[str, Any]], per: int) -> str:
    rows = []
    for name, c in calls.items():
        rows.append(
            [
                f"`{name}`",
                f"{c['calls']:,}",
                f"{c['items']:,}",
                f"{c['items'] / per:.3f}",
                f"{c['wru']:,}" if "wru" in c else "",
                f"{c['billed_requests']:,}" if "billed_requests" in c else "",
                f"{c.get('item_bytes_mean', c.get('request_bytes_mean', ''))}",
            ]
        )
    return _md_table(
        ["operation [table]", "calls", "items", "items / entry", "WRU", "SQS billed", "bytes"],
        rows,
    )


def _numbering_lines(p: dict[str, Any]) -> list[str]:
    """Outside the ratio: planning and numbering the same deliveries as a fan-out does, each
    ``Delivery`` built once when numbered, next to the former way (a run before it has none)."""
    ways = p.get("plan_and_number_seconds")
    if not ways:
        return []
    return [
        "* planned and numbered as a fan-out does (`stamped`, outside the ratio): "
        + "; ".join(f"{name}: {seconds:.3f} s" for name, seconds in ways.items())
    ]


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    dirty = [path for path in m["git_uncommitted"] if not path.startswith("bench/")]
    lines = [
        "# Benchmark report",
        "",
        f"Generated by `make bench` on {results['started_at']} in "
        f"{results['total_seconds']:.0f} s. Every figure below was measured in this run, next "
        "to its reference. Raw numbers: `bench/report.json`; how each part works and the cost "
        "formulas: `bench/README.md`.",
        "",
        f"Machine: {m['cores']} cores ({m['cpu_model']}), {m['memory_gib']} GiB, Python "
        f"{m['python']}; boto3 {m['packages']['boto3']}, moto {m['packages']['moto']}, "
        f"pydantic {m['packages']['pydantic']}. Commit {m['git_commit']}; "
        f"uncommitted changes outside bench/: {', '.join(dirty) if dirty else 'none'}. "
        "Load average "
        f"{m['load_average_at_start'][0]:.2f} at start, {m['load_average_at_end'][0]:.2f} at "
        "end (other work on the two cores lowers absolute rates; ratios measured in the same "
        "run are affected less).",
        "",
        *report_targets.markdown_lines(results),
        "## Summary",
        "",
        _md_table(
            ["figure", "measured", "reference (same run)", "ratio", "target", "met"],
            [
                [
                    r["figure"],
                    r["measured"],
                    r["reference"],
                    r["ratio"],
                    r["target"],
                    _met(r["met"], "**no**"),
                ]
                for r in results["summary"]
            ],
        ),
        "",
    ]
    p = results.get("pipeline")
    if p:
        stages = p["stages_seconds"]
        total = sum(stages.values())
        ingest_only = total - stages.get("recognise + plan deliveries", 0.0)
        lines += [
            "## 1. In-process pipeline vs floor",
            "",
            f"{p['entries']:,} synthetic entries as one JSON list ({p['body_bytes'] / 1e6:.1f} "
            f"MB). Floor: `json.loads` + `ListingEntry.model_validate` per entry. Pipeline: "
            f"signature → parse → validate → promote → dedup against an in-memory store holding "
            f"every second listing at an older version → `change_between` → `planned_deliveries` "
            f"against {p['subscriptions']} subscriptions (no filters: every change matches all "
            f"of them) and {p['agreements']} agreements. Best of {p['repeats']} each.",
            "",
            f"* floor: {p['floor_seconds']:.3f} s = **{p['floor_entries_per_s']:,.0f} entries/s**",
            f"* pipeline: {p['pipeline_seconds']:.3f} s = "
            f"**{p['pipeline_entries_per_s']:,.0f} entries/s** = **{p['ratio']:.1%}** of the "
            f"floor (target ≥ {PIPELINE_TARGET:.0%})",
            f"* without recognition and fan-out planning (what a push does synchronously; "
            f"fan-out runs later in the stream handler): {p['entries'] / ingest_only:,.0f} "
            f"entries/s = {p['entries'] / ingest_only / p['floor_entries_per_s']:.1%} of the floor",
            f"* outcome: {p['counts']['writes']:,} writes planned, {p['counts']['changes']:,} "
            f"changes, {p['counts']['deliveries']:,} deliveries planned",
            *_numbering_lines(p),
            "",
            "Stages of the best pipeline run:",
            "",
            _md_table(
                ["stage", "seconds", "share", "µs per entry"],
                [
                    [name, f"{sec:.3f}", f"{sec / total:.0%}", f"{sec / p['entries'] * 1e6:.1f}"]
                    for name, sec in stages.items()
                ],
            ),
            "",
        ]
    small, big = _sizes(results)
    if big and small:
        runs = [small, big]
        lines += [
            "## 2. Bulk upload through the local stack (moto in its own process)",
            "",
            "Request (signed manifest) → presigned PUT → the upload-queue handler run by the pump "
            "until the upload is `completed`. **The listings stream is not drained (no fan-out) "
            "in this figure.** Each size ran in a fresh process; RSS is the bench process's "
            "(the app, its boto3 clients, the pump and the HTTP client), moto's is shown apart.",
            "",
            _md_table(
                ["", *[f"{r['entries']:,} entries" for r in runs]],
                [
                    ["file", *[f"{r['file_bytes'] / 1e6:.1f} MB" for r in runs]],
                    [
                        "outcome",
                        *[
                            f"{r['status']}: {r['accepted']:,} accepted, {r['rejected']} rejected"
                            for r in runs
                        ],
                    ],
                    [
                        "describe (platform side, before the request)",
                        *[f"{r['describe_seconds']:.2f} s" for r in runs],
                    ],
                    ["request", *[f"{r['request_seconds']:.2f} s" for r in runs]],
                    ["PUT", *[f"{r['put_seconds']:.2f} s" for r in runs]],
                    ["ingest (queue → completed)", *[f"{r['ingest_seconds']:.1f} s" for r in runs]],
                    [
                        "**request → completed**",
                        *[f"**{r['request_to_completed_seconds']:.1f} s**" for r in runs],
                    ],
                    ["**entries/s**", *[f"**{r['entries_per_s']:,.0f}**" for r in runs]],
                    [
                        "CPU: bench process / moto",
                        *[
                            f"{r['bench_cpu_seconds']:.1f} s / {r['moto_cpu_seconds']:.1f} s"
                            for r in runs
                        ],
                    ],
                    [
                        "gateway CPU per entry",
                        *[f"{r['bench_cpu_seconds'] / r['entries'] * 1e3:.3f} ms" for r in runs],
                    ],
                    ["RSS before the request", *[f"{r['rss_before_mb']:.1f} MB" for r in runs]],
                    [
                        "RSS during ingest (start … end)",
                        *[" → ".join(f"{x:.0f}" for x in r["rss_curve_mb"]) + " MB" for r in runs],
                    ],
                    [
                        "**peak RSS** (max of VmHWM, samples, ru_maxrss)",
                        *[f"**{_peak(r):.1f} MB**" for r in runs],
                    ],
                    ["moto process peak RSS", *[f"{r['moto_peak_rss_mb']:.0f} MB" for r in runs]],
                ],
            ),
            "",
            f"AWS calls made by the gateway for the {big['entries']:,}-entry upload "
            "(request → completed):",
            "",
            _calls_table(big["aws_calls"], big["entries"]),
            "",
        ]
        resend = small.get("resend")
        if resend:
            lines += [
                f"The same {small['entries']:,}-line file uploaded again (every line a "
                f"duplicate): {resend['request_to_completed_seconds']:.1f} s, "
                f"{resend['entries_per_s']:,.0f} entries/s, {resend['accepted']} accepted, "
                f"{resend['duplicate']:,} duplicates; gateway CPU "
                f"{resend['bench_cpu_seconds']:.1f} s, "
                f"moto CPU {resend['moto_cpu_seconds']:.1f} s; "
                f"{resend['aws_totals'].get('ddb_wru', 0)} WRU, "
                f"{resend['aws_totals'].get('ddb_read_items', 0):,} items read.",
                "",
            ]
    naive = results.get("naive")
    if naive:
        lines += [
            "## 3. Naive baseline (one PutItem per entry, sequential)",
            "",
            f"The same synthetic entries, each parsed, validated and promoted like a bulk line and "
            f"written with one `PutItem` of the gateway's own item, one after another (no "
            f"batching, no dedup reads, no S3), on a fresh external-moto stack. Sample: "
            f"{naive['entries']:,} entries in {naive['seconds']:.1f} s = "
            f"**{naive['entries_per_s']:,.0f} entries/s** (CPU: bench "
            f"{naive['bench_cpu_seconds']:.1f} s, moto {naive['moto_cpu_seconds']:.1f} s). "
            f"**Extrapolated** (not measured) to 100,000 entries: "
            f"{100_000 / naive['entries_per_s']:,.0f} s.",
            "",
        ]
        if big:
            ratio = big["entries_per_s"] / naive["entries_per_s"]
            requests = big["aws_totals"].get("ddb_write_requests", 0) + big["aws_totals"].get(
                "ddb_read_requests", 0
            )
            lines += [
                f"Bulk ({big['entries']:,}) / naive = {big['entries_per_s']:,.0f} / "
                f"{naive['entries_per_s']:,.0f} = **{ratio:.1f}×** "
                f"(target ≥ {BULK_OVER_NAIVE_TARGET:.0f}×). Requests: bulk {requests:,} "
                f"DynamoDB requests for {big['entries']:,} entries, naive one per entry.",
                "",
            ]
    lat = results.get("latency")
    if lat:
        b, n = lat["bulk"], lat["naive"]
        lines += [
            f"### 3b. With {lat['latency_ms']:g} ms added to every AWS answer",
            "",
            "Locally moto answers over loopback: a request costs almost nothing beyond moto's own "
            "per-item work, which bulk and naive share, so batching saves less than it does "
            "against DynamoDB, where each request is a network round trip. This variant delays "
            f"each of moto's answers by {lat['latency_ms']:g} ms (a model of the in-region round "
            "trip, not a measurement of AWS):",
            "",
            _md_table(
                ["", "entries", "seconds", "entries/s"],
                [
                    [
                        "bulk",
                        f"{b['entries']:,}",
                        f"{b['request_to_completed_seconds']:.1f}",
                        f"{b['entries_per_s']:,.0f}",
                    ],
                    [
                        "naive",
                        f"{n['entries']:,}",
                        f"{n['seconds']:.1f}",
                        f"{n['entries_per_s']:,.0f}",
                    ],
                ],
            ),
            "",
            f"Bulk / naive = **{b['entries_per_s'] / n['entries_per_s']:.1f}×**; naive 100k "
            f"**extrapolated**: {100_000 / n['entries_per_s']:,.0f} s.",
            "",
        ]
    fan = results.get("fanout")
    if fan:
        accepted = fan["upload"]["accepted"] or 1
        t = fan["fan_out_aws_totals"]
        lines += [
            "## 4. Fan-out to 10 subscribers",
            "",
            f"{fan['subscriptions']} subscriptions (one per province, no filters) and "
            f"{fan['agreements']} agreements; {accepted:,} entries pushed through bulk "
            f"({fan['upload']['entries_per_s']:,.0f} entries/s), then the listings stream "
            f"drained through `app.fan_out_changes` ({fan['stream_records']:,} records in "
            f"{fan['fan_out_invocations']} invocations, {fan['fan_out_seconds']:.1f} s; CPU: "
            f"gateway {fan['fan_out_bench_cpu_seconds']:.1f} s, moto "
            f"{fan['fan_out_moto_cpu_seconds']:.1f} s — moto's FIFO queue emulation dominates "
            f"the wall time). Deliveries are queued, not delivered: "
            f"{fan['delivery_queue_messages']:,} messages wait in the delivery queue.",
            "",
            f"Per accepted entry: **{t.get('ddb_write_items', 0) / accepted:.2f} table writes** "
            f"({t.get('ddb_wru', 0) / accepted:.2f} WRU; transactions bill 2×), "
            f"**{t.get('sqs_send_requests', 0) / accepted:.2f} queue requests** for "
            f"{t.get('sqs_messages', 0) / accepted:.1f} messages "
            f"({t.get('sqs_send_billed_requests', 0) / accepted:.2f} billed 64 KB chunks), "
            f"{t.get('ddb_read_items', 0) / accepted:.2f} items read and "
            f"{t.get('ddb_query_scan_requests', 0) / accepted:.2f} queries/scans.",
            "",
            "Fan-out calls:",
            "",
            _calls_table(fan["fan_out_aws_calls"], accepted),
            "",
            "Ingest calls for the same upload:",
            "",
            _calls_table(fan["ingest_aws_calls"], accepted),
            "",
        ]
    c = results.get("costs")
    if c:
        pr = c["prices_cny"]
        lines += [
            "## Cost model on AWS, per million entries (CNY)",
            "",
            "**Prices are assumptions to check** against the current China-region price pages "
            "(override with `BENCH_PRICE_*`): "
            + ", ".join(f"`{k}` = {v}" for k, v in pr.items())
            + ". Formulas and assumptions: `bench/README.md`.",
            "",
            f"A listing item is {c['listing_item']['item_bytes']:,} bytes "
            f"(`doc` {c['listing_item']['doc_bytes']:,}) → {c['wru_per_listing_item']} WRU; "
            f"its `by_source` index entry {c['listing_item']['gsi_item_bytes']} bytes → "
            f"{c['wru_per_gsi_item']} WRU.",
            "",
            _md_table(
                [
                    "ingest scenario",
                    "RRU / entry",
                    "WRU table",
                    "WRU GSI",
                    "DynamoDB ¥",
                    "Lambda ¥",
                    "total ¥",
                ],
                [
                    [
                        name,
                        f"{s['rru']:.2f}",
                        f"{s['wru_table']:.2f}",
                        f"{s['wru_gsi']}",
                        f"{s['ddb_cny']:.2f}",
                        f"{s['lambda_cny']:.2f}",
                        f"{s['total_cny']:.2f}",
                    ]
                    for name, s in c["ingest_per_million_entries"].items()
                ],
            ),
            "",
            f"Lambda (ingest, 1024 MB): {c['ingest_lambda_gb_s_per_million_measured_rate']:,.0f} "
            f"GB-s per million at the measured local rate "
            f"({c['ingest_rate_entries_per_s']:,.0f} entries/s); "
            f"{c['ingest_lambda_gb_s_per_million_cpu_bound']:,.0f} GB-s if only the gateway's "
            "own CPU counted (no waiting on DynamoDB).",
            "",
        ]
        f = c.get("fan_out")
        if f:
            money = f["per_million_changes_cny"]
            lines += [
                f"Fan-out, per million changes to {f['subscriptions']} subscribers: "
                f"{f['wru_per_change']:.2f} WRU, {f['rru_per_change']:.2f} RRU, "
                f"{f['sqs_billed_requests_per_change']:.2f} SQS billed requests "
                f"({f['messages_per_change']:.0f} messages) and "
                f"{f['cpu_seconds_per_change'] * 1e3:.2f} ms of CPU per change → DynamoDB "
                f"¥{money['dynamodb']:.2f}, SQS ¥{money['sqs']:.2f}, Lambda ¥{money['lambda']:.2f}"
                f" (CPU-bound lower bound), total **¥{money['total']:.2f}**. Delivery itself "
                "(receive, delete, webhook POST, delivery log) is not included.",
                "",
            ]
    if results.get("signatures"):
        lines += signatures.markdown(results["signatures"])
    return "\n".join(lines).rstrip() + "\n"
