"""Text stored before input refused resident ID numbers has them masked in every view that masks
numbers (review 308): a console session's view of a listing it may see in full masked the
listing's own text and history reasons but not the objection's words or the history's notes,
and a masked view (a region with no agreement) showed an objection id that was an ID number as
stored, although it masked the history step naming it; the console's delivery body masked only
numbers written as 18 characters together, and its feedback page masked nothing."""

from __future__ import annotations

from typing import Any

import pytest
from app_support import CITY, HUNAN, OTHER_CREDIT_CODE, PROVINCE, black_entry
from lifecycle_support import Lifecycle, china_today, fan_out_and_deliver, pushed
from session_support import as_session

from gateway_client.contract import model

SPACED = "110105 19491231 002X"  # a valid resident ID number, written in groups
PERSON = "11010519491231002X"


def objected_under_a_number(gateway: Any, monkeypatch: Any) -> str:
    """七台河's listing of ``OTHER_CREDIT_CODE`` objected to by itself under the id ``PERSON``,
    as a release before input refused ID numbers in text took it; the listing's id."""
    city = gateway.register_platform(CITY)
    listing_id = pushed(gateway, city, CITY, black_entry(credit_code=OTHER_CREDIT_CODE))
    with monkeypatch.context() as m:
        m.setattr(model, "refuse_resident_ids", lambda value: None)
        filed = Lifecycle(gateway).file_objection(
            OTHER_CREDIT_CODE, listing_id, objection_id=PERSON, signer=city
        )
        assert filed.status_code == 201, filed.json_body
    return str(listing_id)


def test_the_console_masks_an_id_number_in_an_old_objection(gateway: Any, monkeypatch: Any) -> None:
    city = gateway.register_platform(CITY)
    listing_id = pushed(gateway, city, CITY, black_entry(credit_code=OTHER_CREDIT_CODE))
    life = Lifecycle(gateway)
    # an objection filed before input refused ID numbers in text
    with monkeypatch.context() as m:
        m.setattr(model, "refuse_resident_ids", lambda value: None)
        filed = life.file_objection(
            OTHER_CREDIT_CODE, listing_id, reason=f"法定代表人王某（身份证 {SPACED}）已履行"
        )
        assert filed.status_code == 201, filed.json_body
    opened = gateway.client.http.post(
        "/v1/console/sessions", headers=gateway.operator(), body=b"{}"
    )
    token = opened.json_body["token"]

    seen = as_session(gateway, token, "GET", f"/v1/subjects/{OTHER_CREDIT_CODE}")

    assert seen.status_code == 200, seen.json_body
    [view] = seen.json_body["listings"]
    assert view["listing"]["objection"] is not None  # the console shows the objection
    assert "19491231" not in seen.body.decode(), "a browser session is shown the number"


def test_a_masked_view_masks_an_id_number_used_as_an_old_objection_id(
    gateway: Any, monkeypatch: Any
) -> None:
    hunan = gateway.register_platform(HUNAN)  # no agreement: shown the listing masked
    objected_under_a_number(gateway, monkeypatch)
    opened = gateway.client.http.post(
        "/v1/console/sessions", headers=gateway.operator(), body=b"{}"
    )
    token = opened.json_body["token"]

    masked = gateway.send_signed("GET", f"/v1/subjects/{OTHER_CREDIT_CODE}", hunan)
    console = as_session(gateway, token, "GET", f"/v1/subjects/{OTHER_CREDIT_CODE}")

    assert masked.status_code == 200, masked.json_body
    [view] = masked.json_body["listings"]
    assert view["listing"]["objection"] is not None  # a masked view keeps the objection
    assert PERSON not in masked.body.decode(), "a region with no agreement reads the number"
    assert PERSON not in console.body.decode(), "a browser session reads the number"


def test_the_console_delivery_body_masks_a_grouped_id_in_old_text(
    gateway: Any, aws: Any, stream: Any, receiver: Any, monkeypatch: Any
) -> None:
    gateway.put_region(PROVINCE)
    subscribed = gateway.subscribe_as_operator(region=PROVINCE, url=receiver.url)
    assert subscribed.json_body["state"] == "verified", subscribed.json_body
    city = gateway.register_platform(CITY)
    # a listing stored before input refused ID numbers in text
    with monkeypatch.context() as m:
        m.setattr(model, "refuse_resident_ids", lambda value: None)
        reason = f"法定代表人王某（公民身份号码 {SPACED}）拒不履行生效法律文书确定的义务"
        pushed = gateway.push(
            city, CITY, [black_entry(credit_code=OTHER_CREDIT_CODE, reason=reason)]
        )
        assert pushed.json_body["accepted"] == 1, pushed.json_body
    made = fan_out_and_deliver(aws, stream)
    [delivery] = [d for d in made if d.subscription_id == subscribed.json_body["subscription_id"]]
    opened = gateway.client.http.post(
        "/v1/console/sessions", headers=gateway.operator(), body=b"{}"
    )
    token = opened.json_body["token"]

    lookup = as_session(gateway, token, "GET", f"/v1/subjects/{OTHER_CREDIT_CODE}")
    body = as_session(gateway, token, "GET", f"/v1/deliveries/{delivery.delivery_id}/body")

    assert lookup.status_code == 200, lookup.json_body
    assert "19491231" not in lookup.body.decode()  # the console's query view masks it
    assert body.status_code == 200, body.json_body
    assert "19491231" not in body.body.decode(), "the console's delivery view shows it in full"


@pytest.mark.parametrize("written", [PERSON, "110105,19491231,002X"])
def test_the_console_feedback_page_masks_an_id_number_in_an_old_note(
    gateway: Any, aws: Any, stream: Any, receiver: Any, monkeypatch: Any, written: str
) -> None:
    gateway.put_region(PROVINCE)
    subscribed = gateway.subscribe_as_operator(region=PROVINCE, url=receiver.url)
    assert subscribed.json_body["state"] == "verified", subscribed.json_body
    city = gateway.register_platform(CITY)
    province = gateway.register_platform(PROVINCE)
    listing_id = pushed(gateway, city, CITY, black_entry(credit_code=OTHER_CREDIT_CODE))
    [delivery] = [
        d
        for d in fan_out_and_deliver(aws, stream)
        if d.subscription_id == subscribed.json_body["subscription_id"]
    ]
    report = {
        "delivery_id": delivery.delivery_id,
        "measures": [
            {
                "measure_id": "key_supervision",
                "department": "各行业主管部门",
                "executed_on": china_today().isoformat(),
                "result": "executed",
                "note": f"约谈法定代表人王某（身份证{written}）",
            }
        ],
    }
    with monkeypatch.context() as m:  # a report kept before input refused ID numbers in text
        m.setattr(model, "refuse_resident_ids", lambda value: None)
        posted = Lifecycle(gateway).post("/v1/feedback", report, province)
        assert posted.status_code == 201, posted.json_body
    opened = gateway.client.http.post(
        "/v1/console/sessions", headers=gateway.operator(), body=b"{}"
    )
    token = opened.json_body["token"]

    path = f"/v1/subjects/{OTHER_CREDIT_CODE}/listings/{listing_id}/feedback"
    seen = as_session(gateway, token, "GET", path)

    assert seen.status_code == 200, seen.json_body
    assert seen.json_body["feedback"], seen.json_body
    assert "19491231" not in seen.body.decode(), "a browser session is shown the number"
