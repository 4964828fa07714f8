"""The black listing the tick makes of a broken commitment writes its own reason,
"违背信用承诺（{decision number}）：{reason}", and decision number, "{decision number cut at 150}-
违诺-{mark}". Intake refuses a resident ID number in either field, but the join of the two (a
decision number ending in a county's six digits, a reason starting with a birth date) or a cut
(19 digits, no ID number, cut to 18) can make one: it is masked, for deliveries carry text as
stored, to regions shown the listing masked too (review 354)."""

from __future__ import annotations

from typing import Any

from app_support import HUNAN
from lifecycle_support import fan_out_and_deliver
from test_broken_commitment_listings import city_with_policy, pushed_at, tick_at
from test_commitment_routes import broken, commitment

from gateway_client.contract import resident_ids_masked

NUMBER = "420281199503150210"  # 大冶市, born 1995-03-15: a valid resident ID number
DECISION = "七政服承诺〔2026〕420281"  # refused? no: no ID number in it
REASON = "19950315，0210项承诺到期未补交材料"  # nor in this


def test_the_broken_promise_listing_reason_holds_no_id_number(
    gateway: Any, aws: Any, stream: Any, receiver: Any
) -> None:
    text = {"decision_number": DECISION, "reason": REASON}
    with city_with_policy(gateway) as (city, clock):
        made = gateway.subscribe_as_operator(region=HUNAN, url=receiver.url)
        assert made.status_code == 201, made.json_body
        answer = pushed_at(gateway, city, clock, [{**commitment(), **text}, {**broken(), **text}])
        assert answer["errors"] == [], answer["errors"]  # both fields pass intake's ID check
        assert tick_at(gateway, clock)["broken_commitments_listed"] == 1
        sent = fan_out_and_deliver(aws, stream)
    [black] = [d for d in sent if d.change.listing.kind == "black"]
    assert black.recognition.recognised is False  # 湖南 is shown the listing masked
    assert black.change.listing.credit_code == commitment()["credit_code"]
    [body] = [r.body.decode() for r in receiver.requests if black.delivery_id in r.body.decode()]
    # what 湖南 received: masking the body finds a full resident ID number in its text
    assert resident_ids_masked(body) == body, black.change.listing.reason


def test_the_cut_of_the_broken_promise_reason_makes_no_id_number(
    gateway: Any, aws: Any, stream: Any, receiver: Any
) -> None:
    """The same by the cut at 4,000 characters: a run of digits that is no ID number at intake
    (a digit follows the check digit) becomes one when the cut drops that digit."""
    decision = commitment()["decision_number"]
    prefix = f"违背信用承诺（{decision}）："
    run = "420281 19950315 0210"  # NUMBER in its card's groups
    filler = "承" * (4000 - len(prefix) - len(run))
    reason = filler + run + "1号"  # 4,000 - len(prefix) + 22 characters: within 4,000
    assert len(reason) <= 4000
    with city_with_policy(gateway) as (city, clock):
        made = gateway.subscribe_as_operator(region=HUNAN, url=receiver.url)
        assert made.status_code == 201, made.json_body
        entries = [{**commitment(), "reason": reason}, {**broken(), "reason": reason}]
        answer = pushed_at(gateway, city, clock, entries)
        assert answer["errors"] == [], answer["errors"]  # no ID number in the reason pushed
        assert tick_at(gateway, clock)["broken_commitments_listed"] == 1
        sent = fan_out_and_deliver(aws, stream)
    [black] = [d for d in sent if d.change.listing.kind == "black"]
    assert black.recognition.recognised is False
    assert black.change.listing.reason.endswith("承420281***********0")
    [body] = [r.body.decode() for r in receiver.requests if black.delivery_id in r.body.decode()]
    assert resident_ids_masked(body) == body, black.change.listing.reason[-30:]


def test_the_cut_of_the_broken_promise_decision_number_makes_no_id_number(
    gateway: Any, aws: Any, stream: Any, receiver: Any
) -> None:
    """And in its decision number, ``f"{decision_number[:150]}-违诺-{mark}"``: 19 digits at
    intake (no ID number: a digit follows the 18th) are cut to 18, then a dash."""
    decision = "承" * 132 + NUMBER + "1号"  # 152 characters: within 200
    with city_with_policy(gateway) as (city, clock):
        made = gateway.subscribe_as_operator(region=HUNAN, url=receiver.url)
        assert made.status_code == 201, made.json_body
        text = {"decision_number": decision}
        answer = pushed_at(gateway, city, clock, [{**commitment(), **text}, {**broken(), **text}])
        assert answer["errors"] == [], answer["errors"]
        assert tick_at(gateway, clock)["broken_commitments_listed"] == 1
        sent = fan_out_and_deliver(aws, stream)
    [black] = [d for d in sent if d.change.listing.kind == "black"]
    assert black.recognition.recognised is False
    assert black.change.listing.decision_number.startswith("承" * 132 + "420281***********0-违诺-")
    [body] = [r.body.decode() for r in receiver.requests if black.delivery_id in r.body.decode()]
    assert resident_ids_masked(body) == body, black.change.listing.decision_number[-40:]
