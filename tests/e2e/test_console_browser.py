"""The console in a real browser (Debian's headless Chromium, driven by Playwright) on a local
stack seeded once with the demo scenario: the operator signs in with the token, 湖南省 with a
session its key opened; each sees every page, and only what the API lets it see; a dead delivery
is re-driven from the subscriptions page and arrives. Every page is saved as a screenshot under
test-output/console/."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from console_support import (
    PAGES,
    chromium,
    hand_off,
    look_up,
    open_page,
    page_with_the_keyboard,
    province_handoff,
    session_status,
    shoot,
    sign_in_as_operator,
    stored_session,
    tab,
)
from e2e_support import DemoWorld, as_operator, entry, platform
from playwright.sync_api import Browser, Page, Route, expect

from infra.local import scenario
from infra.local.receiver import Receiver
from infra.local.stack import LocalStack

pytestmark = pytest.mark.e2e

HUNAN = "430000"


@pytest.fixture(scope="module")
def seeded(demo_world: DemoWorld) -> LocalStack:
    """The demo's data (``conftest.demo_world``)."""
    report = demo_world.report
    assert report.ok, [check for check, ok in report.checks if not ok]
    return demo_world.stack


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as running:
        yield running


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    with tab(browser) as fresh:
        yield fresh


def a_slow_reply_lands_after_a_newer_click(page: Page) -> None:
    """The uploads page's detail shows the upload clicked last, whichever reply lands last."""
    buttons = page.locator("#upload-list tbody button")
    slow, fast = buttons.first.inner_text(), buttons.last.inner_text()
    held: list[Route] = []
    page.route(f"**/uploads/{slow}", lambda route: held.append(route))
    buttons.first.click()
    while not held:  # the first click's request, held back
        page.wait_for_timeout(20)
    buttons.last.click()
    expect(page.locator("#upload-detail h2")).to_have_text(f"上传 {fast}")
    with page.expect_response(f"**/uploads/{slow}") as reply:
        held[0].continue_()
    reply.value.finished()
    page.wait_for_timeout(300)  # room for the late reply to be read: it must draw nothing
    expect(page.locator("#upload-detail h2")).to_have_text(f"上传 {fast}")


def test_the_operator_signs_in_and_sees_every_page(seeded: LocalStack, page: Page) -> None:
    sign_in_as_operator(page, seeded)
    token = stored_session(page)
    assert token is not None
    assert token.startswith("cgs_")
    assert seeded.operator_token not in page.content()
    open_page(page, seeded, "overview")  # drawn: nothing takes the focus after this
    page.locator("header p.brand").click()  # the top of the page: only the skip link is before it
    page.keyboard.press("Shift+Tab")  # the first stop: the skip link, then straight to the page
    expect(page.locator("a.skip")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    assert page.url.endswith("#/overview")  # the route stays

    for name in PAGES:
        open_page(page, seeded, name)
        if name == "subjects":
            page.get_by_label("统一社会信用代码 credit code").fill(scenario.DY_MINE)
            page.get_by_label("以此地区视角 as region").fill(HUNAN)
            page.get_by_role("button", name="查询 look up").click()
            expect(page.locator("#subject-result")).to_contain_text("大冶市某矿业有限公司")
            expect(page.locator("#subject-result")).to_contain_text("互认 recognised")
        if name == "stats":
            page.get_by_label("地区代码 region").fill("420000")
            page.get_by_role("button", name="查看 show").click()
            expect(page.locator("#stats-result")).to_contain_text("大冶市")  # a pilot target
        if name == "uploads":
            page.get_by_label("地区代码 region code").fill("230900")
            page.get_by_role("button", name="查看 show").click()
            expect(page.locator("#upload-list")).to_contain_text("全量同步 resync")
            page.locator("#upload-list tbody button").last.click()  # the first: a delta
            expect(page.locator("#upload-detail")).to_contain_text("行错误 line errors")
            a_slow_reply_lands_after_a_newer_click(page)
        if name == "deliveries":
            page.locator("#delivery-list tbody button").first.click()
            expect(page.locator("#delivery-detail")).to_contain_text("webhook-signature")
            signed = re.compile(
                r"签名于 signed at \d{4}-\d\d-\d\d \d\d:\d\d|尚未尝试 not tried yet"
            )
            expect(page.locator("#signed-at")).to_have_text(signed)
            expect(page.locator("#signed-at")).to_contain_text("unmasked body")
        shoot(page, name)
        expect(page.locator("main .notice.error")).to_have_count(0)

    open_page(page, seeded, "deliveries")
    busy = page.locator("option", has_text="100000 信用中国").first.get_attribute("value")
    page.get_by_label("订阅 subscription").select_option(busy)
    page.get_by_role("button", name="筛选 filter").click()
    page_with_the_keyboard(page, "#delivery-list", back=False)  # its 90 deliveries to the last
    page.get_by_label("状态 state").select_option("delivered")
    page.get_by_label("起 since (北京时间 UTC+8)").fill("2099-01-01T00:00")
    page.get_by_role("button", name="筛选 filter").click()  # none yet: it says what to do next
    expect(page.locator("#delivery-list")).to_contain_text("没有符合条件的投递")
    open_page(page, seeded, "overview")
    expect(page.locator("figure.chart svg")).to_have_count(3)  # pushes, deliveries, lag
    expect(page.locator("figure.chart details summary")).to_have_count(3)  # each with its table
    page.locator("figure.chart summary").first.focus()
    page.keyboard.press("Enter")  # the keyboard opens the hourly values
    expect(page.locator("figure.chart details table").first).to_contain_text("时 hour")
    expect(page.locator("main")).to_contain_text("(北京时间 UTC+8)")
    open_page(page, seeded, "subscriptions")
    regions = {cell[:6] for cell in page.locator("main tbody tr td:nth-child(2)").all_inner_texts()}
    assert {HUNAN, "440000", "420000"} <= regions  # every region's
    page.locator("main tbody tr button").first.click()
    expect(page.get_by_role("button", name="重新投递 redrive")).to_be_visible()


def test_the_exchange_log_verifies_in_the_browser(seeded: LocalStack, page: Page) -> None:
    sign_in_as_operator(page, seeded)
    open_page(page, seeded, "log")
    expect(page.locator("main")).to_contain_text("检查点不含见证联署")  # the data has none

    page.get_by_role("button", name="在浏览器中验证 verify in the browser").click()

    result = page.locator("#verify-result")
    expect(result).to_contain_text("在签名检查点")  # each entry proved in the signed tree
    expect(result).to_contain_text("个较早的检查点与之一致")  # and the history consistent
    expect(result).not_to_contain_text("问题")
    expect(result).to_contain_text("SM2")  # said not verified here
    shoot(page, "log-verified")

    page_with_the_keyboard(page, "#log-entries", back=True)  # from the newest to entry 1
    expect(page.locator("#log-entries caption")).to_contain_text("条目 entries 1–")


def test_a_late_log_page_never_replaces_the_one_asked_for_after_it(
    seeded: LocalStack, page: Page
) -> None:
    """Pressing "previous" again before the first answer lands: the entries shown stay those
    asked for last, and the pager with them, whichever answer arrives last."""
    sign_in_as_operator(page, seeded)
    open_page(page, seeded, "log")
    caption = page.locator("#log-entries caption")
    previous = page.locator("#log-entries .pager button").first
    newest = caption.inner_text()
    held: list[Route] = []
    page.route(
        re.compile(r"/v1/log\?from="),
        lambda route: route.continue_() if held else held.append(route),
    )
    previous.click()
    while not held:  # the first press's request, held back
        page.wait_for_timeout(20)
    previous.click()  # the same page asked again, answered
    expect(caption).not_to_have_text(newest, use_inner_text=True)
    turned = caption.inner_text()
    previous.click()  # and one further back
    expect(caption).not_to_have_text(turned, use_inner_text=True)
    oldest = caption.inner_text()
    with page.expect_response(re.compile(r"/v1/log\?from=")) as reply:
        held[0].continue_()
    reply.value.finished()
    page.wait_for_timeout(300)  # room for the late answer to be read: it must draw nothing
    expect(caption).to_have_text(oldest, use_inner_text=True)
    assert previous.is_disabled() == ("entries 1–" in oldest)  # the pager follows the page shown


def test_a_province_sees_only_its_own_and_no_operator_action(
    seeded: LocalStack, page: Page
) -> None:
    hand_off(page, seeded, province_handoff(seeded, HUNAN, "hn-console"))

    expect(page.locator("#who-region")).to_have_text("430000 湖南省")
    assert "handoff=" not in page.url  # taken from the address bar and the history
    token = stored_session(page)
    assert token is not None
    assert token.startswith("cgs_")
    for name in PAGES:
        open_page(page, seeded, name)
        shoot(page, f"{name}-province")
        expect(page.locator("main .notice.error")).to_have_count(0)

    open_page(page, seeded, "overview")
    expect(page.locator("main")).to_contain_text("队列积压只对运营方显示")  # the operator's

    open_page(page, seeded, "subscriptions")
    regions = page.locator("main tbody tr td:nth-child(2)").all_inner_texts()
    assert regions
    assert {cell[:6] for cell in regions} == {HUNAN}
    first = page.locator("main tbody tr button").first
    subscription = first.inner_text()
    first.click()
    page.get_by_role("button", name="启用 enable").click()
    expect(page.locator("#confirm-text")).to_contain_text(subscription)  # says which one
    expect(page.locator("#confirm")).to_have_attribute("aria-describedby", "confirm-text")
    page.locator("#confirm-cancel").click()
    expect(page.get_by_role("button", name="重新投递 redrive")).to_have_count(0)

    open_page(page, seeded, "uploads")
    expect(page.get_by_label("地区代码 region code")).to_have_value(HUNAN)
    open_page(page, seeded, "stats")
    page.get_by_label("地区代码 region").fill("420000")  # 湖北省: not its subtree
    page.get_by_role("button", name="查看 show").click()
    expect(page.locator("#stats-result")).to_contain_text("region_mismatch")


def held_back(page: Page, url: str) -> list[Route]:
    """The requests for ``url`` from now on, held until the test lets each go on."""
    held: list[Route] = []
    page.route(url, lambda route: held.append(route))
    return held


def let_go(page: Page, held: list[Route], url: str) -> None:
    """Wait for a held request, let it go on and wait for its answer to be read."""
    while not held:
        page.wait_for_timeout(20)
    with page.expect_response(url) as reply:
        held.pop().continue_()
    reply.value.finished()
    page.unroute(url)
    page.wait_for_timeout(300)  # room for the late answer to be read: it must change nothing


def test_a_page_still_loading_at_sign_out_leaves_the_sign_in_saying_signed_out(
    seeded: LocalStack, page: Page
) -> None:
    """Signing out while the page shown still loads its module, or still waits for its API
    call: what arrives afterwards neither draws the page nor says "sign in first" or "session
    expired" over "signed out" (a CI run's flake: the module arrived after the click)."""
    for url in ("**/console/overview.js", "**/v1/activity?*"):
        held = held_back(page, url)
        sign_in_as_operator(page, seeded)
        while not held:  # the overview is under way
            page.wait_for_timeout(20)
        page.get_by_role("button", name="退出 sign out").click()
        expect(page.locator("main")).to_contain_text("已退出 signed out")
        let_go(page, held, url)
        expect(page.locator("main")).to_contain_text("已退出 signed out")
        expect(page.locator("main .notice.error")).to_have_count(0)
        expect(page.locator("main h1")).to_have_text("登录 sign in")
        expect(page.locator("main")).to_have_attribute("aria-busy", "false")


def test_sign_out_a_used_code_and_a_revoked_key_each_ask_to_sign_in_again(
    seeded: LocalStack, page: Page
) -> None:
    sign_in_as_operator(page, seeded)
    token = stored_session(page)
    page.get_by_role("button", name="退出 sign out").click()

    expect(page.locator("main")).to_contain_text("已退出 signed out")
    assert stored_session(page) is None
    assert session_status(seeded, token) == 401

    code = province_handoff(seeded, HUNAN, "hn-revoked")
    page.goto(f"{seeded.url}/console#handoff={code}")
    expect(page.locator("#confirm")).to_be_visible()  # a link signs a tab in only if confirmed
    page.locator("#confirm-cancel").click()
    expect(page.get_by_label("运营方令牌 operator token")).to_be_visible()
    assert (stored_session(page), "handoff=" in page.url) == (None, False)
    hand_off(page, seeded, province_handoff(seeded, HUNAN, "hn-first"))
    expect(page.locator("#who-region")).to_contain_text(HUNAN)
    held = stored_session(page)
    # a new load with another code into a tab signed in (a link someone sent): refused, the
    # session held goes on, and the code is never redeemed (review 46c)
    page.goto(f"{seeded.url}/console?anew#handoff={code}")
    expect(page.locator("main")).to_contain_text("已登录 already signed in")
    expect(page.locator("#who-region")).to_contain_text(HUNAN)
    assert (stored_session(page), session_status(seeded, held)) == (held, 200)
    assert "handoff=" not in page.url
    page.evaluate("location.hash = '#handoff=another'")  # a tab already open: refused too
    expect(page.locator("main")).to_contain_text("已登录 already signed in")
    assert "handoff=" not in page.url
    assert stored_session(page) == held

    page.route("**/v1/console/session", lambda route: route.fulfill(status=503, body=""))
    page.get_by_role("button", name="退出 sign out").click()  # the server cannot close it
    expect(page.locator("main")).to_contain_text("服务器未能结束会话")
    expect(page.locator("main")).to_contain_text("DELETE /v1/console/sessions")
    assert stored_session(page) is None  # forgotten here all the same
    assert session_status(seeded, held) == 200  # and said to stay valid: it does
    page.unroute("**/v1/console/session")

    hand_off(page, seeded, code)  # unused until now: it opens one session, once
    expect(page.locator("#who-region")).to_contain_text(HUNAN)
    page.get_by_role("button", name="退出 sign out").click()
    hand_off(page, seeded, code, "?again")
    expect(page.locator("main")).to_contain_text("交接码无效、已用过或已过期")

    hand_off(page, seeded, province_handoff(seeded, HUNAN, "hn-lost"))
    expect(page.locator("#who-region")).to_contain_text(HUNAN)
    # the overview's own call settles first; revoked while it is in flight, that call is the 401
    expect(page.locator("main")).to_contain_text("按地区 by region")
    assert as_operator(seeded, "DELETE", f"/v1/regions/{HUNAN}/keys/hn-lost").status == 200
    page.locator("nav a", has_text="订阅 subscriptions").click()  # the next call: 401
    expect(page.locator("main")).to_contain_text("会话已过期或被撤销")
    expect(page.get_by_label("运营方令牌 operator token")).to_be_visible()


def test_a_dead_delivery_is_redriven_from_the_subscriptions_page_and_arrives(
    seeded: LocalStack, page: Page
) -> None:
    failing = {"status": 503}
    receiver = Receiver("湖南省 console", respond=lambda: failing["status"]).start()
    try:
        created = receiver.subscribe(
            seeded.url,
            {"region": HUNAN, "retry_schedule_seconds": [0]},  # one retry, then dead
            {"authorization": f"Bearer {seeded.operator_token}"},
        )
        changsha = platform(seeded, "430100", "cs-console", {"name": "长沙市"})
        pushed = changsha.push([entry(7101)], datetime.now(UTC))
        assert pushed.status == 200
        assert pushed.body["accepted"] == 1
        assert seeded.pump is not None
        seeded.pump.drain()
        assert receiver.received == []
        failing["status"] = 204  # the receiver is fixed

        sign_in_as_operator(page, seeded)
        open_page(page, seeded, "subscriptions")
        page.locator(f'button[data-subscription="{created["subscription_id"]}"]').click()
        expect(page.locator("#subscription-detail")).to_contain_text("失败 dead")
        dead = page.locator("#subscription-detail dt", has_text="失败投递 dead").locator("+ dd")
        expect(dead).to_have_text("1")  # counted by its own state=dead query
        page.get_by_role("button", name="重新投递 redrive").click()
        expect(page.locator("#confirm-text")).to_contain_text(created["subscription_id"])
        page.locator("#confirm-ok").click()
        expect(page.locator("#action-result")).to_contain_text("已排队 1 条")
        seeded.pump.drain()

        page.locator(f'button[data-subscription="{created["subscription_id"]}"]').click()
        attempts = page.locator("#subscription-detail table")
        expect(attempts).to_contain_text("已送达 delivered")
        shoot(page, "subscriptions-redriven")
        assert [r.payload.data.listing.credit_code for r in receiver.received] == [
            entry(7101)["credit_code"]
        ]

        # replayed, it is listed as a delivery of its own naming the one it sent again
        page.get_by_role("button", name="重放 replay").click()
        page.locator("#confirm-ok").click()
        expect(page.locator("#action-result")).to_contain_text("已排队 queued 1")
        seeded.pump.drain()
        assert len(receiver.received) == 2
        original = receiver.received[0].webhook_id
        assert receiver.received[1].webhook_id == original  # its webhook id: dropped as a copy
        open_page(page, seeded, "deliveries")
        page.get_by_label("订阅 subscription").select_option(created["subscription_id"])
        page.get_by_role("button", name="筛选 filter").click()
        page.locator("#delivery-list tbody button").first.click()  # the newest: the replay
        expect(page.locator("#delivery-detail")).to_contain_text(f"重放自 replay of{original}")
        expect(page.locator("#delivery-detail")).to_contain_text(f'"webhook-id": "{original}"')
    finally:
        receiver.stop()


def test_a_replay_of_a_long_log_goes_on_request_after_request_until_the_range_is_done(
    seeded: LocalStack, page: Page
) -> None:
    """One replay request goes through at most 5,000 log entries and names where the next one
    starts; the console follows it (as `gateway subscription replay` does), waits out a 429,
    and shows the whole range with what every request queued."""
    answers = [
        (202, {"from_sequence": 1, "to_sequence": 5000, "queued": 3, "next_from_sequence": 5001}),
        (429, {"error": {"code": "rate_limited", "message": "later", "path": None}}),
        (
            202,
            {"from_sequence": 5001, "to_sequence": 5200, "queued": 2, "next_from_sequence": None},
        ),
    ]
    asked: list[object] = []

    def answer(route: Route) -> None:
        asked.append(route.request.post_data_json)
        status, body = answers[len(asked) - 1]
        headers = {"Retry-After": "1"} if status == 429 else {}
        route.fulfill(status=status, json=body, headers=headers)

    sign_in_as_operator(page, seeded)
    open_page(page, seeded, "subscriptions")
    page.route("**/replay", answer)
    page.locator("button[data-subscription]").first.click()
    page.get_by_role("button", name="重放 replay").click()
    page.locator("#confirm-fields input").fill("1")
    page.locator("#confirm-ok").click()

    expect(page.locator("#action-result")).to_contain_text("1–5200, 已排队 queued 5")
    assert asked == [{"from_sequence": 1}, {"from_sequence": 5001}, {"from_sequence": 5001}]


def test_a_subject_s_one_page_answer_ends_with_its_listings(seeded: LocalStack, page: Page) -> None:
    """No stray "null" under the listings (review 151: the absent next-page link was drawn)."""
    changsha = platform(seeded, "430100", "cs-null", {"name": "长沙市"})
    listed = entry(7400)
    assert changsha.push([listed], datetime.now(UTC)).status == 200
    assert seeded.pump is not None
    seeded.pump.drain()

    sign_in_as_operator(page, seeded)
    look_up(page, seeded, listed["credit_code"])

    expect(page.locator("#subject-result")).to_contain_text(listed["subject_name"])
    assert not page.locator("#subject-result").inner_text().rstrip().endswith("null")


def test_a_red_listing_s_incentives_held_back_by_a_black_listing_say_so(
    seeded: LocalStack, page: Page
) -> None:
    """守信激励 yields to 失信惩戒: the subject page says a red listing's incentives are held back
    while the subject has a black listing in force (review 219: the page showed nothing)."""
    changsha = platform(seeded, "430100", "cs-held", {"name": "长沙市"})
    black = entry(7600)
    red = {
        **{k: v for k, v in black.items() if k not in ("severity", "legal_basis")},
        "kind": "red",
        "domain": "a_grade_taxpayer",
        "reason": "纳税信用评价为A级",
        "deciding_authority": "国家税务总局长沙市税务局",
        "decision_number": "长税信〔2025〕7600号",
    }
    pushed = changsha.push([black, red], datetime.now(UTC))
    assert (pushed.status, pushed.body["accepted"]) == (200, 2), pushed.body
    assert seeded.pump is not None
    seeded.pump.drain()

    sign_in_as_operator(page, seeded)
    look_up(page, seeded, black["credit_code"])

    held = page.locator("#subject-result .held-back")
    expect(held).to_have_count(1)
    expect(held).to_contain_text("失信名单生效中 a black listing is in force")


def test_a_tab_forgets_what_it_showed_when_its_session_ends(seeded: LocalStack, page: Page) -> None:
    """At the session's end the page clears what it showed and asks to sign in again (review
    151: a subject's listings stayed on screen until the tab's next call)."""
    changsha = platform(seeded, "430100", "cs-expiry", {"name": "长沙市"})
    listed = entry(7300)
    assert changsha.push([listed], datetime.now(UTC)).status == 200
    assert seeded.pump is not None
    seeded.pump.drain()
    body = json.dumps({"handoff": True, "ttl_minutes": 5}).encode()
    opened = changsha.send_signed("/v1/console/sessions", None, body, datetime.now(UTC))
    assert opened.status == 201, opened.body
    page.clock.install()
    hand_off(page, seeded, opened.body["handoff"])
    expect(page.locator("#who-region")).to_contain_text("430100")
    look_up(page, seeded, listed["credit_code"])
    expect(page.locator("#subject-result")).to_contain_text(listed["subject_name"])

    page.clock.fast_forward("10:00")  # twice the session's five minutes

    expect(page.locator("main")).not_to_contain_text(listed["subject_name"])
    expect(page.locator("main")).to_contain_text("the session expired")


def test_a_delivery_list_that_stopped_short_goes_on_from_its_next(
    seeded: LocalStack, page: Page
) -> None:
    """A call stops at its read bound, perhaps having found none (a state filter reading past a
    healthy history): the page follows ``next`` rather than say no delivery matches, and says
    so when its calls run out with more left."""
    asked: list[str] = []

    def stopped_short_once(route: Route) -> None:
        asked.append(route.request.url)
        if len(asked) == 1:
            route.fulfill(json={"deliveries": [], "next": "c3RvcHBlZA"})
        else:  # the real first page, the cursor made up above taken off
            route.continue_(url=route.request.url.replace("&after=c3RvcHBlZA", ""))

    sign_in_as_operator(page, seeded)
    open_page(page, seeded, "deliveries")
    busy = page.locator("option", has_text="100000 信用中国").first.get_attribute("value")
    page.get_by_label("订阅 subscription").select_option(busy)
    page.route("**/deliveries?*", stopped_short_once)
    page.get_by_role("button", name="筛选 filter").click()
    expect(page.locator("#delivery-list tbody button").first).to_be_visible()
    assert "after=c3RvcHBlZA" in asked[1]
    expect(page.locator("#delivery-list")).not_to_contain_text("older deliveries not read yet")

    page.unroute("**/deliveries?*")
    page.route(
        "**/deliveries?*", lambda route: route.fulfill(json={"deliveries": [], "next": "bW9yZQ"})
    )
    page.get_by_role("button", name="筛选 filter").click()
    expect(page.locator("#delivery-list")).to_contain_text("older deliveries not read yet")
