"""Relaying turned on between two invocations, or two batches, of a resync's removals puts no
relayed listing in their reach: none was counted by the safety catch (review 305: a guard of
the first removal only left review 304's hole one invocation later)."""

from __future__ import annotations

from typing import Any

import pytest
from app_support import Gateway
from lifecycle_support import recent_entry
from test_relays_turned_off_mid_run import CITY, COUNTY, relaying_city, relays
from upload_support import ask, put_object

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


def test_a_resumed_removal_ends_no_listing_relaying_put_in_its_reach_uncounted(
    gateway: Gateway, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    city = relaying_city(gateway)
    county = [entry(origin_region=COUNTY, decision_number=f"(2026)湘01执{i}号") for i in range(5)]
    own = [entry(decision_number=f"(2026)湘01执{100 + i}号") for i in range(11)]
    pushed = gateway.push(city, CITY, [*county, *own]).json_body
    assert pushed["accepted"] == 16, pushed
    county_ids = [x["listing_id"] for x in pushed["outcomes"][:5]]
    relays(gateway, False)  # the county pushes its own now
    monkeypatch.setattr(bulk_removal, "_REMOVALS_PER_BATCH", 1)
    resync = {"mode": "resync", "domains": ["court_defaulter"]}  # 1 of 11 own: accepted
    asked = ask(gateway, city, own[1:], region=CITY, **resync)
    version = put_object(aws, asked)
    ingest = container().bulk_ingest

    def removed_one() -> bool:  # the invocation runs out of time once a removal is made
        held = container().uploads.get(CITY, asked.upload_id)
        return held is not None and held.removed > 0

    upload = ingest.process(CITY, asked.upload_id, version, out_of_time=removed_one)
    assert upload is not None
    assert (upload.removed, upload.removal) == (1, "pending"), upload
    relays(gateway, True)  # the operator turns relaying on again between two invocations
    done = ingest.process(CITY, asked.upload_id, version)
    assert done is not None
    assert done.finished

    code = entry()["credit_code"]
    statuses = [container().lifecycle.listing(code, x).status.value for x in county_ids]
    # none of them was counted: 6 of 16 (37.5 %) would never have passed the catch
    assert statuses == ["active"] * 5, (done.removal, done.removed, done.removal_note)


def test_relaying_turned_on_between_two_batches_ends_no_uncounted_listing(
    gateway: Gateway, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same within one invocation: relaying turned on while the removals run."""
    from upload_support import uploaded

    city = relaying_city(gateway)
    county = [entry(origin_region=COUNTY, decision_number=f"(2026)湘01执{i}号") for i in range(5)]
    own = [entry(decision_number=f"(2026)湘01执{100 + i}号") for i in range(11)]
    pushed = gateway.push(city, CITY, [*county, *own]).json_body
    assert pushed["accepted"] == 16, pushed
    county_ids = [x["listing_id"] for x in pushed["outcomes"][:5]]
    relays(gateway, False)
    monkeypatch.setattr(bulk_removal, "_REMOVALS_PER_BATCH", 1)
    remove_batch = bulk_removal.ResyncRemoval._remove_batch

    def then_on(self: Any, *args: Any, **kwargs: Any) -> Any:
        done = remove_batch(self, *args, **kwargs)
        relays(gateway, True)  # after the first batch, the operator turns relaying on
        return done

    monkeypatch.setattr(bulk_removal.ResyncRemoval, "_remove_batch", then_on)
    resync = {"mode": "resync", "domains": ["court_defaulter"]}
    upload_id = uploaded(gateway, aws, city, own[1:], region=CITY, **resync)

    done = container().uploads.get(CITY, upload_id)
    code = entry()["credit_code"]
    statuses = [container().lifecycle.listing(code, x).status.value for x in county_ids]
    assert statuses == ["active"] * 5, (done.removal, done.removed, done.removal_note)
