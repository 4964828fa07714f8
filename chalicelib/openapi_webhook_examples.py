"""The example body of each webhook in the contract, made by the code that sends them (planning,
payloads, batch files) from one story, so the documented examples cannot drift from the wire."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel
from stdnum.cn import uscc

from gateway.delivery import (
    Delivery,
    Subscription,
    file_of,
    payload_for,
    plan_deliveries,
    plan_notices,
)
from gateway.lifecycle import next_version
from gateway.recognition import Agreement
from gateway_client.contract import (
    BATCH_EVENT,
    DISABLED,
    FAILING,
    TEST,
    VERIFICATION_EVENT,
    BatchAnnouncement,
    EndpointNotice,
    Intensified,
    Listing,
    ListingEntry,
    ListingStatus,
    Objection,
    VerificationEvent,
    change_between,
    classify,
    entry_version,
    file_digest,
)

_AT = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
_CODE = "91430100MA4L0AAA0" + uscc.calc_check_digit("91430100MA4L0AAA0")
_SUBSCRIPTION = "sub_3f1c0a7e5b9d2c4e6a8f0b1d"


@functools.cache
def examples() -> dict[str, Any]:
    """A JSON example per event: 长沙's court puts a company on its defaulter list, and 广东,
    which recognises 湖南's black lists by agreement, receives it."""
    entry = ListingEntry.model_validate(
        {
            "credit_code": _CODE,
            "subject_name": "长沙某某建材有限公司",
            "kind": "black",
            "domain": "court_defaulter",
            "severity": "serious",
            "reason": "有履行能力而拒不履行生效法律文书确定的义务",
            "legal_basis": "《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条",
            "deciding_authority": "长沙市中级人民法院",
            "decision_number": "(2026)湘01执77号",
            "decided_on": "2026-02-27",
            "valid_from": "2026-03-01",
            "valid_until": "2028-03-01",
            # 落实到人: the measures aimed at him arrive as ``person_measures``
            "responsible_persons": [{"name": "李某某", "role": "legal_representative"}],
            "source_updated_at": "2026-03-02T09:00:00+08:00",
        }
    )
    listing = Listing.model_validate(
        {
            **entry.model_dump(exclude={"origin_region"}),
            "origin_region": "430100",
            # the deployment's keyed id (``identity_of``): an example shows the form only
            "listing_id": "lst_6c1d4e2a9b7f3c5e8a0d2f4b6c8e1a3d",
            "version": entry_version(entry),
            "subject_type": classify(entry.credit_code)[1],
            "provenances": ("430100",),
            "accepted_at": _AT,
            "listed_at": _AT,
        }
    )
    change = change_between(listing, None)
    if change is None:  # a new listing is always a change
        raise RuntimeError("the example listing made no change")
    subscription = Subscription(
        subscription_id=_SUBSCRIPTION,
        region="440000",
        url="https://credit.gd.example.cn/hooks/gateway",
        created_at=_AT,
    )
    [delivery] = plan_deliveries(change, [subscription], [_agreement()])
    delivery = delivery.model_copy(update={"log_sequence": 1042, "sequence": 87})
    changed = payload_for(delivery, subscriber_region="440000")
    intensified = Intensified(credit_code=_CODE, intensified=True, domains=("court_defaulter",))
    notice = {
        "notice_id": "ntc_9a0e5d1f6c2b4a7e8d3c1b0a9f8e7d6c",
        "timestamp": _AT,
        "subscription_id": _SUBSCRIPTION,
        "subscriber_region": "440000",
        "failing_since": _AT - timedelta(hours=24),
    }
    made: dict[str, BaseModel] = {
        "objection.filed": _objection_notice(listing),
        "listing.changed": changed,
        "recognition.changed": changed.model_copy(update={"type": "recognition.changed"}),
        "subject.intensified": changed.model_copy(
            update={"type": "subject.intensified", "intensified": intensified}
        ),
        VERIFICATION_EVENT: VerificationEvent(
            timestamp=_AT,
            verification_id="ver_5b1e9c3a7d2f4e6a8c0b1d3f5a7c9e1b",
            subscription_id=_SUBSCRIPTION,
            subscriber_region="440000",
            challenge="8nQ2s7Yv1kX4pZ0rT6wU3mA9",
        ),
        FAILING: EndpointNotice(type=FAILING, **notice, disables_at=_AT + timedelta(days=4)),
        DISABLED: EndpointNotice(
            type=DISABLED, **notice, disabled_reason="the endpoint answered 410 Gone"
        ),
        TEST: EndpointNotice(type=TEST, **notice),
        BATCH_EVENT: _batch(delivery),
    }
    return {name: model.model_dump(mode="json") for name, model in made.items()}


def _batch(first: Delivery) -> BaseModel:
    """广东's file of two changes: the example's, and the next change sent to it."""
    second = first.model_copy(
        update={"delivery_id": "msg_0d7b5e3a1c9f2e4d6b8a0c2e4f6a8b0d", "sequence": 88}
    )
    second = second.model_copy(update={"log_sequence": 1043})
    body = file_of([first, second], "440000")
    key = "batches/sub_3f1c0a7e5b9d2c4e6a8f0b1d/000000001042-000000001043-bat_2e.ndjson"
    return BatchAnnouncement(
        timestamp=_AT,
        batch_id="bat_2e4a6c8e0b1d3f5a7c9e1b3d5f7a9c0e",
        subscription_id=_SUBSCRIPTION,
        subscriber_region="440000",
        url=f"https://cg-archive.s3.cn-north-1.amazonaws.com.cn/{key}?X-Amz-Expires=3600&…",
        expires_at=_AT + timedelta(hours=1),
        sha256=file_digest(body),
        size=len(body),
        count=2,
        first_sequence=87,
        last_sequence=88,
        first_log_sequence=1042,
        last_log_sequence=1043,
    )


def _objection_notice(listing: Listing) -> BaseModel:
    """The notice the owner (430100) gets when Guangdong, which received the listing, objects."""
    objection = Objection(
        objection_id="obj-gd-2026-0042",
        filed_at=_AT + timedelta(days=3),
        filed_by="440000",
        reason="被执行人已于2026-03-03履行完毕，申请撤销",
        deadline=None,
        deadline_basis="awaiting the owner's notice (核查通知): 20 calendar days from it",
        suspends=True,
        awaiting_notice=True,
    )
    objected = listing.model_copy(
        update={
            "objection": objection,
            "version": next_version(listing.version),
            "accepted_at": objection.filed_at,
            "status": ListingStatus.SUSPENDED,
        }
    )
    change = change_between(objected, listing)
    if change is None:  # a new version is always a change
        raise RuntimeError("the example objection made no change")
    owner = Subscription(
        subscription_id="sub_hn_cs_0001",
        region="430100",
        url="https://credit.changsha.example.cn/hooks/gateway",
        created_at=_AT,
    )
    [notice] = plan_notices(change, listing, [owner], [_agreement()])
    return payload_for(notice, subscriber_region="430100")


def _agreement() -> Agreement:
    return Agreement.model_validate(
        {
            "agreement_id": "agr_gd_hn_2026",
            "revision": 1,
            "updated_at": _AT,
            "title": "粤湘失信联合惩戒合作备忘录",
            "subscriber_region": "440000",
            "sources": [{"region": "430000", "subtree": True}],
            "kinds": ["black"],
            "effective_from": "2026-01-01",
            "measures": [
                {
                    "measure_id": "restrict_high_consumption",
                    "text": "限制高消费及非生活和工作必需的消费行为",
                    "department": "广东省高级人民法院",
                    "mandatory": True,
                    "targets": ["subject", "responsible_person"],
                    "person_roles": ["legal_representative", "principal"],
                }
            ],
        }
    )
