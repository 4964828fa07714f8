"""A cost model on AWS per million entries, from what the bench measured.

Every price is an input (environment variable, CNY): the defaults are assumptions to check
against the China (Beijing/Ningxia) price pages before quoting a figure. See bench/README.md for
the formulas written out.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from bench.batch_record import batch_record_sizes
from bench.common import CITY, env_float, item_size
from chalicelib.dynamodb.listings import DynamoListings
from gateway.intake import promote
from gateway_client.contract import ListingEntry
from infra.local import synthetic
from infra.stream_failures import STREAM_BATCH_SIZE

MILLION = 1_000_000
LAMBDA_FULL_VCPU_MB = 1769
"""Lambda gives a function one full vCPU at 1,769 MB and CPU in proportion below that."""


@dataclass(frozen=True)
class Prices:
    """CNY. Defaults are ASSUMPTIONS TO CHECK (see README): each can be overridden by env."""

    wru_per_million: float = 11.1538
    """DynamoDB on-demand write request units (China regions price page: check)."""
    rru_per_million: float = 2.2308
    """DynamoDB on-demand read request units: assumed 1/5 of the write price (check)."""
    lambda_gb_second: float = 0.000113477
    """Lambda x86 duration per GB-second (assumption: check)."""
    lambda_requests_per_million: float = 1.36
    """Lambda invocations (assumption: check)."""
    sqs_fifo_per_million: float = 3.60
    """SQS FIFO requests per million 64 KB chunks (assumption: the global USD price × 7.2)."""

    @classmethod
    def from_env(cls) -> Prices:
        defaults = cls()
        return cls(
            **{
                name: env_float(f"BENCH_PRICE_{name.upper()}", value)
                for name, value in asdict(defaults).items()
            }
        )


def listing_item_sizes() -> dict[str, int]:
    """A synthetic listing's stored item, and what the by_source index projects of it
    (keys of both, plus provenances, status and domain: INCLUDE projection)."""
    raw = synthetic.entry(CITY, 12345)
    listing = promote(ListingEntry.model_validate(raw), CITY, datetime.now(UTC))
    assert listing is not None
    item = DynamoListings(None, "listings")._create(listing, CITY)["Item"]  # type: ignore[arg-type]
    projected = {
        name: item[name]
        for name in (
            "credit_code",
            "listing_id",
            "source_shard",
            "origin_region",
            "provenances",
            "status",
            "domain",
        )
    }
    return {
        "item_bytes": item_size(item),
        "doc_bytes": len(item["doc"]["S"].encode()),
        "gsi_item_bytes": item_size(projected),
    }


def _per_entry(totals: dict[str, int], key: str, entries: int) -> float:
    return totals.get(key, 0) / entries if entries else 0.0


def model(results: dict[str, Any], prices: Prices) -> dict[str, Any]:
    sizes = listing_item_sizes()
    table_wru = max(1, math.ceil(sizes["item_bytes"] / 1024))
    gsi_wru = max(1, math.ceil(sizes["gsi_item_bytes"] / 1024))
    bulk_runs = results.get("bulk", {})
    big = bulk_runs[max(bulk_runs, key=int)] if bulk_runs else None
    small = bulk_runs[min(bulk_runs, key=int)] if bulk_runs else None
    fan = results.get("fanout")

    # --- ingest: measured write units and reads per entry --------------------------------
    if big:
        n = big["entries"]
        new_wru = _per_entry(big["aws_totals"], "ddb_wru", n)
        new_rru = _per_entry(big["aws_totals"], "ddb_read_items", n)
        rate = big["entries_per_s"]
        cpu_per_entry = big["bench_cpu_seconds"] / n
    else:
        new_wru, new_rru, rate, cpu_per_entry = float(table_wru), 1.0, 0.0, 0.0
    resend = (small or {}).get("resend")
    dup_wru = _per_entry(resend["aws_totals"], "ddb_wru", resend["entries"]) if resend else 0.0
    dup_rru = _per_entry(resend["aws_totals"], "ddb_read_items", resend["entries"]) if resend else 1
    scenarios = {
        "new listings (BatchWriteItem, no condition)": {
            "rru": new_rru,
            "wru_table": new_wru,
            "wru_gsi": gsi_wru,
        },
        "unchanged (duplicates: strongly consistent BatchGetItem only)": {
            "rru": dup_rru,
            "wru_table": dup_wru,
            "wru_gsi": 0,
        },
        "updated (conditional UpdateItem per listing)": {
            "rru": 1.0,
            "wru_table": table_wru,
            "wru_gsi": gsi_wru,
        },
    }
    lambda_gb_s = MILLION / rate * 1.0 if rate else 0.0  # 1024 MB = 1 GB
    lambda_cpu_gb_s = MILLION * cpu_per_entry * LAMBDA_FULL_VCPU_MB / 1024
    ingest_lambda_cny = lambda_gb_s * prices.lambda_gb_second
    for figures in scenarios.values():
        wru = figures["wru_table"] + figures["wru_gsi"]
        # units per entry × a million entries × price per million units
        figures["ddb_cny"] = wru * prices.wru_per_million + figures["rru"] * prices.rru_per_million
        figures["lambda_cny"] = ingest_lambda_cny
        figures["total_cny"] = figures["ddb_cny"] + figures["lambda_cny"]

    # --- fan-out per change -------------------------------------------------------------
    fanout: dict[str, Any] = {}
    if fan:
        changes = fan["stream_records"] or 1
        t = fan["fan_out_aws_totals"]
        wru = t.get("ddb_wru", 0) / changes
        rru = (t.get("ddb_read_items", 0) + t.get("ddb_query_scan_requests", 0)) / changes
        sqs = t.get("sqs_send_billed_requests", t.get("sqs_send_requests", 0)) / changes
        cpu = fan["fan_out_bench_cpu_seconds"] / changes
        gb_s = cpu * LAMBDA_FULL_VCPU_MB / 1024
        invocations = fan["fan_out_invocations"] / changes
        fanout = {
            "subscriptions": fan["subscriptions"],
            "wru_per_change": wru,
            "rru_per_change": rru,
            "sqs_billed_requests_per_change": sqs,
            "messages_per_change": t.get("sqs_messages", 0) / changes,
            "cpu_seconds_per_change": cpu,
            "lambda_gb_s_per_change_cpu_bound": gb_s,
            "per_million_changes_cny": {
                "dynamodb": wru * prices.wru_per_million + rru * prices.rru_per_million,
                "sqs": sqs * prices.sqs_fifo_per_million,
                "lambda": MILLION * gb_s * prices.lambda_gb_second
                + invocations * prices.lambda_requests_per_million,
            },
        }
        fanout["per_million_changes_cny"]["total"] = sum(fanout["per_million_changes_cny"].values())
    return {
        "prices_cny": asdict(prices),
        "listing_item": sizes,
        "batch_record": batch_record_sizes(STREAM_BATCH_SIZE),  # a delivered file's record
        "wru_per_listing_item": table_wru,
        "wru_per_gsi_item": gsi_wru,
        "ingest_rate_entries_per_s": rate,
        "ingest_lambda_gb_s_per_million_measured_rate": lambda_gb_s,
        "ingest_lambda_gb_s_per_million_cpu_bound": lambda_cpu_gb_s,
        "ingest_per_million_entries": scenarios,
        "fan_out": fanout,
    }
