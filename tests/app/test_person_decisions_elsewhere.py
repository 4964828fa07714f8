"""A person's decision another region holds: a region's entry of it is its own listing.

The listing id is the code with the kind, domain, authority and decision number every masked
copy shows (``420281********0016``): refusing another region's entry of it (``not_listing_owner``,
or ``listing_purged`` once retention erased it) for the right number, and accepting it as a new
listing for a wrong one, let a region complete a masked ID number (reviews 157, 166). Every
guess is now accepted alike, as the pusher's own listing; the owner's is untouched, and the
pusher updates, removes and resyncs its own as any other.
"""

from __future__ import annotations

import json
from typing import Any

from app_support import CITY, Gateway, Receiver, StreamReader, black_entry
from lifecycle_support import (
    PERSON_CODE,
    XINZHENG,
    listing_path,
    push_with_removals,
    removal_of,
    stamp,
)
from personal_support import PERSON, REGIONS, Askers, person_entry
from personal_support import QINGCHENG as QC
from test_repush_after_purge import purged_person
from upload_support import ask, put_and_ingest

from chalicelib.bootstrap import container
from gateway.intake import UploadStatus
from gateway_client.contract.codes import mask

DAYE, GUANGDONG = REGIONS["owner"], REGIONS["no_agreement"]
WRONG = ["11010519491230018X", "11010519491230026X", "11010519491230034X"]


def _held(code: str) -> dict[str, tuple[str, str]]:
    """The listings held of ``code``: id → (owner, status)."""
    return {
        x.listing_id: (x.origin_region, x.status.value) for x in container().listings.subject(code)
    }


def _guessing(gateway: Gateway) -> tuple[Askers, str, str]:
    """大冶 lists the person; 广东 pushes the same decision for the right number among wrong
    ones with its mask. The askers, 大冶's listing id and 广东's own."""
    askers = Askers(gateway).register()
    [theirs] = askers.push("owner", person_entry())
    guesses = [person_entry(credit_code=c) for c in [*WRONG[:2], PERSON, WRONG[2]]]
    assert {mask(x["credit_code"]) for x in guesses} == {mask(PERSON)}
    reply = gateway.push(askers.signers["no_agreement"], GUANGDONG, guesses)
    assert reply.status_code == 200, reply.json_body
    body = reply.json_body
    assert (body["accepted"], body["errors"]) == (4, [])
    assert {o["outcome"] for o in body["outcomes"]} == {"accepted"}
    return askers, theirs, body["outcomes"][2]["listing_id"]


def test_the_right_number_is_accepted_as_wrong_ones_are_and_the_owner_s_listing_stays(
    gateway: Gateway,
) -> None:
    _, theirs, own = _guessing(gateway)

    assert own != theirs
    assert _held(PERSON) == {theirs: (DAYE, "active"), own: (GUANGDONG, "active")}
    held = container().listings.current([(PERSON, theirs)])[theirs]
    assert held.provenances == (DAYE,)  # nothing of the guesser's reached it


def test_the_pusher_updates_resends_and_removes_its_own_listing_and_no_other(
    gateway: Gateway,
) -> None:
    askers, theirs, own = _guessing(gateway)
    guangdong = askers.signers["no_agreement"]

    changed = person_entry(reason="广东复核后的事由", source_updated_at=stamp())
    updated = gateway.push(guangdong, GUANGDONG, [changed]).json_body
    again = gateway.push(guangdong, GUANGDONG, [changed]).json_body
    removed = push_with_removals(gateway, guangdong, GUANGDONG, [removal_of(changed, "revoked")])

    assert [(o["listing_id"], o["outcome"]) for o in updated["outcomes"]] == [(own, "accepted")]
    assert [(o["listing_id"], o["outcome"]) for o in again["outcomes"]] == [(own, "duplicate")]
    assert removed.json_body["removed"] == 1, removed.json_body
    assert removed.json_body["outcomes"][0]["listing_id"] == own
    assert _held(PERSON) == {theirs: (DAYE, "active"), own: (GUANGDONG, "revoked")}
    assert container().listings.current([(PERSON, own)])[own].reason == "广东复核后的事由"


def test_the_owner_still_updates_its_own_listing(gateway: Gateway) -> None:
    askers, theirs, own = _guessing(gateway)

    reply = askers.push("owner", person_entry(reason="大冶更正", source_updated_at=stamp()))

    assert reply == [theirs]
    assert container().listings.current([(PERSON, theirs)])[theirs].reason == "大冶更正"
    assert container().listings.current([(PERSON, own)])[own].reason != "大冶更正"


def test_a_removal_by_a_region_holding_no_copy_is_a_miss_for_any_number(
    gateway: Gateway,
) -> None:
    """省 (湖南) never pushed the decision: the right number and wrong ones get one answer."""
    askers = Askers(gateway).register()
    askers.push("owner", person_entry())
    removals = [removal_of(person_entry(credit_code=c), "revoked") for c in [PERSON, *WRONG]]

    reply = push_with_removals(gateway, askers.signers["agreement"], REGIONS["agreement"], removals)

    answers = {(e["code"], e["field"]) for e in reply.json_body["errors"]}
    assert (len(reply.json_body["errors"]), answers) == (4, {("unknown_listing", "")})


def resync(gateway: Gateway, aws: Any, askers: Askers, lines: list[dict[str, Any]]) -> Any:
    asked = ask(
        gateway,
        askers.signers["no_agreement"],
        lines,
        GUANGDONG,
        mode="resync",
        domains=["court_defaulter"],
    )
    put_and_ingest(aws, asked)
    done = container().uploads.get(GUANGDONG, asked.upload_id)
    assert done is not None
    assert done.status == UploadStatus.COMPLETED, done
    return done


def test_its_resync_keeps_its_own_listing_and_one_without_the_line_ends_it(
    gateway: Gateway, aws: Any
) -> None:
    askers, theirs, own = _guessing(gateway)
    companies = [black_entry(decision_number=f"(2026)粤01执{i}号") for i in range(20)]
    assert gateway.push(askers.signers["no_agreement"], GUANGDONG, companies).json_body[
        "accepted"
    ] == len(companies)
    wrong = [person_entry(credit_code=c) for c in [*WRONG[:2], WRONG[2]]]

    kept = resync(gateway, aws, askers, [*companies, *wrong, person_entry()])
    assert kept.removed == 0
    assert _held(PERSON) == {theirs: (DAYE, "active"), own: (GUANGDONG, "active")}

    left_out = resync(gateway, aws, askers, [*companies, *wrong])
    assert left_out.removed == 1
    assert _held(PERSON) == {theirs: (DAYE, "active"), own: (GUANGDONG, "revoked")}


def test_once_purged_the_owner_may_not_list_it_again_and_another_region_gets_its_own(
    gateway: Gateway, aws: Any, stream: StreamReader, receiver: Receiver
) -> None:
    """The purge mark names the owner: 七台河 is refused (``listing_purged``) as before, while
    新郑's entry of the same decision is accepted as its guess of any other number would be."""
    city, person = purged_person(gateway, aws, stream, receiver)
    xinzheng = gateway.register_platform(XINZHENG)

    refused = gateway.push(city, CITY, [dict(person, source_updated_at=stamp())]).json_body
    accepted = gateway.push(xinzheng, XINZHENG, [dict(person, source_updated_at=stamp())])

    assert [e["code"] for e in refused.get("errors", [])] == ["listing_purged"], refused
    assert accepted.json_body["accepted"] == 1, accepted.json_body
    [own] = [o["listing_id"] for o in accepted.json_body["outcomes"]]
    assert _held(PERSON_CODE) == {own: (XINZHENG, "active")}


def test_an_objection_on_its_own_listing_is_decided_with_the_decision_s_entry(
    gateway: Gateway,
) -> None:
    """A correction keeps the decision: the pusher's own listing of it is that decision, under
    an id of its own (``refuse_other_listing``)."""
    _, theirs, own = _guessing(gateway)
    path = listing_path(PERSON, own)
    filed = _by_operator(gateway, path + "/objections", {"objection_id": "op-1", "reason": "有误"})
    assert filed.status_code == 201, filed.json_body
    corrected = person_entry(reason="更正后的事由", source_updated_at=stamp())
    decision = {"outcome": "corrected", "corrected_entry": corrected, "source_updated_at": stamp()}

    decided = _by_operator(gateway, path + "/objections/op-1/decision", decision)

    assert decided.status_code == 200, decided.json_body
    assert decided.json_body["listing"]["listing_id"] == own
    assert container().listings.current([(PERSON, own)])[own].reason == "更正后的事由"
    assert container().listings.current([(PERSON, theirs)])[theirs].reason != "更正后的事由"


def _by_operator(gateway: Gateway, path: str, body: dict[str, Any]) -> Any:
    raw = json.dumps(body, ensure_ascii=False).encode()
    return gateway.client.http.post(path, headers=gateway.operator(), body=raw)


def _shape(reply: Any) -> tuple[Any, ...]:
    body = reply.json_body
    outcomes = sorted(o["outcome"] for o in body["outcomes"])
    codes = sorted(e["code"] for e in body["errors"])
    ids = len({o["listing_id"] for o in body["outcomes"]})
    return body["accepted"], body["duplicate"], body["removed"], ids, tuple(outcomes), tuple(codes)


def test_a_relay_s_entries_for_itself_and_its_county_answer_every_number_alike(
    gateway: Gateway,
) -> None:
    """广东 relays for 清城区: one guess pushed as its own and for 清城区, then removed, gets the
    same answers for the right number as for wrong ones (review 174)."""
    askers = Askers(gateway).register()
    askers.push("owner", person_entry())
    guangdong = askers.signers["no_agreement"]
    shapes = {}
    for code in [*WRONG, PERSON]:
        both = [person_entry(credit_code=code), person_entry(credit_code=code, origin_region=QC)]
        pushed = gateway.push(guangdong, GUANGDONG, both)
        relayed = person_entry(credit_code=code, origin_region=QC, source_updated_at=stamp())
        again = gateway.push(guangdong, GUANGDONG, [relayed])
        removal = removal_of(person_entry(credit_code=code), "revoked")
        removed = push_with_removals(gateway, guangdong, GUANGDONG, [removal])
        shapes[code] = (_shape(pushed), _shape(again), _shape(removed))

    assert len(set(shapes.values())) == 1, shapes
    assert shapes[PERSON][2][2] == 1  # its copy removed, as a wrong number's is


def test_another_region_s_listing_of_a_person_is_not_given_away(gateway: Gateway) -> None:
    """广东 pushed 大冶's decision first (its own listing, under its own id); 大冶 lists it
    under its own. Given 广东's listing, 大冶 would hold the decision twice, its pushes reaching
    one: 409 ``listing_held_already``, nothing moved, before and after 大冶 ends its own
    (review 174; an objection ends 广东's)."""
    askers = Askers(gateway).register()
    [squatted] = askers.push("no_agreement", person_entry())
    [own] = askers.push("owner", person_entry())
    body = {
        "corrected_entry": {**person_entry(), "origin_region": DAYE},
        "note": "认定部门为大冶市",
    }
    path = listing_path(PERSON, squatted) + "/reassignment"

    refused = _by_operator(gateway, path, body)
    ended = push_with_removals(
        gateway, askers.signers["owner"], DAYE, [removal_of(person_entry(), "revoked")]
    )
    again = _by_operator(gateway, path, body)

    for reply in (refused, again):
        assert (reply.status_code, reply.json_body["error"]["code"]) == (
            409,
            "listing_held_already",
        )
    assert ended.json_body["removed"] == 1, ended.json_body
    assert _held(PERSON) == {squatted: (GUANGDONG, "active"), own: (DAYE, "revoked")}
