"""The report's sections on what requests cost: the naive baseline (3), the same with latency
added to every AWS answer (3b), fan-out's writes and sends (4), and the cost model in CNY."""

from __future__ import annotations

from typing import Any

from bench.markdown_tables import calls_table, md_table
from bench.report_summary import BULK_OVER_NAIVE_TARGET, sizes


def sections(results: dict[str, Any]) -> list[str]:
    """Sections 3, 3b, 4 and the cost model, each only when its part ran."""
    lines: list[str] = []
    _, big = sizes(results)
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
            md_table(
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
            calls_table(fan["fan_out_aws_calls"], accepted),
            "",
            "Ingest calls for the same upload:",
            "",
            calls_table(fan["ingest_aws_calls"], accepted),
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
            md_table(
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
    return lines
