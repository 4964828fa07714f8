"""落实到人 over HTTP on the local stack (seeds 001 二(三)6, 003 (十五)): 长沙市 lists a company
on its court-defaulter black list naming its legal representative with his ID number; the
person query with that number — signed, the number in the body — finds the company's listing
with his role, its status and the measures aimed at him; once the listing is removed its status
says so; once retention purges it, the number finds nothing. ``gateway person`` asks the same."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from e2e_support import code, drain, entry, register

from gateway_client.cli import main as cli
from gateway_client.contract import CHINA, mask
from gateway_client.push_client import PushClient, Response, http_request
from infra.local.stack import LocalStack

pytestmark = pytest.mark.e2e

CITY, STRANGER = "430100", "440000"  # 长沙市, 广东省 (no agreement with 湖南)
REPRESENTATIVE = "110108198506150478"  # 北京市海淀区, born 1985-06-15
COMPANY = 7


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack() as running:
        yield running


def listed_entry() -> dict[str, Any]:
    return {
        **entry(COMPANY),
        "responsible_persons": [
            {"name": "王某", "role": "legal_representative", "id_number": REPRESENTATIVE}
        ],
    }


@pytest.fixture(scope="module")
def world(stack: LocalStack, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("keys")
    city_key = folder / "city.key"
    city = PushClient(stack.url, CITY, register(stack, CITY, "cs-person", city_key))
    stranger = PushClient(
        stack.url, STRANGER, register(stack, STRANGER, "gd-person", folder / "gd.key")
    )
    pushed = city.push([listed_entry()], datetime.now(UTC))
    assert pushed.status == 200, pushed.body
    assert pushed.body["accepted"] == 1, pushed.body
    drain(stack)
    return {
        "city": city,
        "city_key": city_key,
        "stranger": stranger,
        "listing_id": pushed.body["outcomes"][0]["listing_id"],
    }


def ask(client: PushClient, number: str = REPRESENTATIVE) -> Response:
    body = {"id_number": number, "purpose": "supervision"}
    return client.send_json("/v1/persons/query", None, body, datetime.now(UTC))


def test_the_legal_representative_finds_the_company_listing_with_role_status_and_measures(
    world: dict[str, Any],
) -> None:
    reply = ask(world["city"])

    assert reply.status == 200, reply.body
    assert reply.body["id_number"] == REPRESENTATIVE
    [found] = reply.body["listings"]
    assert found["listing"]["listing_id"] == world["listing_id"]
    assert found["listing"]["credit_code"] == code(COMPANY)
    assert (found["roles"], found["status"], found["recognised"]) == (
        ["legal_representative"],
        "active",
        True,
    )
    reached = {m["measure"]["measure_id"]: m["roles"] for m in found["measures"]}
    assert reached["restrict_exit"] == ["legal_representative"]  # seed 001 二(三)3 限制出境
    assert reached["restrict_high_consumption"] == ["legal_representative"]
    assert all("responsible_person" in m["measure"]["targets"] for m in found["measures"])


def test_a_region_without_need_sees_the_number_masked(world: dict[str, Any]) -> None:
    reply = ask(world["stranger"])

    assert reply.status == 200, reply.body
    assert reply.body["id_number"] == mask(REPRESENTATIVE)
    assert REPRESENTATIVE not in json.dumps(reply.body)
    assert reply.body["listings"][0]["measures"] == []  # 广东 does not recognise it


def test_an_anonymous_caller_is_refused_over_http(
    stack: LocalStack,
) -> None:
    body = json.dumps({"id_number": REPRESENTATIVE, "purpose": "supervision"}).encode()
    reply = http_request("POST", stack.url + "/v1/persons/query", body, {})

    assert reply.status == 401
    assert reply.body["error"]["code"] == "personal_query_requires_signature"


def test_gateway_person_prints_the_same_answer(
    stack: LocalStack, world: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    argv = ["person", REPRESENTATIVE, "--purpose", "supervision", "--url", stack.url]
    signing = ["--key-id", "cs-person", "--key-file", str(world["city_key"])]

    status = cli.main([*argv, *signing])

    out = capsys.readouterr().out
    assert status == 0, out
    assert "responsible person 责任人 (落实到人)" in out
    assert "法定代表人" in out
    assert "限制出境" in out


def test_after_removal_the_status_shows_it_and_after_the_purge_nothing_is_found(
    stack: LocalStack, world: dict[str, Any]
) -> None:
    city: PushClient = world["city"]
    now = datetime.now(UTC)
    held = listed_entry()
    removal = {
        **{k: held[k] for k in ("credit_code", "kind", "domain")},
        "deciding_authority": held["deciding_authority"],
        "decision_number": held["decision_number"],
        "reason": "revoked",
        "source_updated_at": (now - timedelta(minutes=1)).isoformat(),
    }
    body = {"region": CITY, "batch_id": "cs-remove-person", "issued_at": now.isoformat()}
    raw = json.dumps({**body, "entries": [], "removals": [removal]}, ensure_ascii=False)
    removed = city.send_signed("/v1/pushes", "cs-remove-person", raw.encode(), now)
    assert removed.status == 200, removed.body
    assert removed.body["removed"] == 1, removed.body
    drain(stack)

    after_removal = ask(city)
    assert after_removal.status == 200, after_removal.body
    [found] = after_removal.body["listings"]
    assert (found["status"], found["measures"]) == ("revoked", [])
    assert ask(world["stranger"]).status == 404  # ended: its owner's and the operator's to see

    five_years_on = datetime.now(CHINA) + timedelta(days=5 * 366 + 2)  # retention: 5 years
    tick = http_request(
        "POST",
        stack.url + "/v1/tick",
        json.dumps({"at": five_years_on.isoformat()}).encode(),
        {"authorization": f"Bearer {stack.operator_token}"},
    )
    assert tick.status == 200, tick.body
    assert tick.body["purged"] == 1, tick.body
    drain(stack)

    gone = ask(city)
    assert gone.status == 404, gone.body
    assert gone.body["error"] == {
        "code": "not_found",
        "message": f"no listings name {mask(REPRESENTATIVE)}",
        "path": "id_number",
    }
