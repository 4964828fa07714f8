"""An agreement is revised, and before its re-evaluation runs the subject gets a new listing
whose own fan-out tells 湖南 how things stand (red incentives held back; the subject still
intensified). The job's context holds that listing too, so what it then sends agrees: it left it
out (listed after the cutoff), restored the incentives and dropped the flag (review 130)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app_support import (
    CREDIT_CODE,
    DAYE,
    HUBEI,
    HUNAN,
    agreement_terms,
    create_agreement,
    daye_black_entry,
    queued_messages,
    reevaluate,
    revise_agreement,
)
from test_query_as_region import red_entry

import app as gateway_app
from gateway_client.contract.clock import china_date

GREEN = {
    "measure_id": "green_channel",
    "text": "行政审批“绿色通道”",
    "department": "各行政许可管理部门",
    "mandatory": False,
}
DEFICIENCIES = {
    "measure_id": "accept_with_deficiencies",
    "text": "容缺受理",
    "department": "各行政许可管理部门",
    "mandatory": False,
}


def red_terms(*measures):
    return agreement_terms(
        title="湖南省认可湖北省诚信典型名单",
        kinds=["red"],
        min_severity=None,
        sources=[{"region": HUBEI, "subtree": True}],
        measures=list(measures),
    )


def test_reevaluation_does_not_restore_red_incentives_under_a_black_listing(
    gateway, receiver, stream, aws
):
    daye = gateway.register_platform(DAYE)
    gateway.put_region(HUNAN, name="湖南省")
    sub = gateway.subscribe_as_operator(region=HUNAN, url=receiver.url)
    assert sub.status_code == 201
    made = create_agreement(gateway, red_terms(GREEN))
    assert made.status_code == 201, made.json_body
    reevaluate(aws)
    recent = (china_date(datetime.now(UTC)) - timedelta(days=1)).isoformat()
    assert (
        gateway.push(daye, DAYE, [red_entry(decided_on=recent, valid_from=recent)]).json_body[
            "accepted"
        ]
        == 1
    )
    gateway_app.fan_out_changes(stream.event(), None)
    [red] = queued_messages(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"])
    assert red.recognition.measures
    red_id = red.change.listing.listing_id

    agreement_id = made.json_body["agreement"]["agreement_id"]
    revised = revise_agreement(gateway, agreement_id, red_terms(GREEN, DEFICIENCIES))
    assert revised.status_code == 200, revised.json_body
    # the subject is black-listed before the revision's re-evaluation runs
    black = daye_black_entry(decided_on=recent, valid_from=recent)
    assert gateway.push(daye, DAYE, [black]).json_body["accepted"] == 1
    gateway_app.fan_out_changes(stream.event(), None)
    reevaluate(aws)
    told = [
        d
        for d in queued_messages(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"])
        if d.change.listing.listing_id == red_id
    ]
    assert told
    last = told[-1]
    assert last.recognition.measures == ()  # held back: the black listing is in force
    assert last.recognition.suspended_measures
    shown = gateway.client.http.get(f"/v1/subjects/{CREDIT_CODE}?as={HUNAN}").json_body
    [red_view] = [v for v in shown["listings"] if v["listing"]["listing_id"] == red_id]
    assert red_view["measures"] == []  # the lookup agrees: held back


def test_reevaluation_does_not_drop_a_flag_a_listing_since_keeps_raised(
    gateway, receiver, stream, aws
):
    """Same root: 湖南 recognises 湖北's black lists in every domain (court_defaulter and tax:
    intensified). The agreement is narrowed to court_defaulter and food_drug; before its
    re-evaluation runs, a food_drug listing comes (fan-out under the new terms: still two
    domains). The re-evaluation, blind to it, tells 湖南 the flag dropped."""
    from test_query_as_region import TAX

    daye = gateway.register_platform(DAYE)
    gateway.put_region(HUNAN, name="湖南省")
    assert gateway.subscribe_as_operator(region=HUNAN, url=receiver.url).status_code == 201
    made = create_agreement(gateway, agreement_terms())
    assert made.status_code == 201, made.json_body
    reevaluate(aws)
    recent = (china_date(datetime.now(UTC)) - timedelta(days=1)).isoformat()
    dated = {"decided_on": recent, "valid_from": recent}
    first = [daye_black_entry(**dated), daye_black_entry(**TAX, **dated)]
    assert gateway.push(daye, DAYE, first).json_body["accepted"] == 2
    gateway_app.fan_out_changes(stream.event(), None)
    flags = [
        d
        for d in queued_messages(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"])
        if d.type == "subject.intensified"
    ]
    assert flags
    assert flags[-1].intensified.intensified

    narrowed = agreement_terms(domains=["court_defaulter", "food_drug"])
    assert (
        revise_agreement(gateway, made.json_body["agreement"]["agreement_id"], narrowed).status_code
        == 200
    )
    food = daye_black_entry(
        domain="food_drug",
        deciding_authority="大冶市市场监督管理局",
        decision_number="大市监罚〔2024〕9号",
        **dated,
    )
    pushed = gateway.push(daye, DAYE, [food])
    assert pushed.json_body["accepted"] == 1, pushed.json_body
    gateway_app.fan_out_changes(stream.event(), None)
    reevaluate(aws)
    flags = [
        d
        for d in queued_messages(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"])
        if d.type == "subject.intensified"
    ]
    shown = gateway.client.http.get(f"/v1/subjects/{CREDIT_CODE}?as={HUNAN}").json_body
    assert shown["intensified"] is True  # court_defaulter and food_drug, both recognised
    assert not flags or flags[-1].intensified.intensified, (
        "湖南 is last told the subject's intensified punishment dropped: "
        f"{[(d.intensified.intensified, d.intensified.domains) for d in flags]}"
    )
