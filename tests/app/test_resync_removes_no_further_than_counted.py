"""The >10 % safety catch counts, in pass 1, what a resync may end under the relay policy of that
moment; its removals never reach further. Relaying turned on in between — before the removals,
between two invocations of them, between two batches — ends no county listing its city relayed
before, none of which the catch counted (review 304; review 305: a recount before the first
removal was diluted by the resync's own new lines, and guarded the first removal only)."""

from __future__ import annotations

from typing import Any

import pytest
from app_support import Gateway
from lifecycle_support import recent_entry
from test_relays_turned_off_mid_run import CITY, COUNTY, relaying_city, relays
from upload_support import ask, put_object, uploaded

from chalicelib.bootstrap import container
from gateway.intake import bulk_removal

RESYNC = {"mode": "resync", "domains": ["court_defaulter"]}  # never forced here


def entry(**overrides: Any) -> dict[str, Any]:
    fields = {
        "credit_code": "91430100687234560U",
        "deciding_authority": "长沙市中级人民法院",
        "decision_number": "(2026)湘01执77号",
        **overrides,
    }
    return recent_entry(**fields)


def _relayed_then_not(gateway: Gateway, own_count: int) -> tuple[Any, list[str], list[Any]]:
    """The city pushed 5 of its county's listings (relaying) and ``own_count`` of its own, then
    relaying was turned off: its key, the county listings' ids, its own entries."""
    city = relaying_city(gateway)
    county = [entry(origin_region=COUNTY, decision_number=f"(2026)湘01执{i}号") for i in range(5)]
    own = [entry(decision_number=f"(2026)湘01执{100 + i}号") for i in range(own_count)]
    pushed = gateway.push(city, CITY, [*county, *own]).json_body
    assert pushed["accepted"] == 5 + own_count, pushed
    relays(gateway, False)  # the county pushes its own now
    return city, [x["listing_id"] for x in pushed["outcomes"][:5]], own


def _statuses(county_ids: list[str]) -> list[str]:
    code = entry()["credit_code"]
    return [container().lifecycle.listing(code, x).status.value for x in county_ids]


def _turned_on_before_removing(gateway: Gateway, monkeypatch: pytest.MonkeyPatch) -> None:
    apply = bulk_removal.ResyncRemoval.apply

    def turned_on_first(self: Any, *args: Any, **kwargs: Any) -> Any:  # after pass 1 and 2
        relays(gateway, True)
        return apply(self, *args, **kwargs)

    monkeypatch.setattr(bulk_removal.ResyncRemoval, "apply", turned_on_first)


@pytest.mark.parametrize("new_lines", [0, 40], ids=["same-lines", "forty-new-lines"])
def test_relaying_turned_on_before_the_removals_ends_no_uncounted_listing(
    gateway: Gateway, aws: Any, monkeypatch: pytest.MonkeyPatch, new_lines: int
) -> None:
    city, county_ids, own = _relayed_then_not(gateway, 10)
    _turned_on_before_removing(gateway, monkeypatch)
    new = [entry(decision_number=f"(2026)湘01执{500 + i}号") for i in range(new_lines)]
    upload_id = uploaded(gateway, aws, city, [*own, *new], region=CITY, **RESYNC)

    upload = container().uploads.get(CITY, upload_id)
    assert upload.accepted == new_lines, upload
    # 5 of the 15 held before it (33 %) would go: the unforced resync must not end them
    statuses = _statuses(county_ids)
    assert (upload.removed, statuses) == (0, ["active"] * 5), (upload.removal, upload.removal_note)


def test_a_resumed_removal_ends_no_listing_relaying_put_in_its_reach_uncounted(
    gateway: Gateway, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    city, county_ids, own = _relayed_then_not(gateway, 11)
    monkeypatch.setattr(bulk_removal, "_REMOVALS_PER_BATCH", 1)
    asked = ask(gateway, city, own[1:], region=CITY, **RESYNC)  # 1 of 11 own: accepted
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

    # none of them was counted: 6 of 16 (37.5 %) would never have passed the catch
    assert _statuses(county_ids) == ["active"] * 5, (done.removal, done.removed)


def test_relaying_turned_on_between_two_batches_ends_no_uncounted_listing(
    gateway: Gateway, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    city, county_ids, own = _relayed_then_not(gateway, 11)
    monkeypatch.setattr(bulk_removal, "_REMOVALS_PER_BATCH", 1)
    remove_batch = bulk_removal.ResyncRemoval._remove_batch

    def then_on(self: Any, *args: Any, **kwargs: Any) -> Any:
        done = remove_batch(self, *args, **kwargs)
        relays(gateway, True)  # after the first batch, the operator turns relaying on
        return done

    monkeypatch.setattr(bulk_removal.ResyncRemoval, "_remove_batch", then_on)
    upload_id = uploaded(gateway, aws, city, own[1:], region=CITY, **RESYNC)

    done = container().uploads.get(CITY, upload_id)
    assert _statuses(county_ids) == ["active"] * 5, (done.removal, done.removed)
