"""A subscriber's commands: create and manage subscriptions, read their deliveries, and run
an endpoint (``gateway listen``) that verifies and stores what the gateway sends."""

from __future__ import annotations

import argparse
import functools
import json
import sys
import time
import urllib.parse
from pathlib import Path
from typing import Any

from gateway_client.batch_receiver import fetch_file
from gateway_client.cli.errors import CliError, read_json_body
from gateway_client.cli.key_files import read_secret
from gateway_client.cli.operator import Call, caller_for, show, show_every_page
from gateway_client.cli.options import port, remote
from gateway_client.cli.serving import serve_until_stopped
from gateway_client.contract import DEFAULT_TOLERANCE
from gateway_client.delivery_store import DeliveryStore, serving
from gateway_client.listener import Listener, serve
from gateway_client.receiver import Audience, fetch_gateway_keys


def add_commands(commands: Any) -> None:
    subscribe = commands.add_parser("subscribe", help="create a subscription")
    subscribe.add_argument("file", help="JSON: {region, url, filters, signature_scheme, …}")
    subscribe.add_argument(
        "--idempotency-key",
        help="the operator: run again with the same key, nothing is subscribed twice",
    )
    remote(subscribe, platform=True)
    subscribe.set_defaults(run=_create)

    manage = commands.add_parser("subscription", help="list, show, change or delete subscriptions")
    manage.add_argument(
        "action",
        choices=["list", "get", "update", "delete", "pause", "resume", "rotate-secret", "test"],
    )
    manage.add_argument("subscription", nargs="?", help="its id (all but list)")
    manage.add_argument("--file", help="update: JSON of the fields to change")
    manage.add_argument("--region", help="list: only this region's (the operator)")
    manage.add_argument(
        "--overlap", type=int, help="rotate-secret: seconds the old secret still signs"
    )
    remote(manage, platform=True)
    manage.set_defaults(run=_manage)

    deliveries = commands.add_parser("deliveries", help="a subscription's deliveries and attempts")
    deliveries.add_argument("subscription")
    deliveries.add_argument("--state", choices=["delivered", "retrying", "dead"])
    deliveries.add_argument("--limit", type=int, help="at most this many (1-500; default 100)")
    deliveries.add_argument("--after", help="go on from a previous answer's next")
    redrive = commands.add_parser("redrive", help="send a subscription's dead deliveries again")
    redrive.add_argument("subscription")
    redrive.add_argument("--id", dest="ids", action="append", help="only these delivery ids")
    replay = commands.add_parser("replay", help="send every matching change since a log sequence")
    replay.add_argument("subscription")
    replay.add_argument("--from", dest="from_sequence", type=int, required=True)
    replay.add_argument("--to", dest="to_sequence", type=int)
    enable = commands.add_parser("enable", help="re-enable a disabled subscription")
    enable.add_argument("subscription")
    enable.add_argument("--no-redeliver", action="store_true", help="do not send what it missed")
    verify_url = commands.add_parser(
        "verify", help="challenge a pending subscription's endpoint again (URL verification)"
    )
    verify_url.add_argument("subscription")
    for command in (deliveries, redrive, replay, enable, verify_url):
        remote(command, platform=command is not redrive)
        command.set_defaults(run=_act)

    listen = commands.add_parser(
        "listen", help="run an endpoint that verifies and stores a subscription's deliveries"
    )
    listen.add_argument("--port", type=port, required=True, help="the port to listen on")
    listen.add_argument("--host", default="127.0.0.1", help="the address (default 127.0.0.1)")
    listen.add_argument("--subscription", required=True, help="the subscription it serves")
    listen.add_argument("--region", required=True, help="your region code (the audience)")
    listen.add_argument("--store", required=True, help="append deliveries to this file")
    listen.add_argument(
        "--secret-file", help="a v1 subscription: file holding its whsec_ secret (default: v1a)"
    )
    listen.add_argument(
        "--algorithm",
        choices=["ed25519", "sm2"],
        default="ed25519",
        help="the gateway keys to trust: ed25519 (v1a, the default) or sm2 (a v1sm2 "
        "subscription); only that algorithm's signatures are verified",
    )
    remote(listen, token=False)
    listen.set_defaults(run=_listen)


def _listen(args: argparse.Namespace) -> int:
    """Serve until interrupted; each webhook's outcome is one line on stderr."""
    secret = read_secret(args.secret_file) if args.secret_file else None
    audience = Audience(args.subscription, args.region, (), secret, DEFAULT_TOLERANCE)
    with serving(Path(args.store)):  # one listener per store: refused while another serves it
        return _serve(args, audience, DeliveryStore(Path(args.store)))


def _serve(args: argparse.Namespace, audience: Audience, store: DeliveryStore) -> int:
    listener = Listener(
        audience,
        store,
        lambda: [
            key
            for key in fetch_gateway_keys(args.url, args.timeout)
            if key.algorithm == args.algorithm
        ],
        lambda line: print(f"listen: {line}", file=sys.stderr, flush=True),
        fetch=functools.partial(fetch_file, timeout=args.timeout),  # --timeout, as for the keys
    )
    return serve_until_stopped(
        functools.partial(serve, listener),
        (args.host, args.port),
        lambda host, port: (
            f"listen: http://{host}:{port}/ for {args.subscription} "
            f"({args.region}), {len(store)} deliveries in {args.store}"
        ),
    )


def _act(args: argparse.Namespace) -> int:
    """deliveries / redrive / replay / enable / verify: handles on one subscription (re-drive
    is the operator's)."""
    base = f"{args.url.rstrip('/')}/v1/subscriptions/{urllib.parse.quote(args.subscription)}"
    call = caller_for(args)
    if args.command == "deliveries":
        asked = {"state": args.state, "limit": args.limit, "after": args.after}
        query = urllib.parse.urlencode({k: v for k, v in asked.items() if v is not None})
        return show(call("GET", f"{base}/deliveries" + (f"?{query}" if query else "")))
    if args.command == "replay":
        return _replay(call, f"{base}/replay", args.from_sequence, args.to_sequence)
    bodies: dict[str, dict[str, Any]] = {
        "redrive": {"delivery_ids": args.ids} if getattr(args, "ids", None) else {},
        "enable": {"redeliver_missed": not getattr(args, "no_redeliver", False)},
        "verify": {},
    }
    body = json.dumps(bodies[args.command]).encode()
    return show(call("POST", f"{base}/{args.command}", body))


_RATE_LIMITED_TRIES = 10  # 429s in a row waited out before the command gives up


def _replay(call: Call, url: str, start: int, end: int | None) -> int:
    """The range asked, request after request: one goes through at most 5,000 log entries and
    names where the next starts, which must be further on (else the command would never end);
    a 429 (replays a minute per subscribing region) is waited out, a few in a row at most."""
    limited = 0
    while True:
        body = json.dumps({"from_sequence": start, "to_sequence": end}).encode()
        reply = call("POST", url, body)
        if reply.status == 429 and limited < _RATE_LIMITED_TRIES:
            limited += 1
            retry = {k.lower(): v for k, v in reply.headers.items()}.get("retry-after", "")
            time.sleep(min(int(retry) if retry.isdigit() else 1, 60))
            continue
        limited = 0
        show(reply)
        following = reply.body.get("next_from_sequence") if isinstance(reply.body, dict) else None
        if following is None:
            return 0
        if not isinstance(following, int) or following <= start:
            raise CliError(f"the gateway named {following!r} to go on from, not after {start}")
        start = following


def _manage(args: argparse.Namespace) -> int:
    """list / get / update / delete / pause / resume / rotate-secret / test: a subscription
    in its owner's hands (or the operator's)."""
    root = f"{args.url.rstrip('/')}/v1/subscriptions"
    _only_where_used(args)
    call = caller_for(args)
    if args.action == "list":
        return show_every_page(call, root, "subscriptions", {"region": args.region or ""})
    if not args.subscription:
        raise CliError(f"subscription {args.action} needs the subscription's id")
    base = f"{root}/{urllib.parse.quote(args.subscription)}"
    if args.action == "get":
        return show(call("GET", base))
    if args.action == "delete":
        return show(call("DELETE", base))
    if args.action == "update":
        if not args.file:
            raise CliError("subscription update needs --file with the changes as JSON")
        return show(call("PATCH", base, read_json_body(args.file)))
    rotating = args.action == "rotate-secret" and args.overlap is not None
    body = json.dumps({"overlap_seconds": args.overlap} if rotating else {}).encode()
    return show(call("POST", f"{base}/{args.action}", body))


def _only_where_used(args: argparse.Namespace) -> None:
    """An option the action does not take is a mistake to say, not to ignore."""
    unused = [
        option
        for option, given, used_by in (
            ("subscription id", args.subscription, args.action != "list"),
            ("--file", args.file, args.action == "update"),
            ("--region", args.region, args.action == "list"),
            ("--overlap", args.overlap is not None, args.action == "rotate-secret"),
        )
        if given and not used_by
    ]
    if unused:
        raise CliError(f"subscription {args.action} takes no {', '.join(unused)}")


def _create(args: argparse.Namespace) -> int:
    body = read_json_body(args.file)
    return show(caller_for(args)("POST", args.url.rstrip("/") + "/v1/subscriptions", body))
