"""An objection filing sent again by the region that filed it is a replay (200, ``changed:
false``) on a natural person's listing too, "also once decided" (review 353: once the owner
revoked the listing, or the filer stopped relaying, the filer no longer saw the person in full
and its retry was answered 404 "no listing for this credit code"). Any other region sending the
same filing is still refused as a wrong code is."""

from __future__ import annotations

import json

from app_support import GUANGDONG
from lifecycle_support import (
    PERSON_CODE,
    QINGCHENG,
    Lifecycle,
    fan_out_and_deliver,
    listing_path,
    pushed,
    qingcheng_entry,
)

FILING = {"objection_id": "o-gd", "reason": "已履行完毕"}


def _filed_then_revoked(gateway, aws, stream, receiver, **entry):
    life = Lifecycle(gateway)
    owner = gateway.register_platform(QINGCHENG)
    guangdong = gateway.register_platform(GUANGDONG)  # its own subtree: sees it in full
    # it does not relay 清城's listings: a recipient, not the owner's chain
    body = json.dumps({"name": "广东省", "relays_subregions": False}, ensure_ascii=False)
    put = gateway.client.http.put(
        f"/v1/regions/{GUANGDONG}", headers=gateway.operator(), body=body.encode()
    )
    assert put.status_code == 200, put.json_body
    made = gateway.subscribe_as_operator(region=GUANGDONG, url=receiver.url)
    assert made.status_code == 201, made.json_body
    listing_id = pushed(gateway, owner, QINGCHENG, qingcheng_entry(**entry))
    assert len(fan_out_and_deliver(aws, stream)) == 1
    code = entry.get("credit_code") or qingcheng_entry()["credit_code"]
    path = listing_path(code, listing_id) + "/objections"
    first = life.post(path, FILING, guangdong)
    assert first.status_code == 201, first.json_body
    decided = life.decide(owner, code, listing_id, "o-gd", "revoked")
    assert decided.status_code == 200, decided.json_body
    return life, guangdong, path


def test_a_company_filing_sent_again_after_its_decision_is_a_replay(gateway, aws, stream, receiver):
    life, guangdong, path = _filed_then_revoked(gateway, aws, stream, receiver)
    again = life.post(path, FILING, guangdong)
    assert again.status_code == 200, again.json_body
    assert again.json_body["changed"] is False


def test_a_person_filing_sent_again_after_its_decision_is_a_replay(gateway, aws, stream, receiver):
    life, guangdong, path = _filed_then_revoked(
        gateway, aws, stream, receiver, credit_code=PERSON_CODE, subject_name="张某某"
    )
    again = life.post(path, FILING, guangdong)
    assert again.status_code == 200, again.json_body
    assert again.json_body["changed"] is False


def test_a_former_relay_s_filing_on_a_person_sent_again_is_a_replay(gateway):
    """Review 290's case (tests/app/test_objection_refiled_after_relaying.py) with a natural
    person's listing: the relaying city's own filing suspended the county's listing (湖南's
    policy), relaying is turned off, and the city's retry of that same filing is 404."""
    import uuid

    from app_support import new_signer
    from lifecycle_support import recent_entry

    city_code, county = "430100", "430102"
    body = json.dumps({"name": "长沙市", "relays_subregions": True}, ensure_ascii=False)
    put = gateway.client.http.put(
        f"/v1/regions/{city_code}", headers=gateway.operator(), body=body.encode()
    )
    assert put.status_code == 200, put.json_body
    city = new_signer(f"k-{city_code}-{uuid.uuid4().hex[:8]}")
    assert gateway.add_key(city_code, city).status_code == 201
    entry = recent_entry(
        credit_code=PERSON_CODE,
        subject_name="张某某",
        deciding_authority="长沙市芙蓉区人民法院",
        decision_number="(2026)湘0102执19号",
        origin_region=county,
    )
    lid = pushed(gateway, city, city_code, entry)
    life = Lifecycle(gateway)
    first = life.file_objection(PERSON_CODE, lid, "obj-relay-1", city)
    assert first.status_code == 201, first.json_body
    assert first.json_body["listing"]["status"] == "suspended"  # 湖南: suspended meanwhile

    off = json.dumps({"name": "长沙市", "relays_subregions": False}, ensure_ascii=False)
    put = gateway.client.http.put(
        f"/v1/regions/{city_code}", headers=gateway.operator(), body=off.encode()
    )
    assert put.status_code == 200, put.json_body
    again = life.file_objection(PERSON_CODE, lid, "obj-relay-1", city)

    assert again.status_code == 200, again.json_body
    assert again.json_body["changed"] is False


def test_the_same_filing_from_a_region_that_did_not_file_it_is_still_not_found(
    gateway, aws, stream, receiver
):
    """Only the filer's own retry passes before the full-view check: 湖南, delivered nothing in
    full, sending 广东's filing word for word learns nothing and changes nothing."""
    from app_support import HUNAN, error_code

    life, _guangdong, path = _filed_then_revoked(
        gateway, aws, stream, receiver, credit_code=PERSON_CODE, subject_name="张某某"
    )
    hunan = gateway.register_platform(HUNAN)
    before = life.lookup(PERSON_CODE)
    assert before.status_code == 200, before.json_body

    again = life.post(path, FILING, hunan)

    assert again.status_code == 404, again.json_body
    assert error_code(again) == "not_found"
    assert life.lookup(PERSON_CODE).json_body == before.json_body
