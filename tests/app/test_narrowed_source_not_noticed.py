"""A national source whose domain was taken from it may no longer act on its listings there (403
``domain_not_permitted``: verify, decide, repair, remove), and its receipt of an objection's
notice counts for nothing (``Actors.may_act``): the ``objection.filed`` notice — "verify and
decide within the deadline" — does not go to it either (review 302), as it does not go to a
province whose relaying was turned off (``test_relayed_objection_notice``)."""

from __future__ import annotations

import json
from typing import Any

from app_support import CREDIT_CODE, GUANGDONG, Gateway, Receiver, StreamReader, new_signer
from lifecycle_support import Lifecycle, fan_out_and_deliver, listing_path, pushed, recent_entry

COURT = "100001"


def _source(gateway: Gateway, domains: list[str]) -> None:
    body = {"name": "最高人民法院", "kind": "national_source", "domains": domains}
    reply = gateway.client.http.put(
        f"/v1/regions/{COURT}", headers=gateway.operator(), body=json.dumps(body).encode()
    )
    assert reply.status_code == 200, reply.json_body


def _subscribe(gateway: Gateway, receiver: Receiver, region: str) -> str:
    reply = gateway.subscribe_as_operator(region=region, url=receiver.url)
    assert reply.status_code == 201, reply.json_body
    return str(reply.json_body["subscription_id"])


def test_a_source_that_may_no_longer_act_on_a_listing_is_not_sent_its_objection_notice(
    gateway: Gateway, aws: Any, stream: StreamReader, receiver: Receiver
) -> None:
    life = Lifecycle(gateway)
    _source(gateway, ["court_defaulter"])
    court = new_signer("k-court-302")
    assert gateway.add_key(COURT, court).status_code == 201
    guangdong = gateway.register_platform(GUANGDONG)
    court_sub = _subscribe(gateway, receiver, COURT)
    _subscribe(gateway, receiver, GUANGDONG)
    entry = recent_entry(deciding_authority="最高人民法院", decision_number="(2026)最高法执302号")
    listing_id = pushed(gateway, court, COURT, entry)
    fan_out_and_deliver(aws, stream)  # 广东 receives it: a court's black list applies everywhere

    _source(gateway, ["major_tax_violation"])  # court_defaulter taken from it
    path = listing_path(CREDIT_CODE, listing_id)
    # it may no longer act on the listing (the rule this probe holds the notice to)
    repaired = life.repair(court, CREDIT_CODE, listing_id)
    assert (repaired.status_code, repaired.json_body["error"]["code"]) == (
        403,
        "domain_not_permitted",
    )

    filed = life.post(
        path + "/objections", {"objection_id": "o-302", "reason": "已全部履行"}, guangdong
    )
    assert filed.status_code == 201, filed.json_body
    delivered = fan_out_and_deliver(aws, stream)

    notices = [d.subscription_id for d in delivered if d.type == "objection.filed"]
    [view] = life.lookup(CREDIT_CODE).json_body["listings"]
    assert view["listing"]["objection"]["awaiting_notice"] is True  # its 2xx counted for nothing
    assert court_sub not in notices, (
        "the objection.filed notice (verify and decide within the deadline) went to a source "
        "that may no longer verify or decide it (403 domain_not_permitted), and its 2xx is not "
        f"recorded: {notices}"
    )
