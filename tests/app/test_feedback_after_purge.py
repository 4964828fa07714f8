"""Feedback about a purged listing is not kept: its note is about the person, and the purge's
erasure of feedback is the only one. Refused with 410 ``listing_purged`` once the purge has
begun; a report whose write lands while the purge runs is taken back, and the tombstone's
fan-out erases the listing's feedback again (a report the purge's index query missed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from app_support import CITY, PROVINCE, Gateway, Receiver, StreamReader
from lifecycle_support import (
    PERSON_CODE,
    Lifecycle,
    add_months,
    china_noon,
    china_today,
    fan_out_and_deliver,
    push_with_removals,
    pushed,
    recent_entry,
    removal_of,
)

from chalicelib.bootstrap import container, lifecycle_at
from gateway_client.contract import FixedClock
from gateway_client.contract.signing import Ed25519Signer


@dataclass
class Ended:
    life: Lifecycle
    province: Ed25519Signer
    delivery_id: str
    listing_id: str
    purge_at: datetime  # five years and a day after it ended: due for the purge


@pytest.fixture
def ended(gateway: Gateway, aws: Any, stream: StreamReader, receiver: Receiver) -> Ended:
    """A person's listing delivered to 黑龙江省 and ended, not yet purged."""
    life = Lifecycle(gateway)
    gateway.put_region(PROVINCE)
    subscribed = gateway.subscribe_as_operator(region=PROVINCE, url=receiver.url)
    assert subscribed.json_body["state"] == "verified", subscribed.json_body
    city = gateway.register_platform(CITY)
    province = gateway.register_platform(PROVINCE)
    person = recent_entry(
        credit_code=PERSON_CODE,
        subject_name="黄某某",
        conduct_ended_on=(china_today() - timedelta(days=10)).isoformat(),
    )
    listing_id = pushed(gateway, city, CITY, person)
    [delivered] = fan_out_and_deliver(aws, stream)
    removed = push_with_removals(gateway, city, CITY, [removal_of(person, "revoked")])
    assert removed.json_body["removed"] == 1, removed.json_body
    fan_out_and_deliver(aws, stream)
    at = china_noon(add_months(china_today(), 60) + timedelta(days=1))
    return Ended(life, province, delivered.delivery_id, listing_id, at)


def feedback_items(aws: Any) -> list[dict[str, Any]]:
    return aws.dynamodb.scan(TableName=aws.env["CG_FEEDBACK_TABLE"])["Items"]


def test_feedback_after_the_purge_is_refused_and_not_kept(ended: Ended, aws: Any) -> None:
    assert ended.life.tick(ended.purge_at).json_body["purged"] == 1

    late = ended.life.post_feedback(ended.province, ended.delivery_id)

    assert late.status_code == 410, late.json_body
    assert (late.json_body["error"]["code"], late.json_body["error"]["path"]) == (
        "listing_purged",
        "delivery_id",
    )
    assert feedback_items(aws) == []


@pytest.mark.roles_unchecked("a purge runs inside the feedback request, as if at the same moment")
def test_feedback_written_while_the_purge_runs_is_taken_back(
    ended: Ended, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    feedback = container().feedback
    write = feedback.put

    def purged_first(report: Any, cases: Any) -> Any:  # the tick purges between check and write
        assert lifecycle_at(FixedClock(ended.purge_at)).tick().purged == 1
        return write(report, cases)

    monkeypatch.setattr(feedback, "put", purged_first)

    raced = ended.life.post_feedback(ended.province, ended.delivery_id)

    assert raced.status_code == 410, raced.json_body
    assert raced.json_body["error"]["code"] == "listing_purged"
    assert feedback_items(aws) == []


def test_the_tombstones_fan_out_erases_feedback_the_purge_missed(
    ended: Ended, aws: Any, stream: StreamReader
) -> None:
    kept = ended.life.post_feedback(ended.province, ended.delivery_id)
    assert kept.status_code == 201, kept.json_body
    missed = feedback_items(aws)  # as the purge's query of the lagging index might miss it
    assert ended.life.tick(ended.purge_at).json_body["purged"] == 1
    for item in missed:
        aws.dynamodb.put_item(TableName=aws.env["CG_FEEDBACK_TABLE"], Item=item)
    assert feedback_items(aws) != []

    tombstones = fan_out_and_deliver(aws, stream)

    assert [(d.change.type, d.change.listing.listing_id) for d in tombstones] == [
        ("purged", ended.listing_id)
    ]
    assert feedback_items(aws) == []
