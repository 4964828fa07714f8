"""A lifecycle step's reply shows the listing as the caller may see it: a region it was
delivered to masked (which may file an objection about it) gets it masked again, without the
``id_salt`` that would unlock the ``ids_commitment`` it holds; the owner gets it in full."""

from __future__ import annotations

import json

from app_support import CREDIT_CODE, HUNAN
from lifecycle_support import (
    QINGCHENG,
    Lifecycle,
    fan_out_and_deliver,
    listing_path,
    pushed,
    qingcheng_entry,
)

REPRESENTATIVE = "110108198506150478"


def test_an_objection_by_a_masked_recipient_is_answered_masked(gateway, aws, stream, receiver):
    life = Lifecycle(gateway)
    owner = gateway.register_platform(QINGCHENG)
    hunan = gateway.register_platform(HUNAN)
    assert gateway.subscribe_as_operator(region=HUNAN, url=receiver.url).status_code == 201
    person = {"name": "周某某", "role": "legal_representative", "id_number": REPRESENTATIVE}
    listing_id = pushed(gateway, owner, QINGCHENG, qingcheng_entry(responsible_persons=[person]))
    fan_out_and_deliver(aws, stream)
    [posted] = receiver.requests
    delivered = json.loads(posted.body)["data"]["listing"]
    assert REPRESENTATIVE not in posted.body.decode()
    assert "id_salt" not in delivered
    path = listing_path(CREDIT_CODE, listing_id) + "/objections"
    filing = {"objection_id": "obj-1", "reason": "已履行完毕", "on_behalf": "own_verification"}

    for status in (201, 200):  # filed, then the same filing again (a replay)
        filed = life.post(path, filing, hunan)
        assert filed.status_code == status, filed.json_body
        reply = json.dumps(filed.json_body, ensure_ascii=False)
        assert REPRESENTATIVE not in reply
        assert "id_salt" not in reply
        assert filed.json_body["listing"]["ids_commitment"]  # of the version with the objection

    owned = life.get(f"/v1/subjects/{CREDIT_CODE}?purpose=supervision", owner).json_body
    assert REPRESENTATIVE in json.dumps(owned, ensure_ascii=False)  # the owner's view is full
