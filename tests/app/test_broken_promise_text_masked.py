"""The black listing the tick makes of a broken commitment writes its own reason,
"违背信用承诺（{decision number}）：{reason}", and decision number, "{decision number cut at 150}-
违诺-{mark}". Intake refuses a resident ID number in either field, but the join of the two (a
decision number ending in a county's six digits, a reason starting with a birth date) or a cut
(19 digits, no ID number, cut to 18) can make one: it is masked, for deliveries carry text as
stored, to regions shown the listing masked too (review 354). Masked in NFKC form where the text
is not its own, cut again to its length, and a listing made before under the unmasked number
still found (review 357)."""

from __future__ import annotations

import unicodedata
from datetime import timedelta
from typing import Any

import pytest
from app_support import HUNAN
from lifecycle_support import PERSON_CODE, Lifecycle, fan_out_and_deliver, removal_of
from test_broken_commitment_listings import blacks, city_with_policy, pushed_at, tick_at
from test_commitment_routes import broken, commitment

from gateway.lifecycle import commitments
from gateway_client.contract import resident_ids_masked

NUMBER = "420281199503150210"  # 大冶市, born 1995-03-15: a valid resident ID number
DECISION = "七政服承诺〔2026〕420281"  # refused? no: no ID number in it
REASON = "19950315，0210项承诺到期未补交材料"  # nor in this


def black_sent(
    gateway: Any, aws: Any, stream: Any, receiver: Any, text: dict[str, str]
) -> tuple[Any, str]:
    """A commitment with ``text`` over its fields, broken, listed black by the tick under the
    city's policy and sent to 湖南, shown it masked: the black listing's delivery, and the body
    湖南 received."""
    with city_with_policy(gateway) as (city, clock):
        made = gateway.subscribe_as_operator(region=HUNAN, url=receiver.url)
        assert made.status_code == 201, made.json_body
        answer = pushed_at(gateway, city, clock, [{**commitment(), **text}, {**broken(), **text}])
        assert answer["errors"] == [], answer["errors"]  # each field passes intake's checks
        report = tick_at(gateway, clock)
        assert report["broken_commitments_listed"] == 1, report
        sent = fan_out_and_deliver(aws, stream)
    [black] = [d for d in sent if d.change.listing.kind == "black"]
    assert black.recognition.recognised is False  # 湖南 is shown the listing masked
    [body] = [r.body.decode() for r in receiver.requests if black.delivery_id in r.body.decode()]
    return black, body


def test_the_broken_promise_listing_reason_holds_no_id_number(
    gateway: Any, aws: Any, stream: Any, receiver: Any
) -> None:
    text = {"decision_number": DECISION, "reason": REASON}
    black, body = black_sent(gateway, aws, stream, receiver, text)
    assert black.change.listing.credit_code == commitment()["credit_code"]
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
    black, body = black_sent(gateway, aws, stream, receiver, {"reason": reason})
    assert black.change.listing.reason.endswith("承420281***********0")
    assert resident_ids_masked(body) == body, black.change.listing.reason[-30:]


def test_the_cut_of_the_broken_promise_decision_number_makes_no_id_number(
    gateway: Any, aws: Any, stream: Any, receiver: Any
) -> None:
    """And in its decision number, ``f"{decision_number[:150]}-违诺-{mark}"``: 19 digits at
    intake (no ID number: a digit follows the 18th) are cut to 18, then a dash."""
    decision = "承" * 132 + NUMBER + "1号"  # 152 characters: within 200
    black, body = black_sent(gateway, aws, stream, receiver, {"decision_number": decision})
    assert black.change.listing.decision_number.startswith("承" * 132 + "420281***********0-违诺-")
    assert resident_ids_masked(body) == body, black.change.listing.decision_number[-40:]


SHIFT = 25
JOINED_ID = "420281）：19950315，0210"  # 420281199503150210 in its card's groups


def test_the_masking_function_keeps_no_number_shifted_by_nfkc() -> None:
    """Characters NFKC lengthens (ﬁ → fi) before a number and as many it shortens (e + U+0301
    → é) after it kept the text's length: the mask went beside the number (review 357)."""
    text = "ﬁ" * SHIFT + JOINED_ID + "e\u0301" * SHIFT
    assert len(unicodedata.normalize("NFKC", text)) == len(text)
    assert JOINED_ID not in resident_ids_masked(text)


def test_the_broken_promise_reason_holds_no_id_number_after_a_shift(
    gateway: Any, aws: Any, stream: Any, receiver: Any
) -> None:
    decision = "ﬁ" * SHIFT + DECISION  # no ID number in either
    reason = REASON[:13] + "e\u0301" * SHIFT + REASON[13:]
    text = {"decision_number": decision, "reason": reason}
    black, _ = black_sent(gateway, aws, stream, receiver, text)
    reason = black.change.listing.reason
    assert JOINED_ID not in reason, reason  # what 湖南 received: the ID number in full


def test_a_long_reason_with_an_ellipsis_is_still_listed_black(
    gateway: Any, aws: Any, stream: Any, receiver: Any
) -> None:
    prefix = f"违背信用承诺（{DECISION}）："
    start = "19950315，0210项承诺到期未补交材料……"  # the join makes an ID; …… is 2 characters
    reason = start + "承" * (4000 - len(prefix) - len(start) + 5)  # the joined text is cut
    assert len(reason) <= 4000
    text = {"decision_number": DECISION, "reason": reason}
    black, _ = black_sent(gateway, aws, stream, receiver, text)
    assert len(black.change.listing.reason) <= 4000
    assert resident_ids_masked(black.change.listing.reason) == black.change.listing.reason


def test_a_long_decision_number_with_an_ellipsis_is_still_listed_black(
    gateway: Any, aws: Any, stream: Any, receiver: Any
) -> None:
    """The same in the decision number: 19 digits cut to 18 (an ID, masked), among 19
    ellipses that NFKC makes 57 dots (the whole text in NFKC form was past the 200 a decision
    number holds: the tick failed on it)."""
    number = NUMBER
    decision = "…" * 19 + "承" * 113 + number + "1号"  # 152 characters: within 200
    black, _ = black_sent(gateway, aws, stream, receiver, {"decision_number": decision})
    assert len(black.change.listing.decision_number) <= 200


@pytest.mark.parametrize("ellipsis", ["", "……"], ids=["control", "ellipsis"])
def test_a_persons_broken_commitment_is_still_erased_when_retention_ends(
    gateway: Any, aws: Any, stream: Any, receiver: Any, ellipsis: str
) -> None:
    """The failing commitment stays due and fails every tick before retention's purge is
    reached: a person's broken promise is kept past its retention (the control is erased)."""
    prefix = f"违背信用承诺（{DECISION}）："
    start = "19950315，0210项承诺到期未补交材料" + ellipsis
    reason = start + "承" * (4000 - len(prefix) - len(start) + 5)
    person = {"credit_code": PERSON_CODE, "subject_name": "张某某"}
    text = {"decision_number": DECISION, "reason": reason, **person}
    with city_with_policy(gateway) as (city, clock):
        answer = pushed_at(gateway, city, clock, [{**commitment(), **text}, {**broken(), **text}])
        assert answer["errors"] == [], answer["errors"]
        tick_at(gateway, clock)
        for _ in range(7):
            clock.advance(timedelta(days=366))
            tick_at(gateway, clock)
        found = Lifecycle(gateway).lookup(PERSON_CODE)
        kinds = (
            {v["listing"]["kind"]: v["listing"]["status"] for v in found.json_body["listings"]}
            if found.status_code == 200
            else {}
        )
        assert "commitment" not in kinds, kinds


def _as_before(text: str, limit: int) -> str:  # commitments._cut before review 354
    return text[:limit].rstrip("\r")


@pytest.mark.parametrize("first", ["fixed", "before"], ids=["control", "upgrade"])
def test_a_black_listing_made_before_the_fix_is_not_listed_again(
    gateway: Any, aws: Any, stream: Any, receiver: Any, monkeypatch: Any, first: str
) -> None:
    decision = "承" * 132 + NUMBER + "1号"  # 152 characters: cut at 150, an ID
    text = {"decision_number": decision}
    with city_with_policy(gateway) as (city, clock):
        answer = pushed_at(gateway, city, clock, [{**commitment(), **text}, {**broken(), **text}])
        assert answer["errors"] == [], answer["errors"]
        with monkeypatch.context() as before:
            if first == "before":
                before.setattr(commitments, "_cut", _as_before)
            assert tick_at(gateway, clock)["broken_commitments_listed"] == 1  # deployed before
        clock.advance(timedelta(days=1))  # read again the next day (``read_again_on``)
        report = tick_at(gateway, clock)  # the fixed code
        assert report["broken_commitments_listed"] == 0, report


@pytest.mark.parametrize("first", ["fixed", "before"], ids=["control", "upgrade"])
def test_revoking_the_commitment_revokes_a_black_listing_made_before_the_fix(
    gateway: Any, aws: Any, stream: Any, receiver: Any, monkeypatch: Any, first: str
) -> None:
    """The sharper consequence: the owner revokes the broken commitment after the upgrade,
    and the black listing made from it before (holding the full ID number in its decision
    number) is never found by ``_unlist``: it stays in force though its record is gone."""
    decision = "承" * 132 + NUMBER + "1号"
    made_first = {**commitment(), "decision_number": decision}
    made = {**broken(), "decision_number": decision}
    with city_with_policy(gateway) as (city, clock):
        answer = pushed_at(gateway, city, clock, [made_first, made])
        assert answer["errors"] == [], answer["errors"]
        with monkeypatch.context() as before:
            if first == "before":
                before.setattr(commitments, "_cut", _as_before)
            assert tick_at(gateway, clock)["broken_commitments_listed"] == 1
        clock.advance(timedelta(minutes=10))
        gone = removal_of(made, "revoked", source_updated_at=clock.now().isoformat())
        revoked = pushed_at(gateway, city, clock, removals=[gone])
        assert revoked["errors"] == [], revoked["errors"]
        tick_at(gateway, clock)
        statuses = [b["status"] for b in blacks(gateway)]
    assert statuses == ["revoked"], statuses
