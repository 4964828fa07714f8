"""Outbound webhook POSTs: no redirects followed, no hidden retries, bounded response read.

SSRF: the host is resolved once, every address it resolves to is checked
(``gateway.delivery.addresses.refusal``) and the connection goes to the first of those very
addresses,
never through a second lookup a DNS-rebinding name could answer differently; TLS still checks
the certificate against the host name (SNI too) and ``Host`` names it. A name that does not
resolve is refused (fail closed). ``allow_private`` (the local stack) skips only the address
check.

Isolation: ``timeout`` is a wall-clock deadline for the whole attempt (lookup, connect, TLS,
request, headers and the body excerpt). Socket timeouts are per operation, so an endpoint
trickling a byte at a time would stretch them without end; a timer shuts the socket down when
the time is up, whatever the attempt is waiting for.
"""

from __future__ import annotations

import http.client
import logging
import re
import socket
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection

from gateway.delivery import HttpResponse, parse_address, refusal
from gateway_client.exchange_deadline import Deadline

log = logging.getLogger("credit_gateway.delivery")

_EXCERPT_BYTES = 2048

# (host name, port) → the addresses to connect to, in order; raises OSError when it cannot.
Resolver = Callable[[str, int], Sequence[str]]


def system_resolver(host: str, port: int) -> list[str]:
    """The platform's resolver, TCP only; IPv6 only where this host has an IPv6 address."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_ADDRCONFIG)
    return [str(info[4][0]) for info in infos]


class Urllib3Transport:
    def __init__(self, allow_private: bool = False, resolve: Resolver = system_resolver) -> None:
        self._allow_private = allow_private
        self._resolve = resolve

    def post(self, url: str, headers: dict[str, str], body: bytes, timeout: float) -> HttpResponse:
        parts = urlsplit(url)
        host = parts.hostname or ""
        tls = parts.scheme == "https"
        port = parts.port or (443 if tls else 80)
        started = time.monotonic()
        address, why = self._checked_address(host, port, timeout)
        if address is None:
            elapsed = int((time.monotonic() - started) * 1000)
            return HttpResponse(status=0, body_excerpt=f"refused: {why}", elapsed_ms=elapsed)
        left = max(timeout - (time.monotonic() - started), 0.001)
        deadline = Deadline(left)
        # The certificate names the host without the root's trailing dot (``name.`` == ``name``).
        connection = _connection(tls, address, port, host.rstrip("."), left, deadline)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        name = f"[{host}]" if ":" in host else host
        sent = {**headers, "host": name if parts.port is None else f"{name}:{port}"}
        try:
            with deadline:
                connection.request("POST", path, body=body, headers=sent, preload_content=False)
                response = connection.getresponse()
                excerpt = response.read(_EXCERPT_BYTES, decode_content=True)
            status, text = response.status, excerpt.decode("utf-8", "replace")
            asked = response.headers.get("retry-after")
        # ValueError: urllib3's CertificateError (a certificate for another name) among others;
        # whatever the endpoint does, it is a failed attempt, never an error of the batch.
        except (
            OSError,
            ValueError,
            http.client.HTTPException,
            urllib3.exceptions.HTTPError,
        ) as error:
            status, text, asked = 0, _told(error, address, host), None
        finally:
            connection.close()
        if deadline.passed:
            status, text, asked = 0, f"no complete answer within the {timeout:g} s deadline", None
        elapsed = int((time.monotonic() - started) * 1000)
        return HttpResponse(status=status, body_excerpt=text, elapsed_ms=elapsed, retry_after=asked)

    def _checked_address(self, host: str, port: int, timeout: float) -> tuple[str | None, str]:
        """The one address to connect to, or why there is none. The lookup counts against the
        attempt's deadline: a resolver that does not answer in time is a failure like any.

        Why is one sentence for every name that gives no public address: the excerpt is shown
        to the subscribing region, and naming the address (or telling an unknown name from a
        private one) would map the gateway's internal zones for anyone who subscribes
        (review 156). The operator's log says which it was."""
        literal = parse_address(host)
        if literal is not None:
            addresses = [str(literal)]
        else:
            lookup = ThreadPoolExecutor(max_workers=1)
            answer = lookup.submit(self._resolve, host, port)
            lookup.shutdown(wait=False)  # a stuck lookup ends on its own; nobody waits for it
            try:
                addresses = list(answer.result(timeout=timeout))
            except (OSError, ValueError) as error:  # TimeoutError is an OSError
                return _no_public_address(host, f"not resolved ({type(error).__name__})")
            if not addresses:
                return _no_public_address(host, "no address")
        if not self._allow_private:
            for text in addresses:
                address = parse_address(text)
                why = refusal(address) if address is not None else f"{text!r} is not an address"
                if why is not None:
                    return _no_public_address(host, why)
        return addresses[0], ""


_MEMORY_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def _told(error: Exception, address: str, host: str) -> str:
    """A failed connection as the subscriber is told it: urllib3 names the address it
    connected to (and an object's memory address), which would tell where the gateway's
    resolver points the name (review 162); the host name the subscriber gave stands in."""
    text = f"{type(error).__name__}: {error}".replace(address, host)
    return _MEMORY_ADDRESS.sub("", text)


def _no_public_address(host: str, detail: str) -> tuple[None, str]:
    log.warning("webhook host %s gives no public address: %s", host, detail)
    return None, f"{host} does not resolve to a public address"


def _connection(
    tls: bool, address: str, port: int, host: str, timeout: float, deadline: Deadline
) -> _Watched:
    connection = (
        _WatchedTLS(address, port, timeout=timeout, server_hostname=host, assert_hostname=host)
        if tls
        else _Watched(address, port, timeout=timeout)
    )
    connection.deadline = deadline
    return connection


class _Watched(HTTPConnection):
    """Tells its deadline its socket as soon as the socket exists (before any TLS handshake)."""

    deadline: Deadline

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        self.deadline.watch(sock)
        return sock


class _WatchedTLS(_Watched, HTTPSConnection):
    pass
