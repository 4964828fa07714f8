"""Outbound webhook POSTs: no redirects followed, no hidden retries, bounded response read."""

from __future__ import annotations

import time

import urllib3

from gateway.delivery import HttpResponse

_EXCERPT_BYTES = 2048


class Urllib3Transport:
    def __init__(self) -> None:
        self._pool = urllib3.PoolManager(retries=False)

    def post(self, url: str, headers: dict[str, str], body: bytes, timeout: float) -> HttpResponse:
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
