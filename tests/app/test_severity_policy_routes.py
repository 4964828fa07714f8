"""The deployment's severity policy over the routes: which black-list entries punish (黑名单) and
which are dishonesty records (失信记录): seed 000 二(二)1 "将严重失信行为纳入“黑名单”",
国办发〔2020〕49号. A record is accepted, exchanged, queryable and counted, with no measures."""

from __future__ import annotations

from typing import Any

import pytest
from app_support import (
    CREDIT_CODE,
    DAYE,
    Gateway,
    StreamReader,
    daye_black_entry,
    queued_messages,
)
from delivery_support import subscribe
from lifecycle_support import Lifecycle, this_month
from pydantic import ValidationError
from pydantic_settings import SettingsError

import app as gateway_app
from chalicelib.settings import get_settings

GENERAL = {
    "domain": "food_drug",
    "severity": "general",
    "deciding_authority": "大冶市市场监督管理局",
    "decision_number": "大市监罚〔2026〕7号",
}
SERIOUS_TAX = {
    "domain": "major_tax_violation",
    "deciding_authority": "国家税务总局大冶市税务局",
    "decision_number": "大税稽罚〔2026〕3号",
}
EVERY_SEVERITY = '["general", "relatively_serious", "serious"]'


def pushed_and_fanned_out(gateway: Gateway, aws: Any, stream: StreamReader) -> list[Any]:
    daye = gateway.register_platform(DAYE)
    gateway.put_region("420000", name="湖北省")
    subscribe(gateway, "https://credit.hubei.example.cn/hooks", region="420000")
    entries = [daye_black_entry(**GENERAL), daye_black_entry(**SERIOUS_TAX)]
    assert gateway.push(daye, DAYE, entries).json_body["accepted"] == 2
    gateway_app.fan_out_changes(stream.event(), None)
    return queued_messages(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"])


def subject(gateway: Gateway) -> dict[str, Any]:
    response = gateway.client.http.get(
        f"/v1/subjects/{CREDIT_CODE}?as={DAYE}", headers=gateway.operator()
    )
    assert response.status_code == 200, response.json_body
    return dict(response.json_body)


def test_by_default_a_general_entry_is_a_record_without_measures_everywhere(
    gateway: Gateway, aws: Any, stream: StreamReader
) -> None:
    deliveries = pushed_and_fanned_out(gateway, aws, stream)

    by_domain = {d.change.listing.domain: d.recognition for d in deliveries}
    assert by_domain["food_drug"].listed_as == "dishonesty_record"
    assert by_domain["food_drug"].measures == ()
    assert by_domain["major_tax_violation"].listed_as is None  # absent: a black listing, as ever
    assert by_domain["major_tax_violation"].measures
    assert not [d for d in deliveries if d.type == "subject.intensified"]

    view = subject(gateway)
    shown = {v["listing"]["domain"]: v for v in view["listings"]}
    assert (shown["food_drug"]["listed_as"], shown["food_drug"]["measures"]) == (
        "dishonesty_record",
        [],
    )
    assert (view["intensified"], view["intensified_domains"]) == (False, ["major_tax_violation"])

    stats = Lifecycle(gateway).stats(DAYE, this_month()).json_body
    assert stats["active_black"] == {"major_tax_violation": {"serious": 1}}
    assert stats["active_dishonesty_records"] == {"food_drug": {"general": 1}}


def test_a_deployment_that_lists_every_severity_punishes_the_same_entry(
    gateway: Gateway, aws: Any, stream: StreamReader
) -> None:
    gateway.configure(black_list_severities=EVERY_SEVERITY)

    deliveries = pushed_and_fanned_out(gateway, aws, stream)

    by_domain = {d.change.listing.domain: d.recognition for d in deliveries}
    assert by_domain["food_drug"].listed_as is None  # a black listing, as ever
    assert by_domain["food_drug"].measures
    assert [d.intensified.domains for d in deliveries if d.intensified] == [
        ("food_drug", "major_tax_violation")
    ]
    view = subject(gateway)
    assert (view["intensified"], view["intensified_domains"]) == (
        True,
        ["food_drug", "major_tax_violation"],
    )


@pytest.mark.parametrize("value", ['["grave"]', "[]", "serious"])
def test_a_severity_list_that_is_not_one_is_refused_at_start_up(
    gateway: Gateway, value: str
) -> None:
    gateway.configure(black_list_severities=value)

    with pytest.raises((ValidationError, SettingsError), match="black_list_severities"):
        get_settings()
