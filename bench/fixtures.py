"""The subscribers and agreements every fan-out figure uses, as API bodies and as domain objects.

Ten subscriber provinces, one subscription each, no filters: every change matches every
subscription (the heaviest fan-out: ten deliveries per change). Two agreements make recognition
do real work: 广东 (440000) recognises 湖南's (430000 and below) black lists in every domain,
上海 (310000) only its court defaulters; the other eight recognise nothing, so their copies of
each change are masked.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bench.common import PROVINCE, PROVINCES, SUBSCRIBER_REGIONS
from gateway.delivery import Subscription
from gateway.recognition import Agreement

CREATED = datetime(2025, 1, 1, tzinfo=UTC)
SUBSCRIBER_NAMES = {code: f"订阅省{code}" for code in SUBSCRIBER_REGIONS}
PROVINCE_NAMES = {code: f"订阅省{code}" for code in PROVINCES if code != PROVINCE}


def agreement_bodies() -> list[dict[str, Any]]:
    measure = {
        "measure_id": "agreed_joint_supervision",
        "text": "依协议实施联合监管",
        "department": "省社会信用体系建设领导小组办公室",
        "mandatory": True,
    }

    def terms(subscriber: str, title: str, domains: list[str]) -> dict[str, Any]:
        return {
            "title": title,
            "subscriber_region": subscriber,
            "sources": [{"region": PROVINCE, "subtree": True}],
            "kinds": ["black"],
            "domains": domains,
            "effective_from": "2025-01-01",
            "measures": [measure],
        }

    return [
        terms("440000", "湘粤失信联合惩戒合作备忘录", []),
        terms("310000", "沪湘失信被执行人联合惩戒备忘录", ["court_defaulter"]),
    ]


def subscription_bodies(
    url_of: Any = None, regions: tuple[str, ...] = SUBSCRIBER_REGIONS
) -> list[dict[str, Any]]:
    """One per subscriber province; the URL is never called (delivery is not measured)."""
    return [
        {
            "region": code,
            "url": url_of(code) if url_of else f"http://127.0.0.1:9/hooks/{code}",
            "signature_scheme": "v1a",
        }
        for code in regions
    ]


def agreements() -> list[Agreement]:
    return [
        Agreement.model_validate(
            {**body, "agreement_id": f"agr_bench{i}", "revision": 1, "updated_at": CREATED}
        )
        for i, body in enumerate(agreement_bodies())
    ]


def subscriptions() -> list[Subscription]:
    return [
        Subscription.model_validate(
            {**body, "subscription_id": f"sub_bench{i:02d}", "created_at": CREATED}
        )
        for i, body in enumerate(subscription_bodies())
    ]
