"""``gateway person``: the person query (落实到人) — the listings naming a resident ID number as
a responsible person, with the roles, statuses and the measures aimed at the person. The number
goes in the signed body, never in a URL; ``-`` reads it from standard input, so it stays out of
the shell's history and the process list too."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from gateway_client.cli import errors as cli_errors
from gateway_client.cli.operator import caller_for, show
from gateway_client.cli.subject_table import more_pages
from gateway_client.cli.text_table import render
from gateway_client.contract import load_catalogue

ROLE_LABELS = {
    "legal_representative": "法定代表人",
    "principal": "主要负责人",
    "senior_manager": "高级管理人员",
    "director": "董事",
    "shareholder": "股东",
    "registered_practitioner": "注册执业人员",
    "directly_responsible": "直接责任人",
}


def _number(given: str) -> str:
    number = sys.stdin.readline().strip() if given == "-" else given.strip()
    if not number:
        raise cli_errors.CliError("give the resident ID number, or - to read it from stdin")
    return number


def person(args: argparse.Namespace) -> int:
    request: dict[str, Any] = {"id_number": _number(args.id_number), "purpose": args.purpose}
    if args.as_region:
        request["as_region"] = args.as_region
    if args.offset is not None:
        request["offset"] = args.offset
    body = json.dumps(request).encode()
    reply = caller_for(args)("POST", args.url.rstrip("/") + "/v1/persons/query", body)
    if reply.status != 200 or args.json:
        return show(reply)
    print(render_person(reply.body))
    return 0


def render_person(view: dict[str, Any]) -> str:
    where = f" as seen by {view['as_region']}" if view.get("as_region") else ""
    rows = []
    for item in view["listings"]:
        listing = item["listing"]
        domain = load_catalogue().domain(listing["domain"])
        rows.append(
            [
                listing["subject_name"],
                listing["credit_code"],
                domain.label if domain else listing["domain"],
                "/".join(ROLE_LABELS.get(r, r) for r in item["roles"]),
                item["status"],
                "; ".join(
                    ("[强制] " if m["measure"]["mandatory"] else "[推荐] ") + m["measure"]["text"]
                    for m in item["measures"]
                )
                or "-",
            ]
        )
    head = f"responsible person 责任人 (落实到人) {view['id_number']}{where}"
    table = render(["subject", "credit code", "domain", "role", "status", "measures"], rows)
    return head + "\n" + table + more_pages(view)


def declare(commands: Any, remote: Any, purposes: list[str]) -> None:
    """The command's options."""
    command = commands.add_parser(
        "person", help="person query (落实到人): listings naming an ID number as responsible"
    )
    command.add_argument("id_number", help="the person's resident ID number, or - for stdin")
    command.add_argument("--purpose", required=True, choices=purposes, help="why (in the trail)")
    command.add_argument("--as", dest="as_region", help="whose recognition and measures apply")
    command.add_argument(
        "--offset", type=int, help="the page of listings from here (the last page's next_offset)"
    )
    command.add_argument("--json", action="store_true", help="print the raw JSON")
    remote(command, platform=True)
    command.set_defaults(run=person)
