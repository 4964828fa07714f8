"""A resync that adds many new listings ends no relayed county listing that relaying turned on
after its count put in reach (review 305: a recount after pass 2 counted the resync's own new
lines as held — 5 of 55 — and let all 5 go, 5 of the 15 held before it)."""

from __future__ import annotations

from typing import Any

import pytest
from app_support import Gateway
from lifecycle_support import recent_entry
from test_relays_turned_off_mid_run import CITY, COUNTY, relaying_city, relays
from upload_support import uploaded

from chalicelib.bootstrap import container
from gateway.intake import bulk_removal


def entry(**overrides: Any) -> dict[str, Any]:
    fields = {
        "credit_code": "91430100687234560U",
        "deciding_authority": "长沙市中级人民法院",
        "decision_number": "(2026)湘01执77号",
        **overrides,
    }
    return recent_entry(**fields)


def test_a_resyncs_own_new_lines_do_not_dilute_the_recount(
    gateway: Gateway, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    city = relaying_city(gateway)
    county = [entry(origin_region=COUNTY, decision_number=f"(2026)湘01执{i}号") for i in range(5)]
    own = [entry(decision_number=f"(2026)湘01执{100 + i}号") for i in range(10)]
    pushed = gateway.push(city, CITY, [*county, *own]).json_body
    assert pushed["accepted"] == 15, pushed
    county_ids = [x["listing_id"] for x in pushed["outcomes"][:5]]
    relays(gateway, False)
    apply = bulk_removal.ResyncRemoval.apply

    def turned_on_first(self: Any, *args: Any, **kwargs: Any) -> Any:  # after pass 1 and 2
        relays(gateway, True)
        return apply(self, *args, **kwargs)

    monkeypatch.setattr(bulk_removal.ResyncRemoval, "apply", turned_on_first)
    new = [entry(decision_number=f"(2026)湘01执{500 + i}号") for i in range(40)]
    resync = {"mode": "resync", "domains": ["court_defaulter"]}  # not forced
    upload_id = uploaded(gateway, aws, city, [*own, *new], region=CITY, **resync)

    upload = container().uploads.get(CITY, upload_id)
    assert upload.accepted == 40, upload
    code = entry()["credit_code"]
    statuses = [container().lifecycle.listing(code, x).status.value for x in county_ids]
    # 5 of the 15 held before it (33 %) would go: the unforced resync must not end them
    assert (upload.removed, statuses) == (0, ["active"] * 5), (upload.removal, upload.removal_note)
