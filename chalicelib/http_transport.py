"""Outbound webhook POSTs: no redirects followed, no hidden retries, bounded response read."""

from __future__ import annotations

import ipaddress
import socket
import time
from urllib.parse import urlsplit

import urllib3

from gateway.delivery import HttpResponse

_EXCERPT_BYTES = 2048


def _public(url: str) -> bool:
    """Whether every address the URL's host resolves to is public (checked at send time too:
    a name that pointed somewhere public when subscribed may point inside later)."""
    parts = urlsplit(url)
    try:
        infos = socket.getaddrinfo(
            parts.hostname or "", parts.port or 443, proto=socket.IPPROTO_TCP
        )
    except (OSError, UnicodeError):
        return True  # unresolvable: the POST itself fails and is retried like any outage
    return all(ipaddress.ip_address(info[4][0]).is_global for info in infos)


class Urllib3Transport:
    def __init__(self, allow_private: bool = False) -> None:
        self._pool = urllib3.PoolManager(retries=False)
        self._allow_private = allow_private

    def post(self, url: str, headers: dict[str, str], body: bytes, timeout: float) -> HttpResponse:
        if not self._allow_private and not _public(url):
            return HttpResponse(
                status=0, body_excerpt="refused: resolves to a non-public address", elapsed_ms=0
            )
        started = time.monotonic()
        try:
            response = self._pool.request(
                "POST",
                url,
                body=body,
                headers=headers,
                timeout=urllib3.Timeout(total=timeout),
                redirect=False,
                retries=False,
                preload_content=False,
            )
            excerpt = response.read(_EXCERPT_BYTES, decode_content=True)
            response.release_conn()
            status = response.status
            text = excerpt.decode("utf-8", "replace")
            asked = response.headers.get("retry-after")
        except urllib3.exceptions.HTTPError as error:
            status, text, asked = 0, f"{type(error).__name__}: {error}", None
        elapsed = int((time.monotonic() - started) * 1000)
        return HttpResponse(status=status, body_excerpt=text, elapsed_ms=elapsed, retry_after=asked)
