"""The `make demo` scenario, run over real HTTP on the local stack, checked province by province."""

from __future__ import annotations

import json

import pytest
from e2e_support import DemoWorld

from gateway_client.cli.main import main
from gateway_client.contract.regions import within
from infra.local import scenario
from infra.local.demo import DemoReport
from infra.local.stack import LocalStack

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def report(demo_world: DemoWorld) -> DemoReport:
    return demo_world.report


@pytest.fixture(scope="module")
def stack(demo_world: DemoWorld) -> LocalStack:
    return demo_world.stack


def test_every_scenario_check_passes(report: DemoReport) -> None:
    failed = [description for description, ok in report.checks if not ok]
    assert failed == []


def test_every_province_receives_each_matching_change_verified_and_nothing_else(
    report: DemoReport,
) -> None:
    for code, tally in report.provinces.items():
        assert tally.received == tally.expected, code
        assert tally.failed_verification == 0, code


def test_each_province_sees_only_what_its_filters_ask_for(report: DemoReport) -> None:
    guangdong = [d["data"]["listing"] for d in report.deliveries["440000"]]
    hubei = [d["data"]["listing"] for d in report.deliveries["420000"]]
    assert guangdong
    assert all(
        within(x["origin_region"], "440000") or within(x["origin_region"], "230000")
        for x in guangdong
    )
    assert hubei
    assert all(x["kind"] == "black" for x in hubei)


def test_hunan_receives_the_relayed_listing_once_with_both_provenances(
    report: DemoReport,
) -> None:
    relayed = [
        d
        for d in _received(report, "430000", "listing.changed")
        if d["data"]["listing"]["credit_code"] == scenario.DY_MINE
        and d["data"]["listing"]["domain"] == "work_safety"
    ]
    assert len(relayed) == 1
    assert relayed[0]["data"]["listing"]["origin_region"] == "420281"


def test_an_updated_listing_reaches_subscribers_as_an_update_of_the_earlier_version(
    report: DemoReport,
) -> None:
    changes = [
        d["data"]
        for d in report.deliveries["440000"]
        if d["data"]["listing"]["credit_code"] == scenario.QC_CHEM
        and d["data"]["type"] in {"listed", "updated"}
    ]
    kinds = sorted(change["type"] for change in changes)
    assert kinds == ["listed", "updated"]
    update = next(change for change in changes if change["type"] == "updated")
    listed = next(change for change in changes if change["type"] == "listed")
    assert update["previous_version"] == listed["listing"]["version"]


def test_the_platform_tallies_count_each_outcome(report: DemoReport) -> None:
    qitaihe = report.platforms["230900"]
    assert (qitaihe.accepted, qitaihe.duplicate, qitaihe.rejected) == (3, 0, 1)
    xinzheng = report.platforms["410184"]
    assert (xinzheng.accepted, xinzheng.rejected, xinzheng.refused) == (2, 1, 1)


def _received(report: DemoReport, province: str, kind: str) -> list[dict[str, object]]:
    return [d for d in report.deliveries[province] if d["type"] == kind]


def test_each_delivery_carries_the_recognition_of_its_own_province(report: DemoReport) -> None:
    guangdong = {
        d["data"]["listing"]["credit_code"]: d["recognition"]
        for d in _received(report, "440000", "listing.changed")
    }
    assert guangdong[scenario.QTH_TAX]["recognised"] is True
    assert guangdong[scenario.QTH_COAL]["recognised"] is False
    assert guangdong[scenario.QTH_COAL]["reasons"] == ["kind_not_covered"]
    hubei = [
        d["recognition"]
        for d in _received(report, "420000", "listing.changed")
        if d["data"]["listing"]["credit_code"] == scenario.DY_MINE
    ]
    assert hubei
    assert all(r["recognised"] and r["basis"] == ["own_subtree"] for r in hubei)


def test_the_two_domain_subject_is_flagged_intensified_once_for_each_recognising_province(
    report: DemoReport,
) -> None:
    for province in ("420000", "430000"):
        [flag] = _received(report, province, "subject.intensified")
        assert flag["intensified"] == {
            "credit_code": scenario.DY_MINE,
            "intensified": True,
            "domains": ["ecology_environment", "work_safety"],
        }
    assert _received(report, "440000", "subject.intensified") == []


def test_hubeis_new_agreement_reaches_only_hubei_and_only_for_henan_listings(
    report: DemoReport,
) -> None:
    changed = _received(report, "420000", "recognition.changed")
    codes = {d["data"]["listing"]["credit_code"] for d in changed}
    assert codes == {scenario.XZ_FOOD, scenario.XZ_PERSON}
    assert all(d["recognition"]["recognised"] for d in changed)
    assert _received(report, "430000", "recognition.changed") == []
    assert _received(report, "440000", "recognition.changed") == []


def test_a_natural_person_is_masked_for_a_province_that_does_not_recognise_the_listing(
    report: DemoReport,
) -> None:
    [person] = [
        d
        for d in _received(report, "430000", "listing.changed")
        if d["data"]["listing"]["subject_type"] == "natural_person"
    ]
    assert person["recognition"]["recognised"] is False
    assert (
        person["data"]["listing"]["credit_code"]
        == scenario.XZ_PERSON[:6] + "*" * 11 + scenario.XZ_PERSON[17]
    )


def test_the_cli_query_prints_the_subject_as_a_province_applies_it(
    report: DemoReport, stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["query", scenario.DY_MINE, "--as", "430000", "--url", stack.url])

    printed = capsys.readouterr().out
    assert code == 0
    assert "intensified joint punishment (加大联合惩戒): YES — 生态环境, 安全生产" in printed
    assert "[强制] 从严审核行政许可审批项目" in printed


def test_the_cli_lists_a_regions_agreements_with_the_operator_token(
    report: DemoReport, stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["agreement", "list", "--subscriber", "430000", "--url", stack.url]

    code = main([*args, f"--token={stack.operator_token}"])

    listed = json.loads(capsys.readouterr().out)["agreements"]
    assert code == 0
    assert [a["title"] for a in listed] == ["长江中游城市群严重失信主体名单互认合作备忘录"]


def test_hunan_hears_every_lifecycle_step_of_the_listings_it_received(report: DemoReport) -> None:
    steps = {
        (d["data"]["listing"]["credit_code"], d["data"]["type"])
        for d in _received(report, "430000", "listing.changed")
    }
    assert {
        (scenario.QC_CHEM, "suspended"),
        (scenario.QC_CHEM, "reinstated"),
        (scenario.QTH_LATE, "repaired"),
        (scenario.XZ_FOOD, "objection_filed"),
        (scenario.XZ_FOOD, "expired"),
    } <= steps


def test_a_suspended_listing_is_delivered_as_not_recognised_while_verified(
    report: DemoReport,
) -> None:
    [suspended] = [
        d
        for d in _received(report, "430000", "listing.changed")
        if d["data"]["type"] == "suspended"
    ]
    assert suspended["recognition"]["reasons"] == ["measures_suspended"]
    assert suspended["data"]["listing"]["objection"]["objection_id"] == "qc-obj-1"
