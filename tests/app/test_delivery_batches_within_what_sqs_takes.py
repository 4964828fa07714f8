"""No ``SendMessageBatch`` of the delivery queue carries more than SQS takes in one call: its
bodies together at most 256 KiB in UTF-8 bytes (the 1 MiB limit of 2025 is not known to reach
China's regions). Each delivery carries the measures that recognise it, and a region's
agreements may hold 160 KB: ten such deliveries in one call were refused whole, the stream
batch retried for nothing (review 370). moto does not refuse it: it counts characters."""

from __future__ import annotations

from typing import Any

from app_support import CITY, HUNAN, Gateway, agreement_terms, create_agreement
from lifecycle_support import recent_entry
from stdnum.cn import uscc

import app as gateway_app
from chalicelib.bootstrap import container

SQS_BATCH_BYTES = 256 * 1024
_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _codes(n: int) -> list[str]:
    out = []
    for a in _CHARS:
        for b in _CHARS:
            base = f"91230900MA19XY2{a}{b}"
            out.append(base + uscc.calc_check_digit(base))
            if len(out) == n:
                return out
    return out


def test_no_batch_of_deliveries_is_over_what_sqs_takes_in_one_call(
    gateway: Gateway, aws: Any, stream: Any
) -> None:
    city = gateway.register_platform(CITY)
    gateway.put_region(HUNAN, name="湖南省")
    measures = [
        {
            "measure_id": f"measure_{i:02d}",
            "text": "限制" * 250,
            "department": "主管部门" * 50,
            "legal_basis": "依据" * 150,
            "mandatory": False,
        }
        for i in range(48)
    ]
    terms = agreement_terms(
        title="湖南省认可七台河市失信主体名单",
        sources=[{"region": CITY, "subtree": True}],
        min_severity=None,
        measures=measures,
    )
    assert create_agreement(gateway, terms).status_code == 201  # within the region's 160 KB
    subscribed = gateway.subscribe_as_operator(region=HUNAN, url="https://sub.example.cn/hooks")
    assert subscribed.status_code == 201
    reply = gateway.push(city, CITY, [recent_entry(credit_code=c) for c in _codes(40)])
    assert reply.json_body["accepted"] == 40, reply.json_body

    client = container().queue._client
    real = client.send_message_batch
    totals: list[int] = []

    def measured(**kwargs: Any) -> Any:
        totals.append(sum(len(e["MessageBody"].encode()) for e in kwargs["Entries"]))
        return real(**kwargs)

    client.send_message_batch = measured
    try:
        gateway_app.fan_out_changes(stream.event(), None)
    finally:
        client.send_message_batch = real

    assert max(totals) <= SQS_BATCH_BYTES, sorted(totals, reverse=True)[:5]
    url = aws.env["CG_DELIVERY_QUEUE_URL"]
    held = aws.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    queued = int(held["ApproximateNumberOfMessages"])
    assert (len(totals) > 4, queued) == (True, 40)  # more calls than ten to each, none lost
