"""A listing's history has a bound (``gateway.lifecycle.history_room``): past it, an objection,
a correction of the day performed or a reassignment is refused 409 ``history_full`` with
nothing written and nothing delivered, while what is under way still ends (an open
objection's steps, a removal); the operator's remedies have a reserve past the regions' bound.
Unbounded, the operator's filings or corrections grew a listing until its item passed
DynamoDB's 400 KB and every write of it was a 500 (review 376 F3); the largest listing the
bound admits still fits a queue message."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from app_support import CITY, CREDIT_CODE, DAYE, HUBEI, Gateway, refusal
from lifecycle_support import (
    Lifecycle,
    china_today,
    fan_out_and_deliver,
    listing_path,
    push_with_removals,
    pushed,
    recent_entry,
    removal_of,
    stamp,
)
from personal_support import PERSON, Askers, person_entry
from test_delivery_past_a_message import largest_entry, queued_bodies, t
from test_performance_correction_route import Case
from test_person_decisions_elsewhere import _by_operator
from test_reassignment import _body, _reassign, _squatted_and_revoked

import app as gateway_app
from chalicelib.bootstrap import container
from chalicelib.dynamodb.listing_doc import stored_doc
from gateway.lifecycle.history_room import (
    FILING_STEP_BYTES,
    HISTORY_BYTES,
    NOTED_STEP_BYTES,
    OPERATOR_RESERVE,
    charged_bytes,
)
from gateway_client.contract import Listing, Transition

QUEUE_MESSAGE = 256 * 1024


def held(lid: str, code: str = CREDIT_CODE) -> Listing:
    return container().listings.current([(code, lid)])[lid]


def seed_history(
    lid: str, room_left: int, bound: int = HISTORY_BYTES, code: str = CREDIT_CODE
) -> Listing:
    """Closed objection rounds written into the stored listing until its history leaves
    ``room_left`` bytes below ``bound`` (a history gathered over years, written at once)."""
    listing = held(lid, code)
    steps, size, n = list(listing.history), charged_bytes(listing.history), 0
    while True:
        n += 1
        step = Transition(
            event="objection_decided",
            status=listing.status,
            at=listing.accepted_at,
            by="operator",
            reason=f"objection seed-{n:04d} upheld",
        )
        grown = len(step.model_dump_json().encode())
        if size + grown > bound - room_left:
            break
        steps.append(step)
        size += grown
    seeded = listing.model_copy(update={"history": tuple(steps)})
    assert container().listings.write([(seeded, listing.version)], None)
    return held(lid, code)


def test_an_objection_past_the_bound_is_refused_and_the_open_one_still_ends(
    gateway: Gateway, aws: Any, stream: Any, receiver: Any
) -> None:
    city = gateway.register_platform(CITY)
    gateway.put_region(HUBEI)
    lid = pushed(gateway, city, CITY, recent_entry())
    seed_history(lid, room_left=FILING_STEP_BYTES)
    life, path = Lifecycle(gateway), listing_path(CREDIT_CODE, lid)

    def round_by_the_operator(objection_id: str) -> None:
        filed = life.file_objection(CREDIT_CODE, lid, objection_id)
        assert filed.status_code == 201, filed.json_body
        report = {"source_updated_at": stamp()}
        verified = life.post(f"{path}/objections/{objection_id}/verified", report, city)
        assert verified.status_code == 200, verified.json_body
        decided = life.decide(city, CREDIT_CODE, lid, objection_id, "upheld")
        assert decided.status_code == 200, decided.json_body

    round_by_the_operator("o-fits")
    assert charged_bytes(held(lid).history) > HISTORY_BYTES  # the round's steps all went in
    fan_out_and_deliver(aws, stream)
    before = held(lid)

    by_owner = life.file_objection(CREDIT_CODE, lid, "o-owner", signer=city)

    assert refusal(by_owner) == (409, "history_full", "listing_id")
    assert not re.search(r"\d{4,}", by_owner.json_body["error"]["message"])  # no size told
    assert held(lid) == before
    assert stream.event()["Records"] == []
    round_by_the_operator("o-subject")  # the operator's filing for the subject: its reserve
    seed_history(lid, room_left=100, bound=HISTORY_BYTES + OPERATOR_RESERVE)
    fan_out_and_deliver(aws, stream)
    before = held(lid)
    by_operator = life.file_objection(CREDIT_CODE, lid, "o-past")
    assert refusal(by_operator) == (409, "history_full", "listing_id")
    assert held(lid) == before
    assert stream.event()["Records"] == []
    ended = push_with_removals(gateway, city, CITY, [removal_of(recent_entry(), "revoked")])
    assert ended.json_body["removed"] == 1, ended.json_body  # its owner still ends it
    assert held(lid).status.value == "revoked"


def test_corrections_of_the_day_performed_stop_at_the_bound(gateway: Gateway, stream: Any) -> None:
    case = Case(gateway)
    days = [(china_today() - timedelta(days=n)).isoformat() for n in (1, 2)]
    answers = []
    for n in range(16):
        answers.append(case.correct({"performed_on": days[n % 2], "note": t(2000)}))
        if answers[-1].status_code != 200:
            break
    stream.event()  # the accepted corrections' records
    before = case.held()

    refused = answers[-1]
    again = case.correct({"performed_on": days[(len(answers) - 1) % 2], "note": t(2000)})

    assert refusal(refused) == (409, "history_full", "listing_id")
    assert refusal(again) == (409, "history_full", "listing_id")
    written = len(answers) - 1
    # each counts as a step with the longest note, whatever its note: so does the removal
    assert written == (HISTORY_BYTES + OPERATOR_RESERVE) // NOTED_STEP_BYTES - 1, written
    assert charged_bytes(before.history) <= HISTORY_BYTES + OPERATOR_RESERVE
    assert [s.note for s in before.history if s.by == "operator"] == [t(2000)] * written
    assert case.held() == before
    assert stream.event()["Records"] == []


def test_a_reassignment_has_the_operator_s_reserve(gateway: Gateway) -> None:
    _, _, entry, lid = _squatted_and_revoked(gateway)
    seed_history(lid, room_left=0)  # full for the regions' rounds

    moved = _reassign(gateway, lid, _body(entry))

    assert moved.status_code == 200, moved.json_body
    assert held(lid).origin_region == CITY


def test_a_reassignment_past_the_operator_s_reserve_is_refused(
    gateway: Gateway, stream: Any
) -> None:
    _, _, entry, lid = _squatted_and_revoked(gateway)
    before = seed_history(lid, room_left=0, bound=HISTORY_BYTES + OPERATOR_RESERVE)
    stream.event()

    refused = _reassign(gateway, lid, _body(entry))

    assert refusal(refused) == (409, "history_full", "listing_id")
    assert held(lid) == before
    assert stream.event()["Records"] == []


def test_a_reassignment_that_can_never_be_made_says_why_whatever_the_history(
    gateway: Gateway,
) -> None:
    """Another region's own listing of a person can never be given: that is the answer, at
    its field, not that the history is full (review 382)."""
    askers = Askers(gateway).register()
    [squatted] = askers.push("no_agreement", person_entry())
    askers.push("owner", person_entry())
    body = {
        "corrected_entry": {**person_entry(), "origin_region": DAYE},
        "note": "认定部门为大冶市",
    }
    path = listing_path(PERSON, squatted) + "/reassignment"
    seed_history(squatted, room_left=0, bound=HISTORY_BYTES + OPERATOR_RESERVE, code=PERSON)

    refused = _by_operator(gateway, path, body)

    assert refusal(refused) == (409, "listing_held_already", "corrected_entry.origin_region")


def test_the_largest_listing_the_bound_admits_fits_a_queue_message(
    gateway: Gateway, aws: Any, stream: Any, receiver: Any
) -> None:
    """Every field at its limit, four bytes a character: the entry, the history up to the
    operator's bound, then its objection round and a removal with the longest words allowed."""
    daye = gateway.register_platform(DAYE)
    gateway.put_region(HUBEI, name="湖北省")
    assert gateway.subscribe_as_operator(region=HUBEI, url=receiver.url).status_code == 201
    entry = largest_entry()
    lid = pushed(gateway, daye, DAYE, entry)
    seed_history(lid, room_left=FILING_STEP_BYTES, bound=HISTORY_BYTES + OPERATOR_RESERVE)
    life, path = Lifecycle(gateway), listing_path(CREDIT_CODE, lid)
    assert life.file_objection(CREDIT_CODE, lid, "o" * 64, reason=t(2000)).status_code == 201
    verified = life.post(
        f"{path}/objections/{'o' * 64}/verified",
        {"note": t(2000), "source_updated_at": stamp()},
        daye,
    )
    assert verified.status_code == 200, verified.json_body
    decided = life.decide(daye, CREDIT_CODE, lid, "o" * 64, "upheld", note=t(2000))
    assert decided.status_code == 200, decided.json_body
    removal = removal_of(entry, "revoked", note=t(2000))
    assert push_with_removals(gateway, daye, DAYE, [removal]).json_body["removed"] == 1

    gateway_app.fan_out_changes(stream.event(), None)
    largest = max(len(body.encode()) for body in queued_bodies(aws))

    listing = held(lid)
    assert len(stored_doc(listing).encode()) < 200 * 1024  # about 185 KB, DynamoDB's limit 400
    assert largest < QUEUE_MESSAGE - 48 * 1024, largest  # about 185 KB: room for other steps


def test_a_full_history_is_answered_before_a_pause_that_would_lift(gateway: Gateway) -> None:
    """The owner's filing within 30 days of its last decision, on a full history: told the
    history is full, not a day to come back on which it would be refused again (review 383)."""
    life = Lifecycle(gateway)
    city = gateway.register_platform(CITY)
    lid = pushed(gateway, city, CITY, recent_entry())
    assert life.file_objection(CREDIT_CODE, lid, "obj-1", city).status_code == 201
    assert life.decide(city, CREDIT_CODE, lid, "obj-1", "upheld").status_code == 200
    assert refusal(life.file_objection(CREDIT_CODE, lid, "obj-2", city))[1] == (
        "objection_decided_recently"
    )
    before = seed_history(lid, room_left=100)

    again = life.file_objection(CREDIT_CODE, lid, "obj-2", city)

    assert refusal(again) == (409, "history_full", "listing_id")
    assert held(lid) == before
