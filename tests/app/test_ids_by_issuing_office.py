"""A resident ID number carries the division code of the office that first issued it, not of
the county as it was on the day of birth (review 122): everyone born in 大冶 before 大冶市 was
made (420281, 1994), or in 万州 before 重庆 became a municipality (500101, 1997). Judged by the
birth year (stdnum's birth place), 30 such numbers in 31 were refused as bad USCCs and the rest
(the USCC check happens to hold) taken for an organisation's code: the person's data shown to
anyone, in full to every region, and never purged. Each is a person's number everywhere."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from app_support import Gateway, Receiver, StreamReader
from lifecycle_support import (
    Lifecycle,
    add_months,
    china_noon,
    china_today,
    fan_out_and_deliver,
    push_with_removals,
    recent_entry,
    removal_of,
)
from personal_support import Askers, company_entry, person_entry
from stdnum.cn import ric

import app as gateway_app


def resident_id(prefix: str, born: str, sequence: str) -> str:
    body = prefix + born + sequence
    return body + ric.calc_check_digit(body + "0")


# Born 1990-03-15 in what became 大冶市 (420281) in 1994: real, valid GB 11643 numbers.
PASSES_USCC_TOO = resident_id("420281", "19900315", "046")  # 420281199003150468
REFUSED = resident_id("420281", "19900315", "001")  # 420281199003150011
CHONGQING = resident_id("500101", "19900315", "047")  # 万州区 (1997): 500101199003150479


def test_a_person_whose_id_carries_a_later_county_code_is_never_answered_anonymously(
    gateway: Gateway,
) -> None:
    askers = Askers(gateway).register()
    for number in (PASSES_USCC_TOO, CHONGQING):
        askers.push("owner", person_entry(credit_code=number, decision_number=f"鄂{number[-4:]}号"))
        reply = askers.ask("anonymous", f"/v1/subjects/{number}")
        # a natural person's code: 401 personal_query_requires_signature before any read
        assert reply.status_code == 401, (number, reply.status_code, reply.body.decode()[:300])


def test_such_a_persons_listing_is_purged_when_retention_ends(gateway: Gateway) -> None:
    askers = Askers(gateway).register()
    life = Lifecycle(gateway)
    ended_on = (china_today() - timedelta(days=10)).isoformat()
    entry = recent_entry(
        credit_code=PASSES_USCC_TOO,
        subject_name="张某某",
        deciding_authority="大冶市人民法院",
        decision_number="(2026)鄂0281执99号",
        conduct_ended_on=ended_on,
    )
    askers.push("owner", entry)
    ended = push_with_removals(
        gateway, askers.signers["owner"], "420281", [removal_of(entry, "revoked")]
    )
    assert ended.json_body["removed"] == 1, ended.json_body
    at = china_noon(add_months(china_today(), 60) + timedelta(days=1))
    tick = life.tick(at)
    assert tick.status_code == 200, tick.json_body
    assert tick.json_body["purged"] == 1, tick.json_body


def test_such_a_representatives_number_is_masked_for_a_region_without_agreement(
    gateway: Gateway, stream: StreamReader
) -> None:
    askers = Askers(gateway).register()
    representative = {"name": "王某", "role": "legal_representative", "id_number": CHONGQING}
    askers.push("owner", company_entry(responsible_persons=[representative]))
    gateway_app.fan_out_changes(stream.event(), None)
    code = company_entry()["credit_code"]
    reply = askers.ask("no_agreement", f"/v1/subjects/{code}")
    assert reply.status_code == 200, reply.json_body
    assert CHONGQING not in reply.body.decode()


def test_a_valid_id_number_issued_after_the_county_was_renamed_is_accepted(
    gateway: Gateway,
) -> None:
    askers = Askers(gateway).register()
    reply = gateway.push(askers.signers["owner"], "420281", [person_entry(credit_code=REFUSED)])
    assert reply.status_code == 200, reply.json_body
    assert reply.json_body["accepted"] == 1, reply.json_body


def test_such_a_number_quoted_in_a_reason_is_refused(
    gateway: Gateway,
) -> None:
    askers = Askers(gateway).register()
    reason = f"法定代表人王某（公民身份号码{REFUSED}）拒不履行生效法律文书确定的义务"
    reply = gateway.push(askers.signers["owner"], "420281", [company_entry(reason=reason)])
    assert reply.status_code == 200, reply.json_body
    assert reply.json_body["accepted"] == 0, reply.json_body
    assert "id_number_in_text" in json.dumps(reply.json_body)


def test_such_a_person_is_delivered_masked_to_a_region_without_agreement_and_kept_masked(
    gateway: Gateway, aws: Any, stream: StreamReader, receiver: Receiver
) -> None:
    askers = Askers(gateway).register()
    subscribed = gateway.subscribe_as_operator(region="440000", url=receiver.url)
    assert subscribed.json_body["state"] == "verified", subscribed.json_body
    askers.push("owner", person_entry(credit_code=CHONGQING))
    fan_out_and_deliver(aws, stream)
    bodies = [r.body.decode() for r in receiver.requests if b"listing" in r.body]
    assert bodies, "广东 was delivered the listing"
    assert [b for b in bodies if CHONGQING in b] == [], "广东 sees no person's number in full"
    table = aws.env["CG_DELIVERIES_TABLE"]
    kept = str(aws.dynamodb.scan(TableName=table)["Items"])
    assert CHONGQING not in kept, "delivery records (kept for ever) hold the number in full"


# 民政 (5) 社会团体 (1) of 北京市延庆区 (110119), organisation code 62031514-2: a valid USCC,
# whose digits also read 511101 (四川省 市辖区, on the list from 1985) and a birth in 1962.
SOCIETY = "511101196203151425"


def test_an_organisation_s_code_that_reads_like_a_later_office_s_number_stays_one(
    gateway: Gateway,
) -> None:
    """Its GB 11643 check fails: an organisation's, accepted, shown and ticked over as before
    (review 124: it was refused, and a listing stored under it stopped the tick)."""
    askers = Askers(gateway).register()
    entry = company_entry(credit_code=SOCIETY, subject_name="某协会")

    pushed = gateway.push(askers.signers["owner"], "420281", [entry])
    shown = askers.ask("anonymous", f"/v1/subjects/{SOCIETY}")
    ticked = Lifecycle(gateway).tick()

    assert pushed.json_body["accepted"] == 1, pushed.json_body
    assert shown.status_code == 200
    assert shown.json_body["subject_type"] == "legal_person"
    assert ticked.status_code == 200
