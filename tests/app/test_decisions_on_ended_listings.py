"""An objection still open when its listing ends (removed, expired, repaired) is decided
without moving the listing: a correction is refused (409 ``listing_not_in_force``, path
``corrected_entry``), nothing written and nothing sent; upheld or revoked closes the objection
with its outcome recorded, and the listing keeps the status it ended with."""

from __future__ import annotations

from datetime import timedelta

import pytest
from app_support import CREDIT_CODE
from lifecycle_support import (
    XINZHENG,
    Lifecycle,
    listing_path,
    now,
    push_with_removals,
    pushed,
    removal_of,
    xinzheng_entry,
)


def ended_with_an_open_objection(gateway, stream):  # type: ignore[no-untyped-def]
    life = Lifecycle(gateway)
    owner = gateway.register_platform(XINZHENG)
    entry = xinzheng_entry(source_updated_at=(now() - timedelta(hours=2)).isoformat())
    lid = pushed(gateway, owner, XINZHENG, entry)
    filed = life.post(
        listing_path(CREDIT_CODE, lid) + "/objections",
        {"objection_id": "o-1", "reason": "核查", "on_behalf": "own_verification"},
        owner,
    )
    assert filed.status_code in (200, 201), filed.json_body
    gone = removal_of(
        entry, "revoked", source_updated_at=(now() - timedelta(minutes=5)).isoformat()
    )
    assert push_with_removals(gateway, owner, XINZHENG, [gone]).json_body["removed"] == 1
    stream.event()  # what these wrote
    return life, owner, entry, lid


def decide(life: Lifecycle, lid: str, owner, body: dict) -> object:  # type: ignore[no-untyped-def]
    body = {"source_updated_at": (now() - timedelta(minutes=1)).isoformat(), **body}
    return life.post(listing_path(CREDIT_CODE, lid) + "/objections/o-1/decision", body, owner)


def test_a_correction_of_an_ended_listing_is_refused_and_nothing_is_written(gateway, stream):
    life, owner, entry, lid = ended_with_an_open_objection(gateway, stream)
    before = life.lookup(CREDIT_CODE).json_body

    refused = decide(
        life,
        lid,
        owner,
        {"outcome": "corrected", "corrected_entry": dict(entry, subject_name="另一家公司")},
    )

    assert refused.status_code == 409, refused.json_body
    assert (refused.json_body["error"]["code"], refused.json_body["error"]["path"]) == (
        "listing_not_in_force",
        "corrected_entry",
    )
    assert life.lookup(CREDIT_CODE).json_body == before
    assert stream.event()["Records"] == []


@pytest.mark.parametrize("outcome", ["upheld", "revoked"])
def test_deciding_closes_the_objection_and_the_listing_stays_as_it_ended(gateway, stream, outcome):
    life, owner, _, lid = ended_with_an_open_objection(gateway, stream)

    decided = decide(life, lid, owner, {"outcome": outcome})

    assert decided.status_code == 200, decided.json_body
    listing = decided.json_body["listing"]
    assert (listing["status"], listing["objection"]["outcome"]) == ("revoked", outcome)
    assert listing["subject_name"] == xinzheng_entry()["subject_name"]
