"""The commands that call one gateway route each, as the operator or (``--key-id`` and
``--key-file``) as a region's platform: the one-stop query, subscriptions and their
deliveries, and the operator's own (regions, agreements, tick, re-drives); the reply shown as
JSON or as a table. ``cli`` declares their options."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import urllib.parse
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from gateway_client.cli import errors as cli_errors
from gateway_client.cli.errors import read_json_body
from gateway_client.cli.key_files import Registration, read_signer, registration
from gateway_client.cli.subject_table import render_stats, render_subject
from gateway_client.contract import RequestSigner
from gateway_client.push_client import DEFAULT_TIMEOUT, PushClient, Response, http_request

Call = Callable[..., Response]
"""(method, url, body=None) → the reply, sent with the caller's credentials."""


def caller_for(args: argparse.Namespace) -> Call:
    """A platform's key (``--key-id`` and ``--key-file``: each request signed in the request
    form under a fresh webhook-id), else the operator's credentials: the bearer token, or
    (``--iam``, a deployed stack) a SigV4 signature from the caller's AWS credentials, as API
    Gateway's IAM authorisation wants."""
    timeout = getattr(args, "timeout", DEFAULT_TIMEOUT)
    key_id = getattr(args, "signing_key_id", None)
    key_file = getattr(args, "signing_key_file", None)
    if key_id or key_file:
        if not (key_id and key_file):
            raise cli_errors.CliError("a platform signs with both --key-id and --key-file")
        if getattr(args, "token", None) or getattr(args, "iam", False):
            raise cli_errors.CliError(
                "--key-id/--key-file sign as a region's platform; --token and --iam are the "
                "operator's: give one or the other"
            )
        if getattr(args, "idempotency_key", None):
            raise cli_errors.CliError(
                "--idempotency-key is the operator's: a platform's signed creation is made "
                "once by its webhook-id (a new run signs under a new one)"
            )
        return _answers(_signed_call(args.url, read_signer(key_id, key_file), timeout))
    key = getattr(args, "idempotency_key", None)
    # the operator's creation retried under it makes nothing twice, with either credentials
    keyed = {"idempotency-key": key} if key else {}
    if getattr(args, "iam", False):
        return _answers(
            lambda method, url, body=None: http_request(
                method, url, body, {**_sigv4_headers(method, url, body), **keyed}, timeout=timeout
            )
        )
    token = getattr(args, "token", None) or os.environ.get("GATEWAY_OPERATOR_TOKEN")
    headers = {"authorization": f"Bearer {token}"} if token else {}
    headers |= keyed
    return _answers(
        lambda method, url, body=None: http_request(method, url, body, headers, timeout=timeout)
    )


def _answers(call: Call) -> Call:
    """``call``, its successes checked to be the gateway's JSON (``gateway_answer``)."""
    return lambda method, url, body=None: cli_errors.gateway_answer(call(method, url, body))


def _signed_call(url: str, signer: RequestSigner, timeout: float) -> Call:
    client = PushClient(url, "", signer, timeout)
    base = url.rstrip("/")

    def call(method: str, target: str, body: bytes | None = None) -> Response:
        path = target.removeprefix(base)
        return client.send_signed(path, None, body or b"", datetime.now(UTC), method)

    return call


def _sigv4_headers(method: str, url: str, body: bytes | None) -> dict[str, str]:
    try:  # an AWS SDK only for --iam: every other command runs without one
        signing = importlib.import_module("gateway_client.cli.sigv4")
    except ModuleNotFoundError as exc:
        hint = "pip install 'credit-gateway-client[iam]'"
        raise SystemExit(f"--iam needs botocore ({exc}): {hint}") from exc
    headers: dict[str, str] = signing.sigv4_headers(method, url, body)
    return headers


def show_every_page(call: Call, url: str, listed: str, params: dict[str, str]) -> int:
    """A list the gateway answers a page at a time (``after`` → ``next``), read to its end and
    shown as one; a refusal on any page is shown as the command's."""
    items: list[Any] = []
    after: str | None = ""
    asked: set[str] = set()  # a next that leads back to a page asked already never ends
    while after is not None:
        asked.add(after)
        query = urllib.parse.urlencode({k: v for k, v in {**params, "after": after}.items() if v})
        reply = call("GET", url + (f"?{query}" if query else ""))
        if reply.status != 200:
            return show(reply)
        body = cli_errors.gateway_answer(reply).body
        page = body.get(listed) if isinstance(body, dict) else None
        following = body.get("next") if isinstance(body, dict) else None
        if not isinstance(page, list):
            raise cli_errors.CliError(f"the gateway's answer holds no list of {listed}")
        if following is not None and (not isinstance(following, str) or following in asked):
            raise cli_errors.CliError(f"the gateway named {following!r} to go on from")
        items += page
        after = following
    print(json.dumps({listed: items}, ensure_ascii=False, indent=2))
    return 0


def show(reply: Response) -> int:
    if reply.status >= 300:
        raise cli_errors.refused(reply)
    cli_errors.gateway_answer(reply)
    print(json.dumps(reply.body, ensure_ascii=False, indent=2))
    return 0


def query(args: argparse.Namespace) -> int:
    params = {"as": args.as_region, "purpose": args.purpose, "offset": args.offset}
    query = urllib.parse.urlencode({k: v for k, v in params.items() if v not in (None, "")})
    path = f"/v1/subjects/{urllib.parse.quote(args.code)}" + (f"?{query}" if query else "")
    reply = caller_for(args)("GET", args.url.rstrip("/") + path)
    if reply.status != 200 or args.json:
        return show(reply)
    print(render_subject(reply.body))
    return 0


def agreement(args: argparse.Namespace) -> int:
    base = args.url.rstrip("/") + "/v1/agreements"
    call = caller_for(args)
    if args.action == "list":
        return show_every_page(call, base, "agreements", {"subscriber": args.subscriber or ""})
    if args.action == "end":
        return show(call("DELETE", f"{base}/{args.target}"))
    body = read_json_body(args.target)
    if args.action == "create":
        return show(call("POST", base, body))
    agreement_id = _required(args.id, "agreement revise", "--id")
    return show(call("PUT", f"{base}/{urllib.parse.quote(agreement_id)}", body))


def _required(value: str | None, action: str, option: str) -> str:
    """An option the action cannot go without (review 242: sent as "None", or a TypeError)."""
    if not value:
        raise cli_errors.CliError(f"{action} needs {option}")
    return value


def tick(args: argparse.Namespace) -> int:
    body = json.dumps({"at": args.at} if args.at else {}).encode()
    return show(caller_for(args)("POST", args.url.rstrip("/") + "/v1/tick", body))


def redrive_stream_failures(args: argparse.Namespace) -> int:
    """Re-drive StreamFailureQueue while messages go; non-zero if any is kept (still failing,
    expired or unreadable: README, Stream failures)."""
    call = caller_for(args)
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
    reply = caller_for(args)("GET", f"{args.url.rstrip('/')}/v1/stats?{query}")
    if reply.status != 200 or args.json:
        return show(reply)
    print(render_stats(reply.body))
    return 0


def region(args: argparse.Namespace) -> int:
    """The operator's registry: regions and their platforms' keys."""
    base = f"{args.url.rstrip('/')}/v1/regions/{urllib.parse.quote(args.code)}"
    call = caller_for(args)
    if args.action == "put":
        wanted = {
            "name": args.name,
            "kind": args.kind,
            "domains": args.domains.split(",") if args.domains else None,
        }
        put = {k: v for k, v in wanted.items() if v is not None}
        return show(call("PUT", base, json.dumps(put, ensure_ascii=False).encode()))
    if args.action == "keys":
        return show(call("GET", f"{base}/keys"))
    if args.action == "revoke-key":
        key_id = _required(args.key_id, "region revoke-key", "--key-id")
        return show(call("DELETE", f"{base}/keys/{urllib.parse.quote(key_id)}"))
    key = {
        "key_id": args.key_id,
        **vars(_registered(args)),
        "valid_from": args.valid_from,
        "valid_until": args.valid_until,
    }
    body = json.dumps({k: v for k, v in key.items() if v is not None}).encode()
    return show(call("POST", f"{base}/keys", body))


def _registered(args: argparse.Namespace) -> Registration:
    """The key to register: from ``--key-file``, or ``--public-key`` (``whpk_`` is Ed25519; any
    other text is taken as SM2's ``04…`` and checked by the gateway), with ``--user-id``."""
    if args.key_file:
        if args.user_id:
            raise cli_errors.CliError("--user-id goes with --public-key: a key file carries it")
        return registration(args.key_file)
    if not args.public_key:
        raise cli_errors.CliError("add-key needs --public-key or --key-file")
    sm2 = not args.public_key.startswith("whpk_")
    return Registration("sm2" if sm2 else "ed25519", args.public_key, args.user_id)
