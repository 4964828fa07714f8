"""The operator's commands (and the one-stop query, which the operator or a region runs):
each a call to one gateway route with the operator's credentials, the reply shown as JSON or
as a table. ``cli`` declares their options."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import urllib.parse
from collections.abc import Callable
from typing import Any

from gateway_client.cli import errors as cli_errors
from gateway_client.cli.errors import read_json_body, read_key
from gateway_client.cli.subject_table import render_stats, render_subject
from gateway_client.contract import public_key_text
from gateway_client.push_client import DEFAULT_TIMEOUT, Response, http_request

OperatorCall = Callable[..., Response]
"""(method, url, body=None) → the reply, sent with the operator's credentials."""


def operator_call(args: argparse.Namespace) -> OperatorCall:
    """The operator's credentials: the bearer token, or (``--iam``, a deployed stack) a SigV4
    signature from the caller's AWS credentials, as API Gateway's IAM authorisation wants."""
    timeout = getattr(args, "timeout", DEFAULT_TIMEOUT)
    if getattr(args, "iam", False):
        return lambda method, url, body=None: http_request(
            method, url, body, _sigv4_headers(method, url, body), timeout=timeout
        )
    token = getattr(args, "token", None) or os.environ.get("GATEWAY_OPERATOR_TOKEN")
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return lambda method, url, body=None: http_request(method, url, body, headers, timeout=timeout)


def _sigv4_headers(method: str, url: str, body: bytes | None) -> dict[str, str]:
    try:  # an AWS SDK only for --iam: every other command runs without one
        signing = importlib.import_module("gateway_client.cli.sigv4")
    except ModuleNotFoundError as exc:
        hint = "pip install 'credit-gateway-client[iam]'"
        raise SystemExit(f"--iam needs botocore ({exc}): {hint}") from exc
    headers: dict[str, str] = signing.sigv4_headers(method, url, body)
    return headers


def show(reply: Response) -> int:
    if reply.status >= 300:
        raise cli_errors.refused(reply)
    print(json.dumps(reply.body, ensure_ascii=False, indent=2))
    return 0


def query(args: argparse.Namespace) -> int:
    params = {"as": args.as_region, "purpose": args.purpose}
    query = urllib.parse.urlencode({k: v for k, v in params.items() if v})
    path = f"/v1/subjects/{urllib.parse.quote(args.code)}" + (f"?{query}" if query else "")
    reply = operator_call(args)("GET", args.url.rstrip("/") + path)
    if reply.status != 200 or args.json:
        return show(reply)
    print(render_subject(reply.body))
    return 0


def agreement(args: argparse.Namespace) -> int:
    base = args.url.rstrip("/") + "/v1/agreements"
    call = operator_call(args)
    if args.action == "list":
        query = f"?subscriber={urllib.parse.quote(args.subscriber)}" if args.subscriber else ""
        return show(call("GET", base + query))
    if args.action == "end":
        return show(call("DELETE", f"{base}/{args.target}"))
    body = read_json_body(args.target)
    if args.action == "create":
        return show(call("POST", base, body))
    return show(call("PUT", f"{base}/{args.id}", body))


def tick(args: argparse.Namespace) -> int:
    body = json.dumps({"at": args.at} if args.at else {}).encode()
    return show(operator_call(args)("POST", args.url.rstrip("/") + "/v1/tick", body))


def redrive_stream_failures(args: argparse.Namespace) -> int:
    """Re-drive StreamFailureQueue while messages go; non-zero if any is kept (still failing,
    expired or unreadable: README, Stream failures)."""
    call = operator_call(args)
    url = args.url.rstrip("/") + "/v1/stream-failures/redrive"
    body = json.dumps({"discard": args.discard or []}).encode()
    seen: dict[str, Any] = {}
    while True:
        reply = call("POST", url, body)
        if reply.status != 200:
            return show(reply)
        seen.update({m["message_id"]: m for m in reply.body["messages"]})
        went = any(m["outcome"] in ("redriven", "discarded") for m in reply.body["messages"])
        if not went or reply.body["remaining"] == 0:
            break
    kept = [m for m in seen.values() if m["outcome"] not in ("redriven", "discarded")]
    result = {"messages": list(seen.values()), "kept": len(kept)}
    print(json.dumps(result | {"remaining": reply.body["remaining"]}, indent=2))
    return 1 if kept else 0


def stats(args: argparse.Namespace) -> int:
    query = urllib.parse.urlencode({"region": args.region, "month": args.month})
    reply = operator_call(args)("GET", f"{args.url.rstrip('/')}/v1/stats?{query}")
    if reply.status != 200 or args.json:
        return show(reply)
    print(render_stats(reply.body))
    return 0


def subscription_action(args: argparse.Namespace) -> int:
    """deliveries / redrive / replay / enable / verify: the operator's handles on one
    subscription."""
    base = f"{args.url.rstrip('/')}/v1/subscriptions/{urllib.parse.quote(args.subscription)}"
    call = operator_call(args)
    if args.command == "deliveries":
        query = f"?state={urllib.parse.quote(args.state)}" if args.state else ""
        return show(call("GET", f"{base}/deliveries{query}"))
    bodies: dict[str, dict[str, Any]] = {
        "redrive": {"delivery_ids": args.ids} if getattr(args, "ids", None) else {},
        "replay": {
            "from_sequence": getattr(args, "from_sequence", 1),
            "to_sequence": getattr(args, "to_sequence", None),
        },
        "enable": {"redeliver_missed": not getattr(args, "no_redeliver", False)},
        "verify": {},
    }
    body = json.dumps(bodies[args.command]).encode()
    return show(call("POST", f"{base}/{args.command}", body))


def region(args: argparse.Namespace) -> int:
    """The operator's registry: regions and their platforms' keys."""
    base = f"{args.url.rstrip('/')}/v1/regions/{urllib.parse.quote(args.code)}"
    call = operator_call(args)
    if args.action == "put":
        body = json.dumps({"name": args.name}, ensure_ascii=False).encode()
        return show(call("PUT", base, body))
    if args.action == "keys":
        return show(call("GET", f"{base}/keys"))
    if args.action == "revoke-key":
        return show(call("DELETE", f"{base}/keys/{urllib.parse.quote(args.key_id)}"))
    public = args.public_key or public_key_text(read_key(args.key_file))
    key = {
        "key_id": args.key_id,
        "public_key": public,
        "valid_from": args.valid_from,
        "valid_until": args.valid_until,
    }
    body = json.dumps({k: v for k, v in key.items() if v is not None}).encode()
    return show(call("POST", f"{base}/keys", body))


def subscribe(args: argparse.Namespace) -> int:
    body = read_json_body(args.file)
    return show(operator_call(args)("POST", args.url.rstrip("/") + "/v1/subscriptions", body))
