"""``gateway console``: open the browser console as a region's platform (``--key-id`` and
``--key-file``) or as the operator.

The platform key never reaches the browser, nor does a token travel in an address: this command
signs one request for a **hand-off code** and opens the console with the code in the address's
fragment (which a browser never sends to a server). The page redeems the code for the session's
token, keeps the token in the tab's session storage and clears the address bar. A code works
once and for a minute, so what a browser's history or the process list shows is already spent.
"""

from __future__ import annotations

import argparse
import json
import urllib.parse
import webbrowser
from datetime import datetime
from typing import Any

from gateway_client.cli.errors import CliError
from gateway_client.cli.operator import caller_for, show
from gateway_client.contract import CHINA


def console(args: argparse.Namespace) -> int:
    if args.iam:  # the session route is shared with platforms: API Gateway checks no IAM there
        raise CliError("the operator opens a console session with the token (--token)")
    base = args.url.rstrip("/")
    if args.region and not args.close_all:
        raise CliError("--region names whose sessions --close-all closes")
    if args.close_all:  # a lost laptop: every session of the region (the operator's: its own)
        named = f"?region={urllib.parse.quote(args.region)}" if args.region else ""
        closed = caller_for(args)("DELETE", base + "/v1/console/sessions" + named)
        if closed.status != 200:
            return show(closed)
        print(f"every console session opened before {closed.body['closed_at']} is closed")
        return 0
    body = json.dumps({"ttl_minutes": args.minutes, "handoff": True}).encode()
    reply = caller_for(args)("POST", base + "/v1/console/sessions", body)
    if reply.status != 201:
        return show(reply)
    session: dict[str, Any] = reply.body
    link = f"{base}/console#handoff={session['handoff']}"
    until = datetime.fromisoformat(session["expires_at"]).astimezone(CHINA)
    who = (
        f"{session['region_name'] or ''} {session['region']}".strip()
        if session["region"]
        else "the operator"
    )
    print(f"console session for {who} until {until:%Y-%m-%d %H:%M} (Beijing time, UTC+8)")
    print("confirm the hand-off in the browser (in a tab not signed in already)")
    if args.no_open or not webbrowser.open(link):
        print("open this address in your browser within a minute (it signs in once):")
        print(link)
    return 0


def declare(commands: Any, remote: Any) -> None:
    command = commands.add_parser(
        "console", help="open the web console (a short session, signed with your key)"
    )
    command.add_argument(
        "--minutes", type=int, default=60, help="how long the session lasts (5 to 480)"
    )
    command.add_argument(
        "--no-open", action="store_true", help="print the address instead of opening a browser"
    )
    command.add_argument(
        "--close-all",
        action="store_true",
        help="close every console session of your region now (a lost laptop), open none",
    )
    command.add_argument(
        "--region",
        help="--close-all as the operator: this region's sessions (without it, the operator's)",
    )
    remote(command, platform=True)
    command.set_defaults(run=console)
