"""``GET /v1/docs``: the API documentation page, rendered in the browser by Redoc from this
deployment's ``/v1/openapi.json``.

Both the page and Redoc's script are files in the repository (``chalicelib/assets``) packaged
with the function: nothing is fetched from a CDN, so the page works on the local stack, in an
isolated network and when deployed. Its Content-Security-Policy allows this origin only, so a
browser would refuse any other fetch as well.
"""

from __future__ import annotations

import functools
import html
from pathlib import Path

from chalice.app import Request, Response

from chalicelib.route_spec import Access, Operation, Reply, Tag

_ASSETS = Path(__file__).with_name("assets")
_SCRIPT = "redoc.standalone.js"
# Redoc styles with inline <style> (styled-components) and searches in a blob: worker.
_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
_DAY = "max-age=86400"


@functools.cache
def _asset(name: str) -> str:
    return (_ASSETS / name).read_text(encoding="utf-8")


def docs(request: Request) -> Response:
    """The page, its links absolute from the API root this request came through (``/api``
    behind the stage, none locally), so ``…/v1/docs/`` with a slash loads it too."""
    path = str((request.context or {}).get("path") or "").rstrip("/")
    root = html.escape(path.removesuffix("/v1/docs") if path.endswith("/v1/docs") else "")
    page = _asset("docs.html").replace("{root}", root)
    headers: dict[str, str | list[str]] = {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Security-Policy": _POLICY,
        "Cache-Control": "max-age=300",
    }
    return Response(body=page, status_code=200, headers=headers)


def script(request: Request) -> Response:
    headers: dict[str, str | list[str]] = {
        "Content-Type": "text/javascript; charset=utf-8",
        "Cache-Control": _DAY,
    }
    return Response(body=_asset(_SCRIPT), status_code=200, headers=headers)


_TEXT = {"type": "string"}

ROUTES: tuple[Operation, ...] = (
    Operation(
        "GET",
        "/v1/docs",
        "docs_page",
        Tag.META,
        "This document as a page to read (Redoc, served by the gateway itself)",
        Access.ANONYMOUS,
        {200: Reply(_TEXT, "The page.", {"Cache-Control": "max-age=300"}, media="text/html")},
        handler=docs,
    ),
    Operation(
        "GET",
        f"/v1/docs/{_SCRIPT}",
        "docs_script",
        Tag.META,
        "The documentation page's script (Redoc 2.5.4, MIT)",
        Access.ANONYMOUS,
        {200: Reply(_TEXT, "The script.", {"Cache-Control": _DAY}, media="text/javascript")},
        handler=script,
    ),
)
