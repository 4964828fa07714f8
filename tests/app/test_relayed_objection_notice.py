"""An objection filed by a recipient on a listing a relaying province pushed for one of its
counties: the county has no platform nor subscription of its own, so the ``objection.filed``
notice goes to the province that relays for it (the owner's chain, which verifies and decides)
and its acknowledgement starts the deadline — else the objection awaited a notice for good
(review 125)."""

from __future__ import annotations

import json
from typing import Any

from app_support import CREDIT_CODE, GUANGDONG, HUNAN, Gateway, Receiver, StreamReader
from lifecycle_support import Lifecycle, fan_out_and_deliver, listing_path, pushed, recent_entry

COUNTY = "430102"  # 长沙市芙蓉区, relayed by 湖南省's platform


def subscribe(
    gateway: Gateway, receiver: Receiver, region: str, filters: dict[str, Any] | None = None
) -> str:
    reply = gateway.subscribe_as_operator(region=region, url=receiver.url, filters=filters or {})
    assert reply.status_code == 201, reply.json_body
    return str(reply.json_body["subscription_id"])


def objected(
    gateway: Gateway,
    aws: Any,
    stream: StreamReader,
    receiver: Receiver,
    relaying_then: bool = True,
    hunan_filters: dict[str, Any] | None = None,
) -> tuple[Lifecycle, str, list[Any]]:
    """湖南 relays 芙蓉区's listing (and, unless ``relaying_then``, stops relaying before)
    广东 objects to it: 湖南's subscription and what the objection's fan-out delivered."""
    life = Lifecycle(gateway)
    hunan = gateway.register_platform(HUNAN)
    guangdong = gateway.register_platform(GUANGDONG)
    hunan_sub = subscribe(gateway, receiver, HUNAN, hunan_filters)
    subscribe(gateway, receiver, GUANGDONG)
    entry = recent_entry(
        origin_region=COUNTY,
        deciding_authority="长沙市芙蓉区人民法院",
        decision_number="(2026)湘0102执1号",
    )
    listing_id = pushed(gateway, hunan, HUNAN, entry)
    fan_out_and_deliver(aws, stream)
    if not relaying_then:
        region = json.dumps({"name": "湖南省", "relays_subregions": False}).encode()
        put = gateway.client.http.put(
            f"/v1/regions/{HUNAN}", headers=gateway.operator(), body=region
        )
        assert put.status_code == 200, put.json_body
    body = {"objection_id": "o-1", "reason": "已履行"}
    filed = life.post(listing_path(CREDIT_CODE, listing_id) + "/objections", body, guangdong)
    assert filed.status_code == 201, filed.json_body
    assert filed.json_body["listing"]["objection"]["awaiting_notice"] is True
    return life, hunan_sub, fan_out_and_deliver(aws, stream)


def test_the_relaying_province_is_noticed_and_its_receipt_starts_the_deadline(
    gateway: Gateway, aws: Any, stream: StreamReader, receiver: Receiver
) -> None:
    life, hunan_sub, delivered = objected(gateway, aws, stream, receiver)

    notices = [d.subscription_id for d in delivered if d.type == "objection.filed"]
    assert notices == [hunan_sub]
    [view] = life.lookup(CREDIT_CODE).json_body["listings"]
    objection = view["listing"]["objection"]
    assert objection["awaiting_notice"] is False
    assert objection["deadline"] is not None


def test_a_province_that_no_longer_relays_is_not_noticed(
    gateway: Gateway, aws: Any, stream: StreamReader, receiver: Receiver
) -> None:
    """It may not decide either: the notice would go to a region that cannot act on it."""
    _, _, delivered = objected(gateway, aws, stream, receiver, relaying_then=False)

    assert [d for d in delivered if d.type == "objection.filed"] == []
