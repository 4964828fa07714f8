"""The demo's person query (落实到人): 大冶市 lists a court defaulter naming its legal
representative with his ID number; the person query with that number finds the company, his
role and the measures aimed at him, in full for 大冶市 and masked for 七台河市, which does not
recognise the listing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from gateway_client.cli.person import render_person
from gateway_client.contract import china_date, mask
from gateway_client.push_client import PushClient, Response
from infra.local import scenario
from infra.local.stack import LocalStack

Check = tuple[str, bool]
REPRESENTATIVE = scenario.make_resident_id("11010819800412003")  # 王某某, 北京市海淀区
COMPANY = scenario.make_uscc("91420281MA4KDY702")
LEGEND = (
    "  responsible person 责任人 (落实到人): the people a company's black listing also binds",
    "  legal representative 法定代表人 · principal 主要负责人 · senior manager 高级管理人员 · "
    "director 董事 · shareholder 股东 · registered practitioner 注册执业人员",
    "  person measures 对责任人的惩戒措施: the measures whose targets include responsible persons, "
    "for the roles their sources name; [强制] mandatory · [推荐] recommended",
    "  ID numbers in full only for the owner, the operator and a region that recognises the "
    "listing; the number travels in the signed body, and each look is in the query trail 查询留痕",
)


def run_persons(
    stack: LocalStack, clients: dict[str, PushClient], say: Callable[[str], None]
) -> list[Check]:
    daye, qitaihe = clients["420281"], clients["230900"]
    say("· 大冶市 lists a court defaulter naming its legal representative; both look him up")
    pushed = daye.push([_entry(datetime.now(UTC))], datetime.now(UTC))
    if pushed.status != 200 or pushed.body["accepted"] != 1:
        raise RuntimeError(f"person listing → {pushed.status}: {pushed.body}")
    if stack.pump is None:
        raise RuntimeError("the local stack is not started")
    stack.pump.drain(timeout=60)
    owner, stranger = _ask(daye, REPRESENTATIVE), _ask(qitaihe, REPRESENTATIVE)
    never = _ask(daye, scenario.make_resident_id("11010819900101004"))
    for line in LEGEND:
        say(line)
    for reply in (owner, stranger):
        if reply.status == 200:
            say(render_person(reply.body))
    return [
        (
            "大冶市's person query finds 王某某 as the company's 法定代表人, its listing active, "
            "with the court measures aimed at him (限制出境, 限制高消费)",
            _found(owner, REPRESENTATIVE, {"restrict_exit", "restrict_high_consumption"}),
        ),
        (
            "七台河市, which does not recognise the listing, sees his number masked and no "
            "measures for him",
            _found(stranger, mask(REPRESENTATIVE), set()),
        ),
        ("a number never listed is 404 not_found", never.status == 404),
    ]


def _entry(now: datetime) -> dict[str, Any]:
    return scenario.entry(
        china_date(now),
        now,
        credit_code=COMPANY,
        subject_name="大冶市某某建设工程有限公司",
        domain="court_defaulter",
        deciding_authority="大冶市人民法院",
        decision_number="(2026)鄂0281执88号",
        responsible_persons=[
            {"name": "王某某", "role": "legal_representative", "id_number": REPRESENTATIVE}
        ],
    )


def _ask(client: PushClient, number: str) -> Response:
    body = {"id_number": number, "purpose": "supervision"}
    return client.send_json("/v1/persons/query", None, body, datetime.now(UTC))


def _found(reply: Response, shown_as: str, measures: set[str]) -> bool:
    if reply.status != 200 or reply.body["id_number"] != shown_as:
        return False
    [item] = [x for x in reply.body["listings"] if x["listing"]["credit_code"] == COMPANY]
    reached = {m["measure"]["measure_id"] for m in item["measures"]}
    return (
        item["roles"] == ["legal_representative"]
        and item["status"] == "active"
        and (measures <= reached if measures else not reached)
    )
