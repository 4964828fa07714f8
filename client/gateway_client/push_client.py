"""The platform side: sign and post pushes and other signed requests (the subscriber's side,
verifying deliveries, is ``gateway_client.receiver``).

Uses only the standard library for HTTP, so a city platform can vendor it easily.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gateway_client.contract import (
    ID_HEADER,
    KEY_ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    RequestSigner,
    RequestTarget,
    resident_id_in,
    uses_push_form,
)
from gateway_client.exchange_deadline import Deadline

DEFAULT_TIMEOUT = 30.0
"""Seconds to wait for each answer's headers (connect, the gateway's work), before giving up;
its body then has the time its length takes on a slow link (``exchange_deadline``)."""


@dataclass(frozen=True)
class Response:
    status: int
    body: Any
    headers: Mapping[str, str]


class NotHttpUrl(ValueError):
    """The URL given for the gateway is not ``http(s)://…``."""


def refusal_text(reply: Response) -> str:
    """An error reply in one line: the gateway's ``{"error": {code, message, path | field |
    header}}``, or what API Gateway or a proxy in front of it said instead."""
    error = reply.body.get("error") if isinstance(reply.body, dict) else None
    if isinstance(error, dict):
        where = next((error[k] for k in ("path", "field", "header") if error.get(k)), None)
        said = f"{error.get('code')}" + (f" (field {where})" if where else "")
        said += f": {error.get('message')}"
    elif isinstance(reply.body, dict) and "message" in reply.body:
        said = str(reply.body["message"])
    else:
        said = " ".join(str(reply.body or "(no body)").split())[:200]
    retry = {k.lower(): v for k, v in reply.headers.items()}.get("retry-after")
    return f"HTTP {reply.status} {said}" + (f" (retry after {retry} s)" if retry else "")


def signed_headers(
    signer: RequestSigner,
    msg_id: str,
    body: bytes,
    now: datetime,
    target: RequestTarget | None = None,
) -> dict[str, str]:
    """Standard Webhooks headers: the push form, or with ``target`` the request form."""
    timestamp = int(now.timestamp())
    return {
        "content-type": "application/json",
        ID_HEADER: msg_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signer.sign(msg_id, timestamp, body, target),
        KEY_ID_HEADER: signer.key_id,
    }


def fresh_id(prefix: str) -> str:
    """A random id (a batch's, an upload's, a request's) the gateway takes: never one whose
    hex digits happen to read as a resident ID number, which ids, as text, may not hold (one
    in some 10⁵ did, and its push was refused 400 ``id_number_in_text``)."""
    while True:
        made = f"{prefix}{uuid.uuid4().hex}"
        if resident_id_in(made) is None:
            return made


def new_request_id() -> str:
    """A request's webhook-id: random, since the gateway accepts each id once per key."""
    return fresh_id("req_")


def request_headers(
    signer: RequestSigner,
    method: str,
    target: str,
    body: bytes,
    now: datetime,
    msg_id: str | None = None,
) -> dict[str, str]:
    """Headers for a signed request other than a push or an upload manifest: the request form
    over ``method``, ``target`` (the path after the base URL, with its query) and ``body``,
    under a fresh webhook-id unless one is given."""
    form = RequestTarget.from_url(method, target)
    return signed_headers(signer, msg_id or new_request_id(), body, now, form)


def wire_target(target: str) -> str:
    """``target`` with its query rewritten in the canonical form that was signed, so what the
    gateway decodes is what was signed (``+`` and ``%20`` never get a say)."""
    path, _, _ = target.partition("?")
    query = RequestTarget.from_url("GET", target).query
    return f"{path}?{query}" if query else path


def http_request(
    method: str,
    url: str,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> Response:
    """One HTTP exchange; 4xx/5xx come back as a ``Response``, not an exception."""
    if not url.startswith(("http://", "https://")):
        raise NotHttpUrl(f"not an http(s) URL: {url}")
    sent = {
        "content-type": "application/json",
        **{k.lower(): v for k, v in (headers or {}).items()},
    }
    request = urllib.request.Request(url, data=body, method=method, headers=sent)  # noqa: S310
    with Deadline(timeout) as deadline:
        try:
            with deadline.opener().open(request, timeout=timeout) as reply:
                deadline.allow_body(reply)
                return Response(reply.status, _decode(deadline.read(reply)), dict(reply.headers))
        except urllib.error.HTTPError as error:
            deadline.allow_body(error)
            return Response(error.code, _decode(deadline.read(error)), dict(error.headers))


def _decode(raw: bytes) -> Any:
    """An answer's JSON, or its text where it is none (not UTF-8, nested past the parser's
    depth): the caller then names the answer as the gateway's fault (review 355)."""
    try:
        return json.loads(raw) if raw else None
    except (ValueError, RecursionError):
        return raw.decode("utf-8", "replace")


class PushClient:
    """Sign and send batches for one region with one of its platform keys."""

    def __init__(
        self,
        base_url: str,
        region: str,
        signer: RequestSigner,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self._base = base_url.rstrip("/")
        self.region = region
        self._signer = signer
        self.timeout = timeout

    def build(
        self,
        entries: Sequence[Mapping[str, Any]],
        batch_id: str | None,
        now: datetime,
        removals: Sequence[Mapping[str, Any]] = (),
    ) -> tuple[str, bytes]:
        batch_id = batch_id or fresh_id("b-")
        body: dict[str, Any] = {
            "region": self.region,
            "batch_id": batch_id,
            "issued_at": now.isoformat(),
            "entries": list(entries),
        }
        if removals:
            body["removals"] = list(removals)
        return batch_id, json.dumps(body, ensure_ascii=False).encode()

    def send_signed(
        self, path: str, msg_id: str | None, body: bytes, now: datetime, method: str = "POST"
    ) -> Response:
        """A push or an upload manifest signed with ``msg_id`` (its batch or upload id); any
        other request (``msg_id`` None) in the request form under a fresh random id, since
        the gateway accepts a request's id once. A GET signs the empty body."""
        if uses_push_form(method, path):
            if msg_id is None:
                raise ValueError(f"{method} {path} is signed with its batch or upload id")
            headers = signed_headers(self._signer, msg_id, body, now)
        elif msg_id is not None:
            raise ValueError(f"{method} {path} gets a fresh webhook-id: pass None, not {msg_id}")
        else:
            headers = request_headers(self._signer, method, path, body, now)
            path = wire_target(path)
        data = body if body else None
        return http_request(method, self._base + path, data, headers, self.timeout)

    def send_json(self, path: str, msg_id: str | None, body: Any, now: datetime) -> Response:
        return self.send_signed(path, msg_id, json.dumps(body, ensure_ascii=False).encode(), now)

    def push(
        self,
        entries: Sequence[Mapping[str, Any]],
        now: datetime,
        batch_id: str | None = None,
        issued_at: datetime | None = None,
        removals: Sequence[Mapping[str, Any]] = (),
    ) -> Response:
        """Sign and send a batch (its entries, and any ``removals``) at ``now``; ``issued_at``
        (default ``now``) is the body's: a retry under the same ``batch_id`` must send the first
        body, its ``issued_at`` too."""
        batch_id, body = self.build(entries, batch_id, issued_at or now, removals)
        return self.send_signed("/v1/pushes", batch_id, body, now)
