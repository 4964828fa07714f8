"""Readable terminal views of the one-stop query and of monthly statistics."""

from __future__ import annotations

from typing import Any

from gateway_client.cli.text_table import render
from gateway_client.contract import load_catalogue


def _label(domain: str) -> str:
    found = load_catalogue().domain(domain)
    return found.label if found else domain


_KINDS = {"red": "红", "black": "黑", "commitment": "承诺", "evaluation": "评价"}


def _grade_or_outcome(listing: dict[str, Any]) -> str | None:
    """An evaluation's grade, a commitment's outcome (or its deadline while open): what the
    severity column says of a black listing (review 147: both printed as 黑, saying nothing)."""
    graded, made = listing.get("evaluation"), listing.get("commitment")
    if graded:
        return f"grade {graded['grade']}"
    if made:
        return str(made.get("outcome") or f"open, due {made.get('deadline') or '-'}")
    return None


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
                _KINDS.get(str(listing["kind"]), str(listing["kind"])),
                _label(listing["domain"]),
                _grade_or_outcome(listing) or listing.get("severity") or "-",
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
            [
                "kind",
                "domain",
                "severity / grade",
                "status",
                "recognised",
                "basis / reason",
                "measures",
            ],
            rows,
        )
    )
    return "\n".join(lines) + more_pages(view)


def more_pages(view: dict[str, Any]) -> str:
    """A line saying the view is a page of its listings (a lookup answers 100 at once)."""
    if view.get("next_offset") is None:
        return ""
    shown = f"{len(view['listings'])} of {view['listings_total']} listings shown"
    return f"\n{shown}; the next page: --offset {view['next_offset']}"


def upward_line(u: dict[str, Any]) -> str:
    """One upward-reporting rule's month (向上报送): on time / due, and the share settled."""
    share = "-" if u["share"] is None else f"{u['share']:.0%}"
    return (
        f"upward reporting 向上报送 {u['rule']} → {u['target']} within {u['within_hours']} h: "
        f"{u['reported_on_time']}/{u['due']} on time, {u['late']} late, {u['missing']} missing, "
        f"{u['pending']} pending, {share} on time"
    )


def render_stats(stats: dict[str, Any]) -> str:
    pushes, objections, publication, cases, usage = (
        stats["pushes"],
        stats["objections"],
        stats["publication"],
        stats["cases"],
        stats["usage"],
    )
    share = publication["within_7_working_days_share"]
    median = publication["median_working_days"]  # none without new listings: "-", as the share
    lines = [
        f"region {stats['region']} (with its subtree), {stats['month']}",
        "pushes: {batches} batches, {accepted} accepted, {duplicate} duplicate, "
        "{removed} removed, {rejected} rejected".format(**pushes),
        "objections: {opened} opened, {decided} decided, {overdue} overdue".format(**objections),
        f"repairs: {stats['repairs']}, expiries: {stats['expiries']}",
        f"publication: {publication['listings']} new listings, median "
        f"{'-' if median is None else median} working days from decision to the exchange, "
        f"{'-' if share is None else f'{share:.0%}'} within 7 working days (双公示)",
        "cases (executed measures reported): {total}, {punishments} punishments, "
        "{incentives} incentives".format(**cases),
        "checks: {checks} ({codes_checked} codes), {reports} signed reports".format(**usage),
        *[upward_line(u) for u in stats.get("upward", ())],
        "",
        render(
            ["pilot", "target a month", "cases", "met"],
            [
                [
                    f"{p['pilot']['name']} ({p['pilot']['kind']})",
                    _target(p["pilot"]),
                    p["cases"],
                    "yes" if p["meets_target"] else "no",
                ]
                for p in cases["pilots"]
            ],
        )
        if cases["pilots"]
        else "no pilot targets for this region",
        "",
        render(
            ["sector", "cases"], [[_label(d), n] for d, n in sorted(cases["by_sector"].items())]
        ),
        "",
        render(
            ["active black list", "severity", "count"],
            [
                [_label(domain), severity, count]
                for domain, counts in sorted(stats["active_black"].items())
                for severity, count in sorted(counts.items())
            ],
        ),
        "",
        render(
            ["active red list", "count"],
            [[_label(d), n] for d, n in sorted(stats["active_red"].items())],
        ),
        "",
        render(
            ["subscriber", "deliveries", "with feedback", "rate"],
            [
                [f["subscriber_region"], f["deliveries"], f["with_feedback"], f"{f['rate']:.0%}"]
                for f in stats["feedback"]
            ],
        ),
    ]
    return "\n".join(lines)


def _target(pilot: dict[str, Any]) -> str:
    low, high = pilot["min_cases"], pilot.get("max_cases")
    return f"{low}–{high}" if high else f"at least {low}"


def render_upload(upload: dict[str, Any], shown_errors: int = 20) -> str:
    """A bulk upload's result: counts, the resync's removals, a refusal, the first errors."""
    manifest = upload["manifest"]
    lines = [
        f"upload {manifest['upload_id']} ({manifest['mode']}) for {manifest['region']}: "
        f"{upload['status']}",
        render(
            ["lines", "accepted", "duplicate", "rejected", "removed"],
            [[upload[k] for k in ("lines", "accepted", "duplicate", "rejected", "removed")]],
        ),
    ]
    if manifest["mode"] == "resync":
        note = f" — {upload['removal_note']}" if upload["removal_note"] else ""
        lines.append(f"removal of listings absent from the file: {upload['removal']}{note}")
    if upload.get("refusal"):
        lines.append(f"refused: {upload['refusal']['code']} — {upload['refusal']['message']}")
    errors = upload["errors"][:shown_errors]
    if errors:
        more = upload["rejected"] - len({e["line"] for e in errors})
        lines += [
            "",
            render(
                ["line", "field", "code", "message"],
                [[e["line"], e["field"], e["code"], e["message"]] for e in errors],
            ),
        ]
        if more > 0:
            lines.append(f"… and {more} more rejected lines")
    return "\n".join(lines)
