"""Review 346. README: a forced-or-not resync's "removals never reach past what that count took in";
tests/app/test_resync_removes_no_further_than_counted.py: "The >10 % safety catch counts, in
pass 1, what a resync may end ...; its removals never reach further." Pass 3 reads the source
index afresh, so listings that came into the region's hands after pass 1 counted — here a
province relaying the city's decisions while the city's resync runs — are removed uncounted:
an unforced resync whose count found nothing absent ends 5 of 25 (20 %) listings, past the
threshold, without the catch ever seeing them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from app_support import Gateway, new_signer
from lifecycle_support import Lifecycle, recent_entry
from test_resync_relayed_listings import relays
from upload_support import ask, put_and_ingest

from chalicelib.bootstrap import container
from gateway.intake import UploadStatus, bulk_removal

PROVINCE, CITY = "430000", "430100"  # 湖南省, 长沙市
CODE = "91430100687234560U"


def entry(number: str, **overrides: Any) -> dict[str, Any]:
    return recent_entry(
        credit_code=CODE,
        deciding_authority="长沙市中级人民法院",
        decision_number=number,
        **overrides,
    )


def test_listings_relayed_for_the_city_after_the_count_are_not_removed_uncounted(
    gateway: Gateway, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    relays(gateway, PROVINCE, True)
    province = new_signer(f"k-{PROVINCE}-{uuid.uuid4().hex[:8]}")
    assert gateway.add_key(PROVINCE, province).status_code == 201
    city = gateway.register_platform(CITY)
    own = [entry(f"(2026)湘01执{i}号") for i in range(20)]
    assert gateway.push(city, CITY, own).json_body["accepted"] == 20
    asked = ask(gateway, city, own, CITY, mode="resync", domains=["court_defaulter"])  # unforced
    stamped = (datetime.now(UTC) - timedelta(hours=1)).isoformat()  # decided before the list
    relayed = [
        entry(f"(2026)湘01执{100 + i}号", origin_region=CITY, source_updated_at=stamped)
        for i in range(5)
    ]
    ids: list[str] = []
    apply = bulk_removal.ResyncRemoval.apply

    def relayed_meanwhile(self: Any, *args: Any, **kwargs: Any) -> Any:  # after pass 1 counted
        pushed = gateway.push(province, PROVINCE, relayed).json_body
        assert pushed["accepted"] == 5, pushed
        ids.extend(x["listing_id"] for x in pushed["outcomes"])
        return apply(self, *args, **kwargs)

    monkeypatch.setattr(bulk_removal.ResyncRemoval, "apply", relayed_meanwhile)
    put_and_ingest(aws, asked)

    done = container().uploads.get(CITY, asked.upload_id)
    assert done is not None
    assert done.status == UploadStatus.COMPLETED, done
    statuses = [Lifecycle(gateway).status(CODE, x) for x in ids]
    # the count saw 0 of 20 absent; 5 of 25 (20 %) is past the catch: none may go uncounted
    assert (done.removed, statuses) == (0, ["active"] * 5)
