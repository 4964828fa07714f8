"""The one-stop query as a readable terminal table (``gateway query CODE --as REGION``)."""

from __future__ import annotations

from typing import Any

from gateway.catalogue import load_catalogue
from gateway.text_table import render


def _label(domain: str) -> str:
    found = load_catalogue().domain(domain)
    return found.label if found else domain


def render_subject(view: dict[str, Any]) -> str:
    where = f" as seen by {view['as_region']}" if view.get("as_region") else ""
    lines = [
        f"{view['subject_name']}  {view['credit_code']}  ({view['subject_type']}){where}",
        "intensified joint punishment (加大联合惩戒): "
        + (
            "YES — " + ", ".join(map(_label, view["intensified_domains"]))
            if view["intensified"]
            else "no"
        ),
        "green channel (绿色通道 / 容缺受理): "
        + ("yes" if view["benefits"]["green_channel"] else "no"),
        "",
    ]
    rows = []
    for item in view["listings"]:
        listing = item["listing"]
        recognised = item.get("recognised")
        why = item.get("basis") if recognised else item.get("reasons")
        rows.append(
            [
                "红" if listing["kind"] == "red" else "黑",
                _label(listing["domain"]),
                listing.get("severity") or "-",
                listing["status"],
                {True: "yes", False: "no", None: "-"}[recognised],
                ", ".join(why or []) or "-",
                "; ".join(
                    ("[强制] " if m["mandatory"] else "[推荐] ") + m["text"]
                    for m in item.get("measures", [])
                )
                or "-",
            ]
        )
    lines.append(
        render(
            ["kind", "domain", "severity", "status", "recognised", "basis / reason", "measures"],
            rows,
        )
    )
    return "\n".join(lines)
