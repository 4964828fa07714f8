"""``GET /console`` and its files, in-process: served to anyone because they hold no data, under
a Content-Security-Policy that lets the page load and call this origin only, and nothing served
but the listed files."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace

from app_support import Gateway

from chalicelib import console_page
from chalicelib.http_errors import SAFE_HEADERS

SVG_NAMESPACE = "http://www.w3.org/2000/svg"  # a name, never fetched
FILES = Path(console_page.__file__).with_name("assets") / "console"


def test_the_page_is_served_without_credentials_and_holds_no_data(gateway: Gateway) -> None:
    page = gateway.client.http.get("/console")

    assert page.status_code == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    html = page.body.decode()
    assert html == (FILES / "console.html").read_text(encoding="utf-8").replace("{root}", "")
    assert '<script type="module" src="/console/console.js"></script>' in html
    assert not re.search(r"(src|href)=\"(https?:)?//", html)  # nothing from elsewhere
    assert "<script>" not in html  # no inline script: the policy would refuse it


def test_this_origin_only_no_framing_no_opener_no_stale_files(gateway: Gateway) -> None:
    for path in ("/console", "/console/console.js", "/console/console.css"):
        reply = gateway.client.http.get(path)
        parts = reply.headers["Content-Security-Policy"].split(";")
        policy = dict(part.strip().split(" ", 1) for part in parts)
        assert policy["default-src"] == "'none'", path
        assert policy["script-src"] == "'self'", path
        assert policy["style-src"] == "'self'", path
        assert policy["connect-src"] == "'self'", path
        assert policy["frame-ancestors"] == "'none'", path
        assert reply.headers["X-Content-Type-Options"] == "nosniff", path
        assert reply.headers["Cache-Control"] == "no-cache", path  # no old and new modules mixed
    opener = gateway.client.http.get("/console").headers["Cross-Origin-Opener-Policy"]
    assert opener == "same-origin"  # no window it opens or that opened it keeps a handle on it


def test_every_listed_file_is_served_with_its_type_and_nothing_else(gateway: Gateway) -> None:
    on_disk = {p.name for p in FILES.iterdir()} - {"console.html"}
    assert set(console_page.ASSETS) == on_disk

    script = gateway.client.http.get("/console/console.js")
    style = gateway.client.http.get("/console/console.css")
    assert script.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert script.body == (FILES / "console.js").read_bytes()
    assert style.headers["Content-Type"] == "text/css; charset=utf-8"

    for unknown in ("console.html", "secrets.js", "..%2Fapi.py", "redoc.standalone.js"):
        reply = gateway.client.http.get(f"/console/{unknown}")
        assert reply.status_code == 404, unknown
        assert json.loads(reply.body)["error"]["code"] == "not_found"


def test_no_script_calls_anywhere_but_this_origin() -> None:
    for name in console_page.ASSETS:
        text = (FILES / name).read_text(encoding="utf-8").replace(SVG_NAMESPACE, "")
        assert not re.search(r"https?://", text), name
        assert not re.search(r"\.(inner|outer)HTML|insertAdjacentHTML", text), name  # no markup


def test_links_start_from_the_api_root_the_page_came_through(gateway: Gateway) -> None:
    with_slash = gateway.client.http.get("/console/").body.decode()
    behind_a_stage = console_page.page(SimpleNamespace(context={"path": "/api/console"})).body

    assert '<meta name="api-root" content="">' in with_slash
    assert '<meta name="api-root" content="/api">' in behind_a_stage
    assert 'src="/api/console/console.js"' in behind_a_stage


def test_the_docs_page_and_its_script_carry_the_consoles_protective_headers(
    gateway: Gateway,
) -> None:
    """Review 19, F4: the docs page and Redoc's script sent no nosniff or referrer policy."""
    for path in ("/v1/docs", "/v1/docs/redoc.standalone.js"):
        reply = gateway.client.http.get(path)
        assert reply.status_code == 200, path
        for name, value in SAFE_HEADERS.items():
            assert reply.headers[name] == value, (path, name)
