"""``GET /console``: the operators' and provinces' console, a page that reads the API in the
browser with the caller's own credentials.

The page and its scripts are files in the repository (``chalicelib/assets/console``), packaged
with the function and served to anyone: they hold no data. Everything shown comes from the API
routes, called by the page with the bearer token of a console session, so the ownership and
personal-information rules of those routes apply unchanged; no route here reads a table.

The Content-Security-Policy lets the page load scripts and styles from this origin only (no
inline script, no CDN) and call this origin only; no site may frame it, and no other origin's
window keeps a handle on it (Cross-Origin-Opener-Policy).
"""

from __future__ import annotations

import functools
import html
from pathlib import Path

from chalice.app import Request, Response

from chalicelib.route_spec import Access, Operation, Reply, Tag
from gateway_client.contract import NotFound, errors

_ASSETS = Path(__file__).with_name("assets") / "console"
# What ``/console/{asset}`` serves: these files and nothing else (no path is ever joined from
# the request), each with its type.
ASSETS: dict[str, str] = {
    "console.css": "text/css; charset=utf-8",
    **{
        f"{name}.js": "text/javascript; charset=utf-8"
        for name in (
            "console",
            "api",
            "ui",
            "charts",
            "overview",
            "subjects",
            "subscriptions",
            "deliveries",
            "uploads",
            "exchange-log",
            "log-verify",
            "agreements",
            "stats",
        )
    },
}
POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
_PAGE_CACHE = "no-cache"
# The files are not versioned by name: a browser asks for them again on each load (they are
# small), so after a deploy no tab mixes old modules with new ones.
_ASSET_CACHE = "no-cache"


@functools.cache
def _asset(name: str) -> str:
    return (_ASSETS / name).read_text(encoding="utf-8")


def page(request: Request) -> Response:
    """The page, its links absolute from the API root this request came through (``/api``
    behind API Gateway's stage, none locally), so ``…/console/`` with a slash loads it too."""
    path = str((request.context or {}).get("path") or "").rstrip("/")
    root = html.escape(path.removesuffix("/console") if path.endswith("/console") else "")
    headers: dict[str, str | list[str]] = {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Security-Policy": POLICY,
        "Cache-Control": _PAGE_CACHE,
        # A window this page opens, or that opened it, gets no handle on it.
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    body = _asset("console.html").replace("{root}", root)
    return Response(body=body, status_code=200, headers=headers)


def asset(request: Request, asset: str) -> Response:
    """One of the page's scripts or its stylesheet; any other name is 404 ``not_found``."""
    kind = ASSETS.get(asset)
    if kind is None:
        raise NotFound(f"the console has no file {asset!r}", path="asset")
    headers: dict[str, str | list[str]] = {
        "Content-Type": kind,
        "Content-Security-Policy": POLICY,
        "Cache-Control": _ASSET_CACHE,
    }
    return Response(body=_asset(asset), status_code=200, headers=headers)


_TEXT = {"type": "string"}

ROUTES: tuple[Operation, ...] = (
    Operation(
        "GET",
        "/console",
        "console_page",
        Tag.META,
        "The console: a page that shows what the API lets its signed-in caller see",
        Access.ANONYMOUS,
        {200: Reply(_TEXT, "The page (no data).", {"Cache-Control": _PAGE_CACHE}, "text/html")},
        description="The page holds no data: it signs in (the operator's token exchanged for a "
        "console session, or a session `gateway console` opened) and reads the API routes with "
        "that session's bearer token.",
        handler=page,
    ),
    Operation(
        "GET",
        "/console/{asset}",
        "console_asset",
        Tag.META,
        "One of the console's scripts or its stylesheet",
        Access.ANONYMOUS,
        {
            200: Reply(
                _TEXT,
                "The file: a script (an ES module), or `console.css` as text/css.",
                {"Cache-Control": _ASSET_CACHE},
                "text/javascript",
                also=("text/css",),
            )
        },
        (errors.NotFound,),
        handler=asset,
    ),
)
