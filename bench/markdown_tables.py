"""Markdown tables of the report: any rows, and the AWS calls a part made (per entry)."""

from __future__ import annotations

from typing import Any


def md_table(headers: list[str], rows: list[list[Any]]) -> str:
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(out)


def calls_table(calls: dict[str, dict[str, Any]], per: int) -> str:
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
    return md_table(
        ["operation [table]", "calls", "items", "items / entry", "WRU", "SQS billed", "bytes"],
        rows,
    )
