"""``gateway listen``: a subscriber's endpoint to start from.

It verifies every webhook (the gateway's signature, the timestamp, and that it is addressed to
this subscription and region), keeps each delivery as one line of a file that ``gateway
verify-log`` audits, with the signature it verified kept beside it
(``gateway_client.delivery_store``), and answers 2xx only once both are on disk: a crash before
that leaves the delivery with the gateway, which sends it again. A ``webhook-id`` already stored
(a retry or a replay) is acknowledged without being stored twice. The URL-verification
challenge is answered for the listener's region; health and test notices are acknowledged and
reported. A batch of deliveries (``deliveries.batch``) is verified, its file fetched and proven
(``gateway_client.batch_receiver``), the file and its announcement kept as the proof of its
lines, and each line stored exactly as the single delivery it stands for would be; 2xx only
once every line is on disk. Standard library only, like the rest
of the client.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from gateway_client.batch_receiver import batch_lines, fetch_file
from gateway_client.bounded_server import BoundedServer
from gateway_client.contract import (
    AnyKey,
    DeliveryPayload,
    GatewayError,
    VerificationError,
    mask_ids_in,
)
from gateway_client.delivery_store import DeliveryStore
from gateway_client.receiver import Audience, is_batch, is_notice, is_verification, verify_challenge

MAX_BODY = 1 << 20  # a delivery is a few KB; anything this large is not from the gateway
MAX_CONNECTIONS = 64  # handled at once (the gateway's deliveries to one endpoint are a few)
READ_TIMEOUT_SECONDS = 30  # a webhook arrives within its 15 s; a silent connection is closed
REQUEST_SECONDS = 60  # and any request, however it trickles, is cut off after this long
KEYS_TTL_SECONDS = 300.0  # /v1/keys' max-age: the copy of the gateway's keys is read again then
_UNREACHABLE = (OSError, ValueError, RecursionError, GatewayError, http.client.HTTPException)
"""What reading the keys may raise: the network, the answer (not a list, no key readable, not
JSON, nested too deep), or the HTTP exchange itself."""


class Listener:
    """What each POST gets: ``(status, body)``, and a line for whoever runs it (``report``)."""

    def __init__(
        self,
        audience: Audience,
        store: DeliveryStore,
        keys: Callable[[], Sequence[AnyKey]],
        report: Callable[[str], None],
        clock: Callable[[], float] = time.time,
        fetch: Callable[[str, int], bytes] = fetch_file,
    ) -> None:
        self._fetch_file = fetch  # a batch's file, by its presigned link
        self.audience = audience
        self.store = store
        self._fetch_keys = keys
        self._say = report
        self._clock = clock
        self._keys: tuple[AnyKey, ...] = ()
        self._fetched_at = float("-inf")
        self._keys_lock = threading.Lock()  # one handler reads the keys again, the others wait

    def _report(self, line: str) -> None:
        """One line per webhook: a validation error's details stay in the 401's body."""
        self._say(line.splitlines()[0])

    def handle(self, headers: Mapping[str, str], body: bytes) -> tuple[int, bytes]:
        """401 for what does not verify; 503 while the gateway's keys cannot be fetched or the
        file cannot be written (the gateway retries both)."""
        try:
            _headers_are_text(headers)
            return self._verified(headers, body, self._current_keys())
        except VerificationError as error:
            self._report(f"refused: {error.message}")
            return 401, error.message.encode()
        except _Unavailable as error:  # the gateway sends it again (a batch: with a fresh link)
            self._report(str(error))
            return 503, error.reply
        except Exception as error:  # said and answered, never a dropped connection (review 144)
            self._report(mask_ids_in(f"failed: {type(error).__name__}: {error}"))  # no ID said
            return 500, b"the listener failed on this webhook: see its output"

    def _verified(
        self, headers: Mapping[str, str], body: bytes, keys: tuple[AnyKey, ...]
    ) -> tuple[int, bytes]:
        audience = replace(self.audience, public_keys=keys)
        now = _utc(self._clock())
        if is_verification(body):
            event = verify_challenge(
                headers,
                body,
                now,
                region=audience.region or "",
                public_keys=keys,
                secret=audience.secret,
            )
            self._report(f"challenge answered for subscription {event.subscription_id}")
            return 200, event.answer()
        if is_notice(body):
            notice = audience.notice(headers, body, now)
            self._report(f"{notice.type}: {notice.model_dump_json(exclude={'type'})}")
            return 204, b""
        if is_batch(body):
            return self._batch(audience, headers, body, now)
        payload = audience.delivery(headers, body, now)
        self._store(payload, body, headers)
        return 204, b""

    def _store(
        self, payload: DeliveryPayload, body: bytes, headers: Mapping[str, str] | None
    ) -> None:
        try:
            said = self.store.add(payload, body, headers)
        except (OSError, ValueError) as exc:  # not stored: the gateway must send it again
            raise _Unavailable(f"could not store {payload.delivery_id}: {exc}") from exc
        self._report(f"{said} {payload.delivery_id} ({payload.type}, log {payload.log_sequence})")

    def _batch(
        self, audience: Audience, headers: Mapping[str, str], body: bytes, now: datetime
    ) -> tuple[int, bytes]:
        """Every line of the file, stored as its single delivery would be (a line stored
        already, from an earlier attempt, is not stored twice), or nothing acknowledged. The
        file is fetched first, then kept and its lines stored under the store's lock: a
        tombstone handled meanwhile, on another thread, erases before or after, never between."""
        announced = audience.batch(headers, body, now)
        if self.store.holds_batch(announced.sha256):
            self._report(f"batch {announced.batch_id}: already stored")
            return 204, b""
        try:
            file = self._fetch_file(announced.url, announced.size)
        except OSError as error:
            said = f"batch {announced.batch_id} not stored: {error}"
            raise _Unavailable(said, b"the batch file could not be fetched") from error
        lines = batch_lines(announced, file, audience.subscription_id, audience.region)
        try:
            with self.store.writing():
                # the file and its signed announcement: what proves each line, kept first
                self.store.keep_batch(headers, body, file, announced.sha256)
                for payload, line in lines:
                    self._store(payload, line, None)
        except OSError as error:
            raise _Unavailable(f"could not keep batch {announced.batch_id}: {error}") from error
        self._report(f"batch {announced.batch_id}: {len(lines)} deliveries")
        return 204, b""

    def _current_keys(self) -> tuple[AnyKey, ...]:
        """The gateway's keys, read again once the copy is older than the list's max-age (or
        the clock went back): a key the gateway withdrew is trusted no longer than that, one
        it added is known as soon, and between two reads no webhook fetches them. While they
        cannot be read, nothing is verified under the stale copy: 503, the gateway retries."""
        if self.audience.secret is not None:
            return ()
        with self._keys_lock:
            if not 0 <= self._clock() - self._fetched_at < KEYS_TTL_SECONDS:
                try:
                    self._keys = tuple(self._fetch_keys())
                except _UNREACHABLE as error:
                    said = f"cannot fetch the gateway's keys: {error}"
                    raise _Unavailable(said, b"the gateway's keys are out of reach") from error
                self._fetched_at = self._clock()
            return self._keys


class _Unavailable(Exception):
    """Not stored now, for a reason a later attempt may not meet: answered 503 ``reply``."""

    def __init__(self, report: str, reply: bytes = b"not stored") -> None:
        super().__init__(report)
        self.reply = reply


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _headers_are_text(headers: Mapping[str, str]) -> None:
    """A header that is no text (a lone surrogate a framework passed on: ``gateway listen``'s
    own server reads them as Latin-1) is refused as unverifiable, not raised on (review 84)."""
    for name, value in headers.items():
        try:
            value.encode()
        except UnicodeEncodeError:
            raise VerificationError(f"header {name!r} is not text", path="headers") from None


def serve(listener: Listener, host: str, port: int) -> ThreadingHTTPServer:
    """An HTTP server answering every POST with ``listener``; ``serve_forever`` runs it."""

    class Handler(BaseHTTPRequestHandler):
        timeout = READ_TIMEOUT_SECONDS  # a connection that stops sending is closed

        def do_POST(self) -> None:
            declared = self.headers.get("content-length") or "0"
            digits = declared.isascii() and declared.isdigit()
            # more digits than a 1 MB body has: too large, not parsed (a huge number is slow)
            length = (int(declared) if len(declared) <= 9 else MAX_BODY + 1) if digits else 0
            if not 0 < length <= MAX_BODY:
                self._answer(413 if length else 400, b"a webhook body is 1 byte to 1 MB")
                return
            body = self.rfile.read(length)
            status, reply = listener.handle(dict(self.headers.items()), body)
            self._answer(status, reply)

        def _answer(self, status: int, reply: bytes) -> None:
            self.send_response(status)
            content = "application/json" if reply.startswith(b"{") else "text/plain"
            self.send_header("content-type", content)
            self.send_header("content-length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: object) -> None:
            return

    return BoundedServer((host, port), Handler, MAX_CONNECTIONS, REQUEST_SECONDS)
