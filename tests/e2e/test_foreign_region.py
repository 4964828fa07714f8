"""A second region tries every kind of action on another region's listing, over HTTP on the
local stack, as a real platform would: each is refused with its stable code, the listing stays
exactly as its owner left it, and no subscriber hears of anything."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from e2e_support import as_operator, drain, platform
from stdnum.cn import uscc

from gateway_client.push_client import PushClient, Response
from gateway_client.uploader import BulkUploader, describe
from infra.local.receiver import Receiver
from infra.local.stack import LocalStack

pytestmark = pytest.mark.e2e

OWNER, STRANGER, SUBSCRIBER = "430100", "420000", "440000"  # 长沙市, 湖北省, 广东省
CODE = "91430100MA4L0AAA0" + uscc.calc_check_digit("91430100MA4L0AAA0")
STRANGER_CODE = "91420100MA4L0BBB0" + uscc.calc_check_digit("91420100MA4L0BBB0")


def entry(reason: str = "有履行能力而拒不履行", minutes_ago: int = 60) -> dict[str, Any]:
    start = (datetime.now(UTC) - timedelta(days=500)).date().isoformat()
    return {
        "credit_code": CODE,
        "subject_name": "长沙某某建材有限公司",
        "kind": "black",
        "domain": "court_defaulter",
        "severity": "general",
        "reason": reason,
        "legal_basis": "《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条",
        "deciding_authority": "长沙市中级人民法院",
        "decision_number": "(2025)湘01执77号",
        "decided_on": start,
        "valid_from": start,
        "source_updated_at": (datetime.now(UTC) - timedelta(minutes=minutes_ago)).isoformat(),
    }


def removal(minutes_ago: int = 1) -> dict[str, Any]:
    held = entry()
    return {
        **{k: held[k] for k in ("credit_code", "kind", "domain")},
        "deciding_authority": held["deciding_authority"],
        "decision_number": held["decision_number"],
        "reason": "revoked",
        "source_updated_at": (datetime.now(UTC) - timedelta(minutes=minutes_ago)).isoformat(),
    }


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack() as running:
        yield running


@pytest.fixture(scope="module")
def world(stack: LocalStack) -> Iterator[dict[str, Any]]:
    owner = platform(stack, OWNER, "cs-owner")
    stranger = platform(stack, STRANGER, "hb-stranger")
    platform(stack, SUBSCRIBER, "gd-subscriber")
    receiver = Receiver("广东省").start()
    operator = {"authorization": f"Bearer {stack.operator_token}"}
    receiver.subscribe(stack.url, {"region": SUBSCRIBER}, operator)
    pushed = owner.push([entry()], datetime.now(UTC))
    assert pushed.status == 200, pushed.body
    assert pushed.body["accepted"] == 1, pushed.body
    listing_id = pushed.body["outcomes"][0]["listing_id"]
    filed = owner.send_json(
        f"/v1/subjects/{CODE}/listings/{listing_id}/objections",
        None,
        {"objection_id": "o-owner", "reason": "主体提出异议"},
        datetime.now(UTC),
    )
    assert filed.status == 201, filed.body
    drain(stack)
    yield {"owner": owner, "stranger": stranger, "receiver": receiver, "listing_id": listing_id}
    receiver.stop()


def held(stack: LocalStack, listing_id: str) -> dict[str, Any]:
    reply = as_operator(stack, "GET", f"/v1/subjects/{CODE}")
    assert reply.status == 200, reply.body
    [found] = [x for x in reply.body["listings"] if x["listing"]["listing_id"] == listing_id]
    return dict(found["listing"])


@pytest.fixture
def unchanged(stack: LocalStack, world: dict[str, Any]) -> Iterator[None]:
    """Around each attempt: the listing and what the subscriber received stay exactly as they
    were (after everything the attempt could have set off has run)."""
    before = held(stack, world["listing_id"])
    heard = heard_of(world)
    yield
    drain(stack)
    assert held(stack, world["listing_id"]) == before
    assert heard_of(world) == heard


def heard_of(world: dict[str, Any]) -> list[str]:
    """The deliveries the subscriber received about the owner's listing."""
    return [
        x.webhook_id
        for x in world["receiver"].received
        if x.payload.data.listing.listing_id == world["listing_id"]
    ]


def entry_errors(reply: Response) -> list[tuple[str, str]]:
    assert reply.status == 200, reply.body
    return [(e["list"], e["code"]) for e in reply.body["errors"]]


@pytest.mark.usefixtures("unchanged")
def test_a_newer_version_from_another_region_is_refused(world: dict[str, Any]) -> None:
    reply = world["stranger"].push([entry("改写", minutes_ago=1)], datetime.now(UTC))

    assert entry_errors(reply) == [("entries", "not_listing_owner")]


@pytest.mark.usefixtures("unchanged")
def test_an_older_copy_from_another_region_adds_no_provenance(world: dict[str, Any]) -> None:
    reply = world["stranger"].push([entry(minutes_ago=600)], datetime.now(UTC))

    assert entry_errors(reply) == [("entries", "not_listing_owner")]


@pytest.mark.usefixtures("unchanged")
def test_a_removal_by_another_region_is_refused(world: dict[str, Any]) -> None:
    stranger: PushClient = world["stranger"]
    now = datetime.now(UTC)
    body = {
        "region": STRANGER,
        "batch_id": "hb-remove-1",
        "issued_at": now.isoformat(),
        "entries": [],
        "removals": [removal()],
    }
    reply = stranger.send_signed(
        "/v1/pushes", "hb-remove-1", json.dumps(body, ensure_ascii=False).encode(), now
    )

    assert entry_errors(reply) == [("removals", "not_listing_owner")]


@pytest.mark.parametrize(
    ("action", "body"),
    [
        pytest.param("objections", {"objection_id": "o-hb", "reason": "异议"}, id="objection"),
        pytest.param(
            "objections/o-owner/decision",
            {"outcome": "revoked", "source_updated_at": datetime.now(UTC).isoformat()},
            id="decision",
        ),
        pytest.param(
            "repair",
            {"reason": "已履行", "source_updated_at": datetime.now(UTC).isoformat()},
            id="repair",
        ),
    ],
)
@pytest.mark.usefixtures("unchanged")
def test_a_lifecycle_step_by_another_region_is_forbidden(
    world: dict[str, Any], action: str, body: dict[str, Any]
) -> None:
    path = f"/v1/subjects/{CODE}/listings/{world['listing_id']}/{action}"

    reply = world["stranger"].send_json(path, None, body, datetime.now(UTC))

    # a region that was never delivered the listing has nothing to object to either
    refused = "listing_not_received" if action == "objections" else "not_listing_owner"
    assert reply.status == 403, reply.body
    assert reply.body["error"]["code"] == refused


def upload(stack: LocalStack, client: PushClient, path: Path, **options: Any) -> dict[str, Any]:
    uploader = BulkUploader(client, lambda: datetime.now(UTC))
    asked = uploader.request(describe(path), **options)
    assert asked.status == 201, asked.body
    assert uploader.put(asked.body["put"], path) == 200
    drain(stack)
    done = uploader.wait(asked.body["upload"]["manifest"]["upload_id"], timeout=10)
    assert done.status == 200, done.body
    return dict(done.body["upload"])


@pytest.mark.usefixtures("unchanged")
def test_a_bulk_line_for_another_regions_listing_is_refused(
    stack: LocalStack, world: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "foreign.ndjson"
    path.write_text(json.dumps(entry("批量改写", minutes_ago=1), ensure_ascii=False) + "\n")

    done = upload(stack, world["stranger"], path)

    assert [(e["line"], e["code"]) for e in done["errors"]] == [(1, "not_listing_owner")]
    assert (done["accepted"], done["rejected"]) == (0, 1)


@pytest.mark.usefixtures("unchanged")
def test_a_forced_resync_by_another_region_removes_nothing_of_others(
    stack: LocalStack, world: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "own-resync.ndjson"
    own = entry("湖北自己的名单") | {
        "credit_code": STRANGER_CODE,
        "deciding_authority": "武汉市中级人民法院",
        "decision_number": "(2025)鄂01执5号",
    }
    path.write_text(json.dumps(own, ensure_ascii=False) + "\n")

    done = upload(stack, world["stranger"], path, domains=["court_defaulter"], force=True)

    assert (done["removal"], done["removed"]) == ("applied", 0)


def test_the_owner_still_acts_after_every_foreign_attempt(
    stack: LocalStack, world: dict[str, Any]
) -> None:
    heard = heard_of(world)

    reply = world["owner"].push([entry("更正", minutes_ago=0)], datetime.now(UTC))
    drain(stack)

    assert len(heard_of(world)) == len(heard) + 1  # the subscriber hears the owner's change

    assert (reply.body["accepted"], held(stack, world["listing_id"])["reason"]) == (1, "更正")
    assert held(stack, world["listing_id"])["origin_region"] == OWNER
