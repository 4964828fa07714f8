"""What the console's browser tests share: Debian's Chromium driven by Playwright (no browser
download), a fresh tab that fails the test on anything the page's policy refused, a province's
hand-off code for a console session, asked for by a signed request as `gateway console` asks for
it, and screenshots under test-output/console/."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from e2e_support import as_operator
from playwright.sync_api import Browser, Page, expect, sync_playwright

from gateway_client.contract.signing import (
    Ed25519Signer,
    generate_signing_key,
    load_private_key,
    public_key_text,
)
from gateway_client.push_client import PushClient, http_request
from infra.local.stack import LocalStack

SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "console"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PAGES = ("overview", "subjects", "subscriptions", "deliveries", "uploads", "log", "agreements")
PAGES += ("stats",)


@contextmanager
def chromium() -> Iterator[Browser]:
    executable = shutil.which("chromium")
    assert executable, "chromium is not installed (infra/system_packages.sh installs Debian's)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def tab(browser: Browser) -> Iterator[Page]:
    """A fresh tab (its own sessionStorage); whatever the policy refused is a failure."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Security Policy" in m.text else None)
    page.on("pageerror", lambda error: refused.append(str(error)))
    yield page
    context.close()
    assert refused == []


def province_handoff(stack: LocalStack, region: str, key_id: str) -> str:
    """A one-time hand-off code for a console session of ``region``, asked for by a request
    signed with a key of its own, as `gateway console` asks for it."""
    private = load_private_key(generate_signing_key())
    key = {"key_id": key_id, "public_key": public_key_text(private)}
    assert as_operator(stack, "POST", f"/v1/regions/{region}/keys", key).status == 201
    client = PushClient(stack.url, region, Ed25519Signer(key_id, private))
    body = json.dumps({"handoff": True}).encode()
    opened = client.send_signed("/v1/console/sessions", None, body, datetime.now(UTC))
    assert opened.status == 201, opened.body
    code: str = opened.body["handoff"]
    return code


def hand_off(page: Page, stack: LocalStack, code: str, query: str = "") -> None:
    """Open the console with a hand-off code, as `gateway console` does, and confirm it there
    (a tab signs in by a link only when its reader says so)."""
    page.goto(f"{stack.url}/console{query}#handoff={code}")
    expect(page.locator("#confirm")).to_be_visible()
    assert "handoff=" not in page.url  # out of the address before anything is asked
    page.locator("#confirm-ok").click()


def open_page(page: Page, stack: LocalStack, name: str) -> None:
    """Go to one page of the signed-in console and wait until it has drawn what it asked the
    API for (the link is marked current as the page starts, ``aria-busy`` cleared at its end)."""
    page.goto(f"{stack.url}/console#/{name}")
    expect(page.locator(f'nav a[href="#/{name}"]')).to_have_attribute("aria-current", "page")
    expect(page.locator("main")).to_have_attribute("aria-busy", "false")


def look_up(page: Page, stack: LocalStack, credit_code: str) -> None:
    """On the subjects page, the answer for ``credit_code``, as the one signed in sees it."""
    open_page(page, stack, "subjects")
    page.get_by_label("统一社会信用代码 credit code").fill(credit_code)
    page.get_by_role("button", name="查询 look up").click()


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def stored_session(page: Page) -> str | None:
    found: str | None = page.evaluate("sessionStorage.getItem('cg-console-session')")
    return found


def session_status(stack: LocalStack, token: str | None) -> int:
    """What the API answers to a console session's token: 200 while it is open, 401 after."""
    headers = {"authorization": f"Bearer {token}"}
    return http_request("GET", f"{stack.url}/v1/console/session", None, headers).status


def sign_in_as_operator(page: Page, stack: LocalStack) -> None:
    page.goto(f"{stack.url}/console")
    page.get_by_label("运营方令牌 operator token").fill(stack.operator_token)
    page.get_by_role("button", name="登录 sign in").click()
    expect(page.locator("#who-role")).to_have_text("运营方 operator")


def page_with_the_keyboard(page: Page, table: str, back: bool) -> None:
    """Press Enter on a pager's previous (or next) button until it is disabled: each press shows
    another page, and the focus then rests on the other button, never on the body."""
    expect(page.locator(f"{table} .pager button")).to_have_count(2)  # drawn, more than a page
    previous, following = page.locator(f"{table} .pager button").all()
    pressed, other = (previous, following) if back else (following, previous)
    pressed.focus()
    for _ in range(40):
        if pressed.is_disabled():
            break
        shown = page.locator(table).inner_text()
        page.keyboard.press("Enter")
        # compared as rendered text, like `shown`: textContent never equals it, so the
        # default comparison would not wait for the page to turn
        expect(page.locator(table)).not_to_have_text(shown, use_inner_text=True)
    expect(pressed).to_be_disabled()
    expect(other).to_be_focused()
