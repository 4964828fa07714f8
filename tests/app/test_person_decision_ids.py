"""A person's decision along its ids (``decision_ids``), as hostile review 176 tried it: a
resync naming the pusher's copy, six regions listing one decision, a relay acting for one of
two counties that both list it, and the operator giving a decision back to the region it was
purged from."""

from __future__ import annotations

import json
from typing import Any

from app_support import CITY, CREDIT_CODE, Gateway, Receiver, StreamReader, black_entry
from lifecycle_support import (
    PERSON_CODE,
    XINZHENG,
    listing_path,
    push_with_removals,
    removal_of,
    stamp,
)
from personal_support import PERSON, QINGCHENG, REGIONS, Askers, person_entry
from test_person_decisions_elsewhere import WRONG, resync
from test_repush_after_purge import purged_person

from chalicelib.bootstrap import container

GUANGDONG = REGIONS["no_agreement"]
QINGXIN = "441803"  # 清远市清新区: another county 广东 relays for


def _shape(done: Any) -> tuple[Any, ...]:
    return done.status.value, done.refusal.code if done.refusal else None, done.removed


def test_a_resync_naming_its_copy_of_a_decision_held_elsewhere_completes_as_for_a_wrong_number(
    gateway: Gateway, aws: Any
) -> None:
    """Its safety check counted the copy (under the next id) absent: refused for the right
    number, complete for a wrong one."""
    askers = Askers(gateway).register()
    askers.push("owner", person_entry())
    guangdong = askers.signers["no_agreement"]
    assert (
        gateway.push(guangdong, GUANGDONG, [person_entry(credit_code=WRONG[0])]).json_body[
            "accepted"
        ]
        == 1
    )
    wrong = resync(gateway, aws, askers, [person_entry(credit_code=WRONG[0])])
    assert gateway.push(guangdong, GUANGDONG, [person_entry()]).json_body["accepted"] == 1
    right = resync(gateway, aws, askers, [person_entry(credit_code=WRONG[0]), person_entry()])

    assert _shape(wrong) == _shape(right) == ("completed", None, 0)


def test_a_sixth_region_s_entry_is_answered_alike_for_the_right_and_a_wrong_number(
    gateway: Gateway,
) -> None:
    askers = Askers(gateway).register()
    askers.push("owner", person_entry())
    others = [
        (askers.signers[role], REGIONS[role])
        for role in ("agreement", "own_province", "agreement_ended")
    ]
    for signer, region in [*others, (gateway.register_platform(XINZHENG), XINZHENG)]:
        entries = [person_entry(credit_code=WRONG[0]), person_entry()]
        reply = gateway.push(signer, region, entries).json_body
        assert (reply["accepted"], reply["errors"]) == (2, []), (region, reply)

    guangdong = askers.signers["no_agreement"]
    wrong = gateway.push(guangdong, GUANGDONG, [person_entry(credit_code=WRONG[0])]).json_body
    right = gateway.push(guangdong, GUANGDONG, [person_entry()]).json_body

    assert (wrong["accepted"], wrong["errors"]) == (right["accepted"], right["errors"]) == (1, [])


def _held() -> dict[str, tuple[str, str, str]]:
    listed = container().listings.subject(PERSON)
    return {x.listing_id: (x.origin_region, x.status.value, x.reason) for x in listed}


def _two_counties(gateway: Gateway) -> tuple[Askers, str, str]:
    """清新区 lists the decision first, 清城区 next (its next id); 广东 relays for both."""
    askers = Askers(gateway).register()
    qingxin = gateway.register_platform(QINGXIN)
    reply = gateway.push(qingxin, QINGXIN, [person_entry(reason="清新区的事由")]).json_body
    [first] = [o["listing_id"] for o in reply["outcomes"]]
    [own] = askers.push("second_owner", person_entry(reason="清城区的事由"))
    assert first != own
    return askers, first, own


def test_a_relay_s_entry_for_one_county_reaches_that_county_s_listing(gateway: Gateway) -> None:
    askers, first, own = _two_counties(gateway)
    relayed = person_entry(
        origin_region=QINGCHENG, reason="广东代清城区更正", source_updated_at=stamp()
    )

    reply = gateway.push(askers.signers["no_agreement"], GUANGDONG, [relayed]).json_body

    assert [o["listing_id"] for o in reply["outcomes"]] == [own], reply
    held = _held()
    assert (held[own][2], held[first][2]) == ("广东代清城区更正", "清新区的事由")


def test_a_relay_s_removal_names_the_county_whose_listing_it_ends(gateway: Gateway) -> None:
    """A removal names the region it acts for as an entry does (``origin_region``); without,
    it is the relay's own listing it looks for (none here: a miss)."""
    askers, first, own = _two_counties(gateway)
    guangdong = askers.signers["no_agreement"]

    def removed(**named: str) -> Any:
        removals = [removal_of(person_entry(), "revoked", **named)]
        return push_with_removals(gateway, guangdong, GUANGDONG, removals).json_body

    unnamed = removed()
    qingcheng = removed(origin_region=QINGCHENG)
    held_between = _held()
    qingxin = removed(origin_region=QINGXIN)
    elsewhere = removed(origin_region="420281")  # 大冶: not 广东's to act for

    assert [e["code"] for e in unnamed["errors"]] == ["unknown_listing"]
    assert [o["listing_id"] for o in qingcheng["outcomes"]] == [own]
    assert (held_between[own][1], held_between[first][1]) == ("revoked", "active")
    assert [o["listing_id"] for o in qingxin["outcomes"]] == [first]
    assert [(e["code"], e["field"]) for e in elsewhere["errors"]] == [
        ("region_not_permitted", "origin_region")
    ]


def test_a_decision_purged_from_a_region_is_not_given_back_to_it(
    gateway: Gateway, aws: Any, stream: StreamReader, receiver: Receiver
) -> None:
    """七台河's listing was purged (the mark names it); 新郑 lists the decision since, under its
    own id. The operator's reassignment of 新郑's listing to 七台河 is refused: a person's
    listing stays under the id of the region it is of (409 ``listing_held_already``)."""
    _, person = purged_person(gateway, aws, stream, receiver)
    xinzheng = gateway.register_platform(XINZHENG)
    fresh = dict(person, source_updated_at=stamp())
    fresh.pop("conduct_ended_on", None)
    accepted = gateway.push(xinzheng, XINZHENG, [fresh]).json_body
    [theirs] = [o["listing_id"] for o in accepted["outcomes"]]
    body = {"corrected_entry": {**fresh, "origin_region": CITY}, "note": "认定部门为七台河"}

    given = gateway.client.http.post(
        listing_path(PERSON_CODE, theirs) + "/reassignment",
        headers=gateway.operator(),
        body=json.dumps(body, ensure_ascii=False).encode(),
    )

    assert (given.status_code, given.json_body["error"]["code"]) == (409, "listing_held_already")
    held = {x.listing_id: x.origin_region for x in container().listings.subject(PERSON_CODE)}
    assert held == {theirs: XINZHENG}


def test_a_relay_s_removal_naming_another_county_leaves_a_company_s_listing(
    gateway: Gateway,
) -> None:
    """A company's decision has one id whoever lists it: a removal naming a county the listing
    is not of is a miss, as a person's is, not the end of the other county's listing."""
    askers = Askers(gateway).register()
    qingxin = gateway.register_platform(QINGXIN)
    listed = black_entry(source_updated_at=stamp())
    [lid] = [
        o["listing_id"] for o in gateway.push(qingxin, QINGXIN, [listed]).json_body["outcomes"]
    ]
    guangdong = askers.signers["no_agreement"]

    def removed(county: str) -> Any:
        removals = [removal_of(listed, "revoked", origin_region=county)]
        return push_with_removals(gateway, guangdong, GUANGDONG, removals).json_body

    wrong = removed(QINGCHENG)
    held = container().listings.current([(CREDIT_CODE, lid)])[lid]
    right = removed(QINGXIN)

    assert [(e["code"], e["index"]) for e in wrong["errors"]] == [("unknown_listing", 0)]
    assert (wrong["removed"], held.status.value) == (0, "active")
    assert [o["listing_id"] for o in right["outcomes"]] == [lid]
