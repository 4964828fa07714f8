"""A relay's entry names the county it acts for: naming another county than the one a
company's decision is listed for is refused per entry (``origin_mismatch`` at
``origin_region``), nothing written or delivered — as a removal naming it is a miss. Before, it
rewrote the other county's listing, answered ``accepted`` (review 207)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from app_support import CITY, CREDIT_CODE, Gateway, StreamReader, new_signer
from lifecycle_support import push_with_removals, recent_entry, removal_of, stamp
from upload_support import uploaded

from chalicelib.bootstrap import container
from gateway_client.contract import ListingEntry, identity_of
from gateway_client.contract.signing import Ed25519Signer

XINXING = "230902"  # 七台河市新兴区
TAOSHAN = "230903"  # 七台河市桃山区


def _relaying_city(gateway: Gateway) -> Ed25519Signer:
    body = json.dumps({"name": "七台河市", "relays_subregions": True}, ensure_ascii=False).encode()
    reply = gateway.client.http.put(f"/v1/regions/{CITY}", headers=gateway.operator(), body=body)
    assert reply.status_code == 200, reply.json_body
    signer = new_signer(f"k-{CITY}-{uuid.uuid4().hex[:8]}")
    assert gateway.add_key(CITY, signer).status_code == 201
    for county in (XINXING, TAOSHAN):
        assert gateway.put_region(county).status_code == 200
    return signer


def test_an_entry_naming_another_county_is_refused_and_changes_nothing(
    gateway: Gateway, stream: StreamReader
) -> None:
    city = _relaying_city(gateway)
    entry = recent_entry(origin_region=XINXING)
    first = gateway.push(city, CITY, [entry]).json_body
    listing_id = first["outcomes"][0]["listing_id"]
    stream.event()  # read past the first push
    later: dict[str, Any] = {"reason": "另一认定理由", "source_updated_at": stamp()}

    wrong = gateway.push(city, CITY, [{**entry, **later, "origin_region": TAOSHAN}]).json_body

    assert wrong["accepted"] == 0
    [error] = wrong["errors"]
    assert (error["code"], error["field"]) == ("origin_mismatch", "origin_region")
    assert XINXING in error["message"]
    held = container().listings.current([(CREDIT_CODE, listing_id)])[listing_id]
    assert (held.origin_region, held.reason) == (XINXING, entry["reason"])
    assert stream.event()["Records"] == []  # nothing to fan out


def test_the_county_named_rightly_or_none_is_the_relay_s_update(gateway: Gateway) -> None:
    city = _relaying_city(gateway)
    entry = recent_entry(origin_region=XINXING)
    listing_id = gateway.push(city, CITY, [entry]).json_body["outcomes"][0]["listing_id"]
    named = {**entry, "reason": "更正后的理由", "source_updated_at": stamp(seconds=-1)}
    unnamed = {**named, "reason": "再次更正", "source_updated_at": stamp()}
    del unnamed["origin_region"]

    answers = [gateway.push(city, CITY, [x]).json_body["accepted"] for x in (named, unnamed)]

    assert answers == [1, 1]
    held = container().listings.current([(CREDIT_CODE, listing_id)])[listing_id]
    assert (held.origin_region, held.reason) == (XINXING, "再次更正")


def test_in_one_push_a_misaddressed_entry_does_not_stand_in_for_a_right_one(
    gateway: Gateway,
) -> None:
    """[newer naming the wrong county, older naming the right one]: the wrong one is refused
    before the push's newest is chosen, so the right one is written, not answered a duplicate
    of nothing (review 208)."""
    city = _relaying_city(gateway)
    entry = recent_entry(origin_region=XINXING)
    listing_id = gateway.push(city, CITY, [entry]).json_body["outcomes"][0]["listing_id"]
    right = {**entry, "reason": "更正后的理由", "source_updated_at": stamp(seconds=-5)}
    wrong = {**entry, "reason": "错县理由", "source_updated_at": stamp(), "origin_region": TAOSHAN}

    body = gateway.push(city, CITY, [wrong, right]).json_body

    assert [(e["index"], e["code"]) for e in body["errors"]] == [(0, "origin_mismatch")]
    assert [(o["index"], o["outcome"]) for o in body["outcomes"]] == [(1, "accepted")]
    held = container().listings.current([(CREDIT_CODE, listing_id)])[listing_id]
    assert (held.origin_region, held.reason) == (XINXING, "更正后的理由")


def test_a_new_listing_named_for_two_counties_in_one_push_is_the_first_s(gateway: Gateway) -> None:
    """As if pushed one after another: the first entry lists it for its county, the second,
    naming another, is refused (review 208: it was answered a duplicate)."""
    city = _relaying_city(gateway)
    entry = recent_entry(origin_region=XINXING)

    body = gateway.push(city, CITY, [entry, {**entry, "origin_region": TAOSHAN}]).json_body

    assert [(o["index"], o["outcome"]) for o in body["outcomes"]] == [(0, "accepted")]
    assert [(e["index"], e["code"]) for e in body["errors"]] == [(1, "origin_mismatch")]
    held = container().listings.current([(CREDIT_CODE, body["outcomes"][0]["listing_id"])])
    assert [x.origin_region for x in held.values()] == [XINXING]


def test_a_relay_naming_itself_acts_for_its_county_in_an_entry_and_a_removal(
    gateway: Gateway,
) -> None:
    """Naming the pusher itself is naming none: the relay's entry updates its county's listing
    and its removal ends it (review 208: the removal was a miss, the entry not)."""
    city = _relaying_city(gateway)
    entry = recent_entry(origin_region=XINXING)
    listing_id = gateway.push(city, CITY, [entry]).json_body["outcomes"][0]["listing_id"]
    named_self = {**entry, "reason": "市级更正", "source_updated_at": stamp(seconds=-5)}

    updated = gateway.push(city, CITY, [{**named_self, "origin_region": CITY}]).json_body
    removal = removal_of(entry, "revoked", origin_region=CITY, source_updated_at=stamp())
    removed = push_with_removals(gateway, city, CITY, [removal]).json_body

    assert (updated["accepted"], removed["removed"]) == (1, 1), (updated, removed)
    held = container().listings.current([(CREDIT_CODE, listing_id)])[listing_id]
    assert (held.origin_region, held.status) == (XINXING, "revoked")


@pytest.mark.parametrize("later_names", [None, CITY], ids=["none", "the-relay"])
def test_a_new_listing_stays_the_county_s_a_later_entry_of_the_push_naming_none(
    gateway: Gateway, later_names: str | None
) -> None:
    """As if sent one after another: the first entry lists it for its county, a later one
    naming none (or the relay) updates it there (review 211: it became the relay's own)."""
    city = _relaying_city(gateway)
    first = recent_entry(origin_region=XINXING, source_updated_at=stamp(seconds=-10))
    later = {**first, "reason": "更正后的理由", "source_updated_at": stamp(seconds=-5)}
    later["origin_region"] = later_names

    body = gateway.push(city, CITY, [first, later]).json_body

    assert body["errors"] == []
    held = container().listings.current([(CREDIT_CODE, body["outcomes"][0]["listing_id"])])
    assert [(x.origin_region, x.reason) for x in held.values()] == [(XINXING, "更正后的理由")]


def test_an_upload_s_lines_of_a_new_listing_keep_its_first_line_s_county(
    gateway: Gateway, aws: Any
) -> None:
    city = _relaying_city(gateway)
    first = recent_entry(origin_region=XINXING, source_updated_at=stamp(seconds=-10))
    later = {**first, "reason": "更正后的理由", "source_updated_at": stamp(seconds=-5)}
    del later["origin_region"]

    uploaded(gateway, aws, city, [first, later])

    listing_id = identity_of(ListingEntry.model_validate(first))  # a company's: the decision's
    found = container().listings.current([(CREDIT_CODE, listing_id)])
    assert [x.origin_region for x in found.values()] == [XINXING]
