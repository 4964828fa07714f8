"""Well-typed input that cannot be true is refused with its ``path`` and changes nothing:
feedback about measures that do not exist or were not executed yet, an objection id reused for
another filing, a platform key that can never be valid, a replay running backwards."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from app_support import (
    CITY,
    CREDIT_CODE,
    HUBEI,
    HUNAN,
    NATURAL_PERSON_CODE,
    black_entry,
    hunan_recognises_city,
    new_signer,
    queued_messages,
    refusal,
)
from chalice.test import HTTPResponse
from lifecycle_support import (
    Lifecycle,
    china_today,
    fan_out_and_deliver,
    push_with_removals,
    pushed,
    removal_of,
    this_month,
)

from chalicelib.bootstrap import container
from gateway_client.contract.signing import public_key_text

# --- feedback -------------------------------------------------------------------------------


def measure(**overrides: Any) -> dict[str, Any]:
    return {
        "measure_id": "key_supervision",
        "department": "各行业主管部门",
        "executed_on": china_today().isoformat(),
        "result": "executed",
        **overrides,
    }


@pytest.mark.parametrize(
    ("measures", "expected"),
    [
        ([measure(executed_on="2099-01-01")], ("future_date", "measures.0.executed_on")),
        (
            [measure(), measure(executed_on=(china_today() + timedelta(days=1)).isoformat())],
            ("future_date", "measures.1.executed_on"),
        ),
        ([measure(executed_on="1950-01-01")], ("dates_out_of_order", "measures.0.executed_on")),
        ([measure(measure_id="nope")], ("unknown_measure", "measures.0.measure_id")),
        ([measure(measure_id="green_channel")], ("measure_kind_mismatch", "measures.0.measure_id")),
    ],
)
def test_feedback_that_cannot_be_true_is_refused_and_not_counted(
    gateway, aws, stream, receiver, measures, expected
):
    life = Lifecycle(gateway)
    gateway.put_region(HUNAN)
    gateway.subscribe_as_operator(region=HUNAN, url=receiver.url)
    hunan_recognises_city(gateway)
    city, hunan = gateway.register_platform(CITY), gateway.register_platform(HUNAN)
    listing_id = pushed(gateway, city, CITY, black_entry())  # decided 2026-03-01
    [delivery] = fan_out_and_deliver(aws, stream)
    stored = f"/v1/subjects/{CREDIT_CODE}/listings/{listing_id}/feedback"

    response = life.post(
        "/v1/feedback", {"delivery_id": delivery.delivery_id, "measures": measures}, hunan
    )

    assert refusal(response) == (400, *expected)
    assert life.get(stored).json_body == {"feedback": [], "next": None}
    assert life.stats(CITY, this_month()).json_body["cases"]["total"] == 0
    # The same report with true measures is kept and counted.
    on_decision_day = measure(executed_on="2026-03-01")
    kept = life.post(
        "/v1/feedback", {"delivery_id": delivery.delivery_id, "measures": [on_decision_day]}, hunan
    )
    assert kept.status_code == 201, kept.json_body
    assert len(life.get(stored).json_body["feedback"]) == 1
    assert life.stats(CITY, this_month()).json_body["cases"]["total"] == 1


def test_feedback_naming_a_measure_twice_or_about_a_revocation_is_refused(
    gateway, aws, stream, receiver
):
    """One measure twice on one day would count twice; the delivery of a revocation asked for
    measures to stop, and is no delivery to report executed ones against."""
    life = Lifecycle(gateway)
    gateway.put_region(HUNAN)
    gateway.subscribe_as_operator(region=HUNAN, url=receiver.url)
    city, hunan = gateway.register_platform(CITY), gateway.register_platform(HUNAN)
    entry = black_entry()
    listing_id = pushed(gateway, city, CITY, entry)
    [listed] = fan_out_and_deliver(aws, stream)
    twice = life.post(
        "/v1/feedback", {"delivery_id": listed.delivery_id, "measures": [measure()] * 2}, hunan
    )
    assert (
        push_with_removals(gateway, city, CITY, [removal_of(entry, "revoked")]).status_code == 200
    )
    [revocation] = fan_out_and_deliver(aws, stream)
    late = life.post(
        "/v1/feedback", {"delivery_id": revocation.delivery_id, "measures": [measure()]}, hunan
    )

    assert refusal(twice) == (400, "duplicate_value", "measures.1")
    assert refusal(late) == (409, "listing_not_in_force", "delivery_id")
    stored = f"/v1/subjects/{CREDIT_CODE}/listings/{listing_id}/feedback"
    assert life.get(stored).json_body == {"feedback": [], "next": None}
    assert life.stats(CITY, this_month()).json_body["cases"]["total"] == 0


def test_feedback_about_a_persons_listing_is_judged_by_that_listing(gateway, aws, stream, receiver):
    """The delivery record keeps a person's code masked, which finds no listing: the listing the
    check judges is the one the delivery carried, rebuilt from the log."""
    life = Lifecycle(gateway)
    gateway.put_region(HUNAN)
    gateway.subscribe_as_operator(region=HUNAN, url=receiver.url)
    city, hunan = gateway.register_platform(CITY), gateway.register_platform(HUNAN)
    person = black_entry(credit_code=NATURAL_PERSON_CODE, subject_name="张某")
    listing_id = pushed(gateway, city, CITY, person)
    [delivery] = fan_out_and_deliver(aws, stream)
    stored = f"/v1/subjects/{NATURAL_PERSON_CODE}/listings/{listing_id}/feedback"

    for wrong, expected in (
        (measure(measure_id="green_channel"), ("measure_kind_mismatch", "measures.0.measure_id")),
        (measure(executed_on="1950-01-01"), ("dates_out_of_order", "measures.0.executed_on")),
    ):
        response = life.post(
            "/v1/feedback", {"delivery_id": delivery.delivery_id, "measures": [wrong]}, hunan
        )
        assert refusal(response) == (400, *expected)
    assert life.get(stored).json_body == {"feedback": [], "next": None}


# --- objections -----------------------------------------------------------------------------


def test_an_objection_id_reused_with_other_content_is_a_conflict_and_keeps_the_first(gateway):
    signer = gateway.register_platform(HUBEI)
    listing_id = pushed(gateway, signer, HUBEI, black_entry())
    path = f"/v1/subjects/{CREDIT_CODE}/listings/{listing_id}/objections"

    def file(**filing: str) -> HTTPResponse:
        body = json.dumps({"objection_id": "o-10", **filing}, ensure_ascii=False).encode()
        return gateway.post_signed(path, signer, f"m-{uuid.uuid4().hex}", body)

    first = file(reason="r1")
    again = file(reason="r1")
    other_reason = file(reason="完全不同的理由")
    other_basis = file(reason="r1", on_behalf="own_verification")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json_body["changed"] is False
    assert refusal(other_reason) == (409, "objection_id_reused", "objection_id")
    assert refusal(other_basis) == (409, "objection_id_reused", "objection_id")
    held = container().listings.current([(CREDIT_CODE, listing_id)])[listing_id]
    assert held.objection is not None
    assert (held.objection.reason, held.objection.on_behalf) == ("r1", "subject")


def test_an_objection_id_used_before_on_the_listing_is_a_conflict(gateway):
    """The listing keeps only its latest objection whole; its history names every one filed,
    so an id is not free again once a later objection came between."""
    life = Lifecycle(gateway)
    signer = gateway.register_platform(HUBEI)
    listing_id = pushed(gateway, signer, HUBEI, black_entry())
    # the owner files the first, the operator (on the subject's request) the next: the owner's
    # own may follow 30 days after its last was decided
    for objection_id, filer in (("o-1", signer), ("o-2", None)):
        filed = life.file_objection(CREDIT_CODE, listing_id, objection_id, filer, reason="r")
        assert filed.status_code == 201, filed.json_body
        decided = life.decide(signer, CREDIT_CODE, listing_id, objection_id, "upheld")
        assert decided.status_code == 200, decided.json_body
    before = container().listings.current([(CREDIT_CODE, listing_id)])[listing_id]

    again = life.file_objection(CREDIT_CODE, listing_id, "o-1", signer, reason="完全不同的理由")

    assert refusal(again) == (409, "objection_id_reused", "objection_id")
    assert container().listings.current([(CREDIT_CODE, listing_id)])[listing_id] == before


# --- platform keys --------------------------------------------------------------------------


def at(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).isoformat()


@pytest.mark.parametrize(
    ("validity", "expected"),
    [
        (
            {"valid_from": at(timedelta(days=2)), "valid_until": at(timedelta(days=1))},
            ("dates_out_of_order", "valid_until"),
        ),
        ({"valid_until": at(-timedelta(days=1))}, ("valid_until_past", "valid_until")),
        ({"valid_from": "2150-01-01T00:00:00+08:00"}, ("future_date", "valid_from")),
    ],
)
def test_a_platform_key_that_can_never_be_valid_is_refused_and_not_stored(
    gateway, validity, expected
):
    gateway.register_platform(HUBEI)
    before = container().registry.keys_of(HUBEI)
    key = {"key_id": "k-later", "public_key": public_key_text(new_signer("k").private_key)}

    response = gateway.client.http.post(
        f"/v1/regions/{HUBEI}/keys",
        headers=gateway.operator(),
        body=json.dumps({**key, **validity}).encode(),
    )

    assert refusal(response) == (400, *expected)
    assert container().registry.keys_of(HUBEI) == before
    assert container().registry.get_key("k-later") is None


def test_a_platform_key_for_a_coming_rotation_is_stored(gateway):
    gateway.register_platform(HUBEI)
    key = {"key_id": "k-next", "public_key": public_key_text(new_signer("k").private_key)}
    validity = {"valid_from": at(timedelta(days=30)), "valid_until": at(timedelta(days=400))}

    response = gateway.client.http.post(
        f"/v1/regions/{HUBEI}/keys",
        headers=gateway.operator(),
        body=json.dumps({**key, **validity}).encode(),
    )

    assert response.status_code == 201, response.json_body
    assert container().registry.get_key("k-next") is not None


# --- replay ---------------------------------------------------------------------------------


def test_a_replay_running_backwards_is_refused_and_queues_nothing(gateway, aws, receiver):
    gateway.put_region(HUNAN)
    subscribed = gateway.subscribe_as_operator(region=HUNAN, url=receiver.url).json_body
    assert subscribed["state"] == "verified", subscribed
    path = f"/v1/subscriptions/{subscribed['subscription_id']}/replay"

    def replay(body: dict[str, int]) -> HTTPResponse:
        encoded = json.dumps(body).encode()
        return gateway.client.http.post(path, headers=gateway.operator(), body=encoded)

    reversed_range = replay({"from_sequence": 10, "to_sequence": 1})

    assert refusal(reversed_range) == (400, "range_reversed", "to_sequence")
    assert queued_messages(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"]) == []
    nothing_logged = replay({"from_sequence": 1, "to_sequence": 1})
    assert refusal(nothing_logged) == (400, "out_of_range", "from_sequence")
