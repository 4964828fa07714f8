"""The demo's batch check: 黄石市's procurement checks its bidders in one request and files the
signed report, which is then checked offline against the gateway's published keys."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from gateway_client.contract import PublishedKey, verify_report
from gateway_client.push_client import PushClient, http_request
from infra.local import scenario

Check = tuple[str, bool]
UNLISTED = scenario.make_uscc("91420200MA4KBD501")  # a bidder nobody listed


def run_checks(url: str, city: PushClient, name: str, say: Callable[[str], None]) -> list[Check]:
    codes = [scenario.DY_MINE, scenario.XZ_FOOD, UNLISTED, "not-a-code"]
    say(f"· {name} checks {len(codes)} bidders at once (应查必查) and files the signed report")
    request = {"codes": codes, "purpose": "public_procurement", "report": True}
    reply = city.send_json("/v1/checks", None, request, datetime.now(UTC))
    if reply.status != 200:
        raise RuntimeError(f"batch check → {reply.status}: {reply.body}")
    answer: dict[str, Any] = reply.body
    found = [r for r in answer["results"] if r["found"]]
    same = all(
        r["subject"] == _one_stop(city, codes[r["index"]])
        for r in answer["results"]
        if r["error"] is None
    )
    keys = [
        PublishedKey.model_validate(k) for k in http_request("GET", f"{url}/v1/keys").body["keys"]
    ]
    report = answer["report"]
    changed = copy.deepcopy(report)
    changed["content"]["results"][0]["found"] = False
    return [
        (
            f"{name}'s batch check answers {len(codes)} codes as its one-stop query does "
            f"({len(found)} found, {answer['summary']['invalid']} not a code)",
            same and bool(found) and answer["summary"]["invalid"] == 1,
        ),
        (
            f"its signed report ({report['verification_code']}) verifies offline against "
            "GET /v1/keys, and a changed copy does not",
            verify_report(report, keys).ok and not verify_report(changed, keys).ok,
        ),
    ]


def _one_stop(city: PushClient, code: str) -> Any:
    """The same region's one-stop view of ``code`` (its own recognition applies); ``None``
    when it has nothing to show (404), as a check's ``subject`` is then. A lookup answers a
    page of listings and says how many there are (``listings_total``); a check answers all."""
    path = f"/v1/subjects/{code}?as={city.region}&purpose=public_procurement"
    reply = city.send_signed(path, None, b"", datetime.now(UTC), "GET")
    if reply.status != 200:
        return None
    view = dict(reply.body)
    if view.pop("next_offset", None) is not None or view.pop("listings_total") != len(
        view["listings"]
    ):
        raise RuntimeError(f"the demo's subjects fit one page; {code} did not")
    return view
