"""The console's exchange-log page verifies the Merkle log in a real browser (Debian's Chromium,
driven by Playwright), on a local stack that logged three pushes, each published under its own
signed checkpoint: every leaf hash, the latest checkpoint's signature, each entry's inclusion
proof and each earlier checkpoint's consistency proof. A server that lies is played by route
interception — an entry altered, dropped, re-hashed or reordered, a wrong proof, a root the
gateway did not sign — and the page must say what it caught, and which entries no checkpoint
covers yet; a region's console session proves the log as the operator's does. Its proof checks
(a port of gateway_client.tlog.proofs) are held to the client library's own answers, past 2³²
leaves too."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from console_support import (
    chromium,
    hand_off,
    open_page,
    province_handoff,
    shoot,
    sign_in_as_operator,
    tab,
)
from e2e_support import as_operator, drain, entry, platform
from playwright.sync_api import Browser, Page, Route, expect

from gateway_client.contract import Checkpoint, LogEntry, entry_hash
from gateway_client.tlog import (
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_of,
    tree_root,
)
from infra.local.stack import LocalStack

pytestmark = pytest.mark.e2e

BATCHES = (5, 7, 3)  # entries 1–5, 6–12, 13–15: checkpoints of sizes 5, 12 and 15
Json = dict[str, Any]


@pytest.fixture(scope="module")
def logged() -> Iterator[LocalStack]:
    with LocalStack() as stack:
        changsha = platform(stack, "430100", "cs-log")
        first = 8000
        for count in BATCHES:
            pushed = changsha.push([entry(first + n) for n in range(count)], datetime.now(UTC))
            assert pushed.status == 200, pushed.body
            first += count
            drain(stack)  # fan-out logs the batch and publishes its checkpoint
        yield stack


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as running:
        yield running


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    with tab(browser) as fresh:
        yield fresh


def serving(page: Page, url: str, alter: Callable[[Json, str], object]) -> None:
    """From now on the page gets the API's JSON reply for ``url`` as ``alter`` rewrote it."""

    def lie(route: Route) -> None:
        reply = route.fetch()
        body = reply.json()
        alter(body, route.request.url)
        route.fulfill(response=reply, json=body)

    page.route(re.compile(url), lie)


def verify(page: Page) -> None:
    page.get_by_label("从 from").fill("1")
    page.get_by_role("button", name="在浏览器中验证 verify in the browser").click()


def rehashed(e: Json, **fields: Any) -> None:
    """Entry ``e`` altered and given the leaf hash of its altered fields."""
    altered = LogEntry.model_validate(e | fields)
    e |= altered.model_dump(mode="json") | {"hash": entry_hash(altered)}


def swapped(entries: list[Json], i: int) -> None:
    """Entries ``i`` and ``i + 1`` served in each other's place (their numbers kept), re-hashed."""
    a, b = entries[i], entries[i + 1]
    fields = ("change_id", "change_digest", "kind", "domain", "origin_region", "at")
    first, second = {f: b[f] for f in fields}, {f: a[f] for f in fields}
    rehashed(a, **first)
    rehashed(b, **second)


def flip(hash_hex: str) -> str:
    return ("1" if hash_hex[0] == "0" else "0") + hash_hex[1:]


def test_the_page_proves_each_entry_in_the_signed_tree(logged: LocalStack, page: Page) -> None:
    checkpoints = as_operator(logged, "GET", "/v1/log/checkpoints").body["checkpoints"]
    assert [c["sequence"] for c in checkpoints] == [5, 12, 15]
    sign_in_as_operator(page, logged)
    open_page(page, logged, "log")
    expect(page.locator("main")).to_contain_text("检查点不含见证联署")  # no witness yet
    expect(page.locator("main table").first).to_contain_text(checkpoints[-1]["root"][:12])

    verify(page)

    result = page.locator("#verify-result")
    expect(result).to_contain_text(
        "已核对 15 条的叶哈希；15 条在签名检查点 15 的树中；2 个较早的检查点与之一致"
    )
    expect(result).to_contain_text("SM2")  # said not verified here
    expect(result.locator(".notice.error")).to_have_count(0)
    shoot(page, "log-proved")


def test_a_regions_session_proves_the_log_too(logged: LocalStack, page: Page) -> None:
    """Proofs are reads its session is allowed (console_api.accepts_session)."""
    hand_off(page, logged, province_handoff(logged, "430100", "cs-console"))
    expect(page.locator("#who-region")).to_contain_text("430100")
    open_page(page, logged, "log")

    verify(page)

    expect(page.locator("#verify-result")).to_contain_text("15 条在签名检查点 15 的树中")


LIES: list[tuple[str, str, Callable[[Json, str], object], str]] = [
    (
        "an entry altered",
        r"/v1/log\?from=",
        lambda b, _: b["entries"][2].update(domain="tax"),
        "entry 3 was altered",
    ),
    (
        "an entry altered and re-hashed",
        r"/v1/log\?from=",
        lambda b, _: rehashed(b["entries"][2], domain="tax"),
        "entry 3 is not in the signed tree",
    ),
    (
        "an entry dropped",
        r"/v1/log\?from=",
        lambda b, _: b["entries"].pop(3),
        "4 expected, 5 served",
    ),
    (
        "two entries reordered and re-hashed",
        r"/v1/log\?from=",
        lambda b, _: swapped(b["entries"], 5),
        "entry 7 is not in the signed tree",
    ),
    (
        "a wrong inclusion proof",
        r"/v1/log/proof\?",
        lambda b, url: "index=4" in url and b["proof"].__setitem__(0, flip(b["proof"][0])),
        "entry 5 is not in the signed tree",
    ),
    (
        "a forked history",
        r"/v1/log/proof\?",
        lambda b, url: "old=5" in url and b["proof"].__setitem__(-1, flip(b["proof"][-1])),
        "checkpoint 5 is not consistent with 15",
    ),
]


@pytest.mark.parametrize(("lie", "url", "alter", "caught"), LIES, ids=[x[0] for x in LIES])
def test_the_page_catches_a_server_that_lies(
    logged: LocalStack,
    page: Page,
    lie: str,
    url: str,
    alter: Callable[[Json, str], object],
    caught: str,
) -> None:
    sign_in_as_operator(page, logged)
    open_page(page, logged, "log")
    serving(page, url, alter)

    verify(page)

    result = page.locator("#verify-result")
    expect(result).to_contain_text(caught)
    expect(result.locator(".notice.error")).to_contain_text("个问题")


def test_the_page_refuses_a_checkpoint_the_gateway_did_not_sign(
    logged: LocalStack, page: Page
) -> None:
    """A root replaced in the latest checkpoint: its signature fails, so no proof is trusted."""
    sign_in_as_operator(page, logged)
    latest = r"/v1/log/checkpoints"
    serving(page, latest, lambda b, _: b["checkpoints"][-1].update(root="ab" * 32))
    open_page(page, logged, "log")

    verify(page)

    result = page.locator("#verify-result")
    expect(result).to_contain_text("最新检查点 15: 签名不符 signature does not verify")
    expect(result).not_to_contain_text("在签名检查点")


def test_the_page_names_each_witness_of_a_checkpoint_once(logged: LocalStack, page: Page) -> None:
    """Cosignatures are served as signed-note lines, a witness's first and latest (review 195:
    the column was blank)."""
    lines = [f"— {name} AAAA" for name in ("w.hunan.example.cn", "w.hubei.example.cn")]
    sign_in_as_operator(page, logged)
    cosigned = [lines[0], *lines]
    serving(
        page,
        r"/v1/log/checkpoints",
        lambda b, _: b["checkpoints"][-1].update(cosignatures=cosigned),
    )

    open_page(page, logged, "log")

    row = page.locator("main table").first.locator("tr", has_text="w.hunan")
    expect(row).to_contain_text("w.hunan.example.cn, w.hubei.example.cn")
    # as claimed: the page checks no witness signature (these are not signatures at all)
    expect(page.locator("main table").first).to_contain_text("as claimed")


def test_the_page_says_which_entries_no_signed_checkpoint_covers_yet(
    logged: LocalStack, page: Page
) -> None:
    """With the latest checkpoint not yet listed, entries 13–15 are checked, not proved."""
    sign_in_as_operator(page, logged)
    serving(page, r"/v1/log/checkpoints", lambda b, _: b["checkpoints"].pop())
    open_page(page, logged, "log")

    page.get_by_label("到 to").fill("15")
    verify(page)

    result = page.locator("#verify-result")
    expect(result).to_contain_text(
        "15 条的叶哈希；12 条在签名检查点 12 的树中；1 个较早的检查点与之一致"
    )
    expect(result).to_contain_text("entries 13–15 came after the latest checkpoint")


def proof_cases() -> list[Json]:
    """Inclusion and consistency proofs from gateway_client.tlog: every index and earlier size in
    trees of 1 to 33 leaves, and a few past 2³² leaves (all leaves alike, so a subtree's hash
    depends only on its height) where JavaScript's 32-bit operators would go wrong."""
    leaves = [leaf_hash(f"leaf {n}".encode()) for n in range(33)]

    def real(nodes: Any) -> list[bytes]:
        return [root_of(leaves[n << h : (n + 1) << h]) for h, n in nodes]

    heights = [leaf_hash(b"alike")]
    for _ in range(64):
        heights.append(node_hash(heights[-1], heights[-1]))

    def alike(nodes: Any) -> list[bytes]:
        return [heights[h] for h, _ in nodes]

    cases: list[Json] = []
    trees = [(size, real, [leaves[i] for i in range(size)]) for size in range(1, 34)]
    for size, read, leaf in trees:
        root = tree_root(size, read).hex()
        for i in range(size):
            proof = [p.hex() for p in inclusion_proof(i, size, read)]
            cases.append(
                {"leaf": leaf[i].hex(), "index": i, "size": size, "root": root, "proof": proof}
            )
        for old in range(1, size + 1):
            proof = [p.hex() for p in consistency_proof(old, size, read)]
            cases.append(
                {
                    "old": old,
                    "old_root": tree_root(old, read).hex(),
                    "size": size,
                    "root": root,
                    "proof": proof,
                }
            )
    for index, size in ((2**33 + 5, 2**34 + 3), (2**40, 2**40 + 1), (3, 2**32 + 1)):
        proof = [p.hex() for p in inclusion_proof(index, size, alike)]
        cases.append(
            {
                "leaf": heights[0].hex(),
                "index": index,
                "size": size,
                "root": tree_root(size, alike).hex(),
                "proof": proof,
            }
        )
    for old, size in ((2**33 + 1, 2**35 + 7), (2**32, 2**40 + 9)):
        proof = [p.hex() for p in consistency_proof(old, size, alike)]
        cases.append(
            {
                "old": old,
                "old_root": tree_root(old, alike).hex(),
                "size": size,
                "root": tree_root(size, alike).hex(),
                "proof": proof,
            }
        )
    return cases


# Each case must verify, and stop verifying with another root, a proof hash changed or one
# dropped; returned: the cases the page's verifier got wrong.
CHECK_PROOFS = """async (cases) => {
  const m = await import("/console/log-verify.js");
  const bytes = (t) => Uint8Array.from(t.match(/../g) ?? [], (p) => parseInt(p, 16));
  const flip = (h) => Uint8Array.from(h, (b, i) => (i ? b : b ^ 1));
  const wrong = [];
  for (const c of cases) {
    const check = (proof, root) => c.old === undefined
      ? m.verifyInclusion(bytes(c.leaf), c.index, c.size, proof, root)
      : m.verifyConsistency(c.old, c.size, bytes(c.old_root), root, proof);
    const [proof, root] = [c.proof.map(bytes), bytes(c.root)];
    const lies = [[proof, flip(root)]];
    if (proof.length) lies.push([[flip(proof[0]), ...proof.slice(1)], root]);
    if (proof.length) lies.push([proof.slice(1), root]);
    if (!(await check(proof, root))) wrong.push(["refused", c]);
    for (const [p, r] of lies) if (await check(p, r)) wrong.push(["accepted a lie", c]);
  }
  return wrong;
}"""

CHECK_HASHES = """async ([entries, checkpoint]) => {
  const m = await import("/console/log-verify.js");
  return [await Promise.all(entries.map(m.entryHash)), m.checkpointText(checkpoint)];
}"""


def test_the_pages_proof_checks_agree_with_the_client_library(
    logged: LocalStack, page: Page
) -> None:
    page.goto(f"{logged.url}/console")

    assert page.evaluate(CHECK_PROOFS, proof_cases()) == []

    entries = as_operator(logged, "GET", "/v1/log?from=1&limit=15").body["entries"]
    entries.append({**entries[0], "moved_from": "410184"})  # the operator's move: one more field
    checkpoint = as_operator(logged, "GET", "/v1/log/checkpoints").body["checkpoints"][-1]
    hashes, text = page.evaluate(CHECK_HASHES, [entries, checkpoint])
    assert hashes == [entry_hash(LogEntry.model_validate(e)) for e in entries]
    assert text.encode() == Checkpoint.model_validate(checkpoint).signed_bytes()


def test_the_page_refuses_a_checkpoint_signed_outside_its_key_s_validity(
    logged: LocalStack, page: Page
) -> None:
    """A retired key signs nothing after its `valid_until` (``contract.keys.usable_at``, as
    `gateway verify-log` judges): the latest checkpoint dated after it is not trusted (review
    139)."""
    sign_in_as_operator(page, logged)

    def retired(body: Json, _: str) -> None:
        for key in body["keys"]:
            key["valid_until"] = "2000-01-01T00:00:00Z"

    serving(page, r"/v1/keys$", retired)
    open_page(page, logged, "log")

    verify(page)

    result = page.locator("#verify-result")
    expect(result).to_contain_text("最新检查点 15: 密钥")
    expect(result).to_contain_text("key not valid when the checkpoint says it was signed")
    expect(result).not_to_contain_text("在签名检查点")


def test_the_page_refuses_a_checkpoint_dated_before_a_smaller_one(
    logged: LocalStack, page: Page
) -> None:
    """A checkpoint's time is not signed: a key retired since could sign a larger one and date
    it back into its validity. One dated before a smaller checkpoint is not trusted, as
    `gateway verify-log` judges it (review 215: the page called it verified)."""
    sign_in_as_operator(page, logged)

    def backdated(body: Json, _: str) -> None:
        *_, smaller, latest = body["checkpoints"]
        earlier = datetime.fromisoformat(smaller["at"]) - timedelta(minutes=10)
        latest["at"] = earlier.isoformat()

    serving(page, r"/v1/log/checkpoints", backdated)
    open_page(page, logged, "log")

    verify(page)

    result = page.locator("#verify-result")
    expect(result.locator(".notice.error")).to_contain_text("个问题")
    expect(result).to_contain_text("checkpoint 15 is dated")
    expect(result).to_contain_text("before a smaller checkpoint")
    expect(result).not_to_contain_text("在签名检查点")


def test_a_checkpoint_no_listed_key_signed_does_not_make_the_latest_backdated(
    logged: LocalStack, page: Page
) -> None:
    """Dates are judged among the checkpoints a listed key signed, as `gateway verify-log`
    judges them: a stray smaller one dated later is named for its key alone, the latest is not
    refused as backdated (review 216: it was, and nothing was proved)."""
    sign_in_as_operator(page, logged)

    def stray(body: Json, _: str) -> None:
        *_, smaller, latest = body["checkpoints"]
        later = datetime.fromisoformat(latest["at"]) + timedelta(hours=1)
        body["checkpoints"].insert(-1, {**smaller, "key_id": "gw-stray", "at": later.isoformat()})

    serving(page, r"/v1/log/checkpoints", stray)
    open_page(page, logged, "log")

    verify(page)

    result = page.locator("#verify-result")
    expect(result).to_contain_text("1 problem(s) found")  # the stray's key, nothing else
    expect(result).to_contain_text("gw-stray 未公布 key not published")
    expect(result).not_to_contain_text("before a smaller checkpoint")


def test_the_page_refuses_a_log_served_short_of_its_signed_checkpoint(
    logged: LocalStack, page: Page
) -> None:
    """Entries the signed tree holds, withheld, are a problem, as `verify-log` judges them, not
    a note beside a green "verified" (review 151)."""
    sign_in_as_operator(page, logged)

    def withheld(body: Json, _: str) -> None:
        if body.get("entries"):
            del body["entries"][-2:]  # the newest two signed entries

    serving(page, r"/v1/log\?from=", withheld)
    open_page(page, logged, "log")

    verify(page)

    result = page.locator("#verify-result")
    expect(result.locator(".notice.error")).to_contain_text("个问题")
    expect(result).to_contain_text("before the signed checkpoint's 15")
