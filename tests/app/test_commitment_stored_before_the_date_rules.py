"""(Review 393) the commitment date rule of review 388 (a deadline on the day valid_until, an
outcome or deadline before valid_from) is checked by ``ListingEntry``'s field validator with no
``intake_of`` guard, so it also runs when a stored listing is read (``listing_from_item`` ->
``Listing.model_validate`` without context). A commitment accepted before the rule (its deadline
on its valid_until day, which the old rule allowed) can then no longer be read: every route
that reads it answers 500, and the tick / fan-out fail on it. Other late rules keep stored
listings readable ("stored ones still read")."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from app_support import CREDIT_CODE
from test_broken_commitment_listings import city_with_policy, pushed_at
from test_commitment_routes import commitment

from gateway_client.contract import china_date


def _stored_as_before_the_rule(aws: Any, lid: str, deadline: str) -> None:
    """The item as the gateway accepted and stored it before review 388's rule: its deadline
    on its valid_until day (the old rule refused only a day after valid_until)."""
    table = aws.env["CG_LISTINGS_TABLE"]
    item = aws.dynamodb.get_item(
        TableName=table, Key={"credit_code": {"S": CREDIT_CODE}, "listing_id": {"S": lid}}
    )["Item"]
    doc = json.loads(item["doc"]["S"])
    doc["commitment"]["deadline"] = deadline
    aws.dynamodb.update_item(
        TableName=table,
        Key={"credit_code": {"S": CREDIT_CODE}, "listing_id": {"S": lid}},
        UpdateExpression="SET doc = :doc",
        ExpressionAttributeValues={":doc": {"S": json.dumps(doc, ensure_ascii=False)}},
    )


def test_a_commitment_stored_before_the_deadline_rule_still_reads(gateway, aws):
    with city_with_policy(gateway) as (city, clock):
        today = china_date(clock.now())
        entry = commitment()
        until = (today + timedelta(days=3)).isoformat()
        entry["commitment"]["deadline"] = (today + timedelta(days=2)).isoformat()
        entry["valid_until"] = until
        entry["source_updated_at"] = clock.now().isoformat()
        reply = pushed_at(gateway, city, clock, [entry])
        assert reply["accepted"] == 1, reply
        lid = reply["outcomes"][0]["listing_id"]
        _stored_as_before_the_rule(aws, lid, until)

        view = gateway.client.http.get(f"/v1/subjects/{CREDIT_CODE}", headers=gateway.operator())

        assert view.status_code == 200, (view.status_code, view.json_body)
        assert view.json_body["listings"][0]["listing"]["commitment"]["deadline"] == until


def test_the_tick_still_expires_and_purges_around_a_commitment_stored_before_the_rule(gateway, aws):
    """The daily tick reads every due listing: one stored before the rule must not stop it
    (expiry, the purge of personal data past retention) for every region."""
    from lifecycle_support import Lifecycle

    with city_with_policy(gateway) as (city, clock):
        today = china_date(clock.now())
        entry = commitment()
        until = (today + timedelta(days=3)).isoformat()
        entry["commitment"]["deadline"] = (today + timedelta(days=2)).isoformat()
        entry["valid_until"] = until
        entry["source_updated_at"] = clock.now().isoformat()
        reply = pushed_at(gateway, city, clock, [entry])
        assert reply["accepted"] == 1, reply
        _stored_as_before_the_rule(aws, reply["outcomes"][0]["listing_id"], until)

        clock.advance(timedelta(days=4))  # its period has ended: due for expiry
        ticked = Lifecycle(gateway).tick(clock.now())

        assert ticked.status_code == 200, (ticked.status_code, ticked.json_body)
        assert ticked.json_body["expired"] == 1, ticked.json_body
