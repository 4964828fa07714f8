"""The national tier over HTTP on the local stack: a national court-defaulter source (最高人民法院,
seed 003 (十一)'s 执行信息公开网) lists in its domain and is refused outside it, and what must be
reported upward (seed 004 二(二)2: 报送至"信用中国"; seed 001 二(四)2) reaches the national
platform, whose monthly statistics report it on time.

The local stack's ``CG_UPWARD_REPORTING`` asks every court-defaulter black listing to reach
信用中国 (100000) within 24 hours (``infra.local.stack.UPWARD_REPORTING``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from e2e_support import as_operator, drain, platform
from stdnum.cn import uscc

from gateway_client.cli import main as cli
from gateway_client.push_client import http_request
from gateway_client.uploader import BulkUploader, describe
from infra.local.receiver import Receiver
from infra.local.stack import LocalStack

pytestmark = pytest.mark.e2e

NATION, COURT, CHANGSHA = "100000", "100001", "430100"


def make_uscc(body: str) -> str:
    return body + uscc.calc_check_digit(body)


DEFAULTER, TAX_EVADER, CITY_DEFAULTER = (make_uscc(f"91430100MA4NAT00{n}") for n in (1, 2, 3))
DECISIONS = {
    "court_defaulter": (
        "《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条",
        "长沙市中级人民法院",
    ),
    "major_tax_violation": (
        "《重大税收违法失信主体信息公布管理办法》第六条",
        "国家税务总局长沙市税务局",
    ),
}


def entry(code: str, domain: str, number: str) -> dict[str, Any]:
    start = (datetime.now(UTC) - timedelta(days=10)).date().isoformat()
    basis, authority = DECISIONS[domain]
    return {
        "credit_code": code,
        "subject_name": "长沙某某贸易有限公司",
        "kind": "black",
        "domain": domain,
        "severity": "serious",
        "reason": "有履行能力而拒不履行",
        "legal_basis": basis,
        "deciding_authority": authority,
        "decision_number": number,
        "decided_on": start,
        "valid_from": start,
        "source_updated_at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
    }


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack() as running:
        yield running


@pytest.fixture(scope="module")
def world(stack: LocalStack) -> Iterator[dict[str, Any]]:
    nation = {"name": "信用中国", "kind": "national_platform"}
    assert as_operator(stack, "PUT", f"/v1/regions/{NATION}", nation).status == 200
    receiver = Receiver("信用中国").start()
    operator = {"authorization": f"Bearer {stack.operator_token}"}
    receiver.subscribe(stack.url, {"region": NATION}, operator)
    court = platform(
        stack,
        COURT,
        f"k-{COURT}",
        {"name": "最高人民法院", "kind": "national_source", "domains": ["court_defaulter"]},
    )
    city = platform(stack, CHANGSHA, f"k-{CHANGSHA}", {"name": "长沙市"})
    yield {"receiver": receiver, "court": court, "city": city}
    receiver.stop()


def heard(world: dict[str, Any]) -> dict[str, str]:
    """What 信用中国 received: listing id → credit code."""
    return {
        r.payload.data.listing.listing_id: r.payload.data.listing.credit_code
        for r in world["receiver"].received
    }


def test_a_national_sources_push_in_its_domain_reaches_the_national_platform(
    stack: LocalStack, world: dict[str, Any]
) -> None:
    reply = world["court"].push(
        [entry(DEFAULTER, "court_defaulter", "(2026)最高法执1号")], datetime.now(UTC)
    )
    drain(stack)

    assert (reply.status, reply.body["accepted"], reply.body["errors"]) == (200, 1, [])
    listing_id = reply.body["outcomes"][0]["listing_id"]
    assert heard(world).get(listing_id) == DEFAULTER


def test_a_national_sources_entry_outside_its_domains_is_refused_and_goes_nowhere(
    stack: LocalStack, world: dict[str, Any]
) -> None:
    before = heard(world)

    reply = world["court"].push(
        [entry(TAX_EVADER, "major_tax_violation", "长税稽罚〔2026〕9号")], datetime.now(UTC)
    )
    drain(stack)

    assert reply.status == 200, reply.body
    assert reply.body["accepted"] == 0
    assert [(e["index"], e["field"], e["code"]) for e in reply.body["errors"]] == [
        (0, "domain", "domain_not_permitted")
    ]
    assert http_request("GET", f"{stack.url}/v1/subjects/{TAX_EVADER}").status == 404
    assert heard(world) == before


def test_a_citys_listing_is_reported_upward_and_counted_on_time(
    stack: LocalStack, world: dict[str, Any]
) -> None:
    reply = world["city"].push(
        [entry(CITY_DEFAULTER, "court_defaulter", "(2026)湘01执902号")], datetime.now(UTC)
    )
    drain(stack)

    assert reply.body["accepted"] == 1, reply.body
    assert reply.body["outcomes"][0]["listing_id"] in heard(world)
    month = f"{datetime.now(UTC) + timedelta(hours=8):%Y-%m}"  # statistics months are Beijing's
    for region, due in ((NATION, 1), ("430000", 1)):  # the court's own are due to no one
        stats = as_operator(stack, "GET", f"/v1/stats?region={region}&month={month}")
        assert stats.status == 200, stats.body
        [upward] = stats.body["upward"]
        assert upward["rule"] == "court-defaulters-to-nation"
        counted = (upward["due"], upward["reported_on_time"], upward["late"], upward["missing"])
        assert (counted, upward["share"]) == ((due, due, 0, 0), 1.0)


def test_the_operator_cli_registers_a_national_source_and_prints_the_upward_line(
    stack: LocalStack, world: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    operator = ("--url", stack.url, "--token", stack.operator_token)
    tax = ("--kind", "national_source", "--domains", "major_tax_violation,customs_dishonest")

    put = cli.main(["region", "put", "100002", "--name", "国家税务总局", *tax, *operator])
    registered = json.loads(capsys.readouterr().out)
    month = f"{datetime.now(UTC) + timedelta(hours=8):%Y-%m}"
    stats = cli.main(["stats", "--region", NATION, "--month", month, *operator])
    printed = capsys.readouterr().out

    assert (put, registered["kind"], registered["domains"]) == (
        0,
        "national_source",
        ["major_tax_violation", "customs_dishonest"],
    )
    assert stats == 0
    assert "upward reporting 向上报送 court-defaulters-to-nation → 100000 within 24 h" in printed


def test_a_national_sources_bulk_line_outside_its_domains_is_refused(
    stack: LocalStack, world: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "court.ndjson"
    lines = [
        entry(make_uscc("91430100MA4NAT004"), "court_defaulter", "(2026)最高法执4号"),
        entry(make_uscc("91430100MA4NAT005"), "major_tax_violation", "长税稽罚〔2026〕10号"),
    ]
    path.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines))
    uploader = BulkUploader(world["court"], lambda: datetime.now(UTC))

    asked = uploader.request(describe(path))
    assert asked.status == 201, asked.body
    assert uploader.put(asked.body["put"], path) == 200
    drain(stack)
    done = uploader.wait(asked.body["upload"]["manifest"]["upload_id"], timeout=10)

    assert done.status == 200, done.body
    upload = done.body["upload"]
    assert (upload["accepted"], upload["rejected"]) == (1, 1)
    assert [(e["line"], e["field"], e["code"]) for e in upload["errors"]] == [
        (2, "domain", "domain_not_permitted")
    ]
    tax_subject = http_request("GET", f"{stack.url}/v1/subjects/{make_uscc('91430100MA4NAT005')}")
    assert tax_subject.status == 404
