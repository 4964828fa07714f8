"""A person's listing is objected to only by a region that sees the person in full — its
owner, a region recognising it — or the operator: a region it was delivered to masked is
answered as for a wrong number, else it could complete the masked number by filing with
candidates (accepted for the right one). Nothing is written for it."""

from __future__ import annotations

from app_support import GUANGDONG, HUNAN, error_code
from lifecycle_support import (
    PERSON_CODE,
    QINGCHENG,
    Lifecycle,
    fan_out_and_deliver,
    listing_path,
    pushed,
    qingcheng_entry,
)


def test_only_a_region_that_sees_the_person_in_full_may_object(gateway, aws, stream, receiver):
    life = Lifecycle(gateway)
    owner = gateway.register_platform(QINGCHENG)
    hunan = gateway.register_platform(HUNAN)  # no agreement: delivered it masked
    guangdong = gateway.register_platform(GUANGDONG)  # its own subtree: in full
    for region in (HUNAN, GUANGDONG):
        made = gateway.subscribe_as_operator(region=region, url=receiver.url)
        assert made.status_code == 201, made.json_body
    listing_id = pushed(
        gateway, owner, QINGCHENG, qingcheng_entry(credit_code=PERSON_CODE, subject_name="张某某")
    )
    assert len(fan_out_and_deliver(aws, stream)) == 2
    path = listing_path(PERSON_CODE, listing_id) + "/objections"

    def filing(objection_id: str) -> dict[str, str]:
        return {"objection_id": objection_id, "reason": "已履行完毕"}

    masked = life.post(path, filing("o-hn"), hunan)
    in_full = life.post(path, filing("o-gd"), guangdong)

    assert (masked.status_code, error_code(masked)) == (404, "not_found")
    assert masked.json_body["error"]["path"] == "listing_id"
    assert in_full.status_code == 201, in_full.json_body
    assert in_full.json_body["listing"]["objection"]["objection_id"] == "o-gd"
