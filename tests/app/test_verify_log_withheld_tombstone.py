"""A purge's tombstone is never erased, and the tombstone of a listing the store holds is owed
whatever the filters (review 180). ``verify_log`` excused any entry the gateway's unsigned
``erased`` list named once a later tombstone of the same kind, domain and origin was stored
(``erasures_held``: "plausible") before asking whether it was owed (review 307): a gateway that
withheld one person's tombstone, called its purge entry erased and delivered another purge of
the same list left the province holding that person's listing for ever, and verify-log said
OK."""

from __future__ import annotations

import types
from datetime import UTC, timedelta
from typing import Any

from app_support import CITY, HUNAN
from delivery_support import as_operator, subscribe
from lifecycle_support import (
    PERSON_CODE,
    Lifecycle,
    add_months,
    china_noon,
    china_today,
    push_with_removals,
    pushed,
    recent_entry,
    removal_of,
)
from test_verify_log_terms import delivered

import app as gateway_app
from gateway_client import log_verifier
from gateway_client.contract import DeliveryPayload
from gateway_client.contract.keys import PublishedKey


def _person(number: str) -> dict[str, Any]:
    ended = (china_today() - timedelta(days=10)).isoformat()
    return recent_entry(
        credit_code=PERSON_CODE,
        subject_name="黄某某",
        conduct_ended_on=ended,
        decision_number=number,
    )


def test_a_withheld_tombstone_of_a_held_listing_is_not_excused_as_erased(
    gateway: Any, aws: Any, stream: Any, hook: Any, monkeypatch: Any
) -> None:
    city = gateway.register_platform(CITY)
    assert gateway.put_region(HUNAN).status_code == 200
    sid = subscribe(gateway, hook.url)["subscription_id"]
    people = [_person("（2024）湘01执1号"), _person("（2024）湘01执2号")]
    for person in people:
        pushed(gateway, city, CITY, person)
    gateway_app.fan_out_changes(stream.event(), None)
    delivered(aws)
    push_with_removals(gateway, city, CITY, [removal_of(p, "revoked") for p in people])
    gateway_app.fan_out_changes(stream.event(), None)
    delivered(aws)
    at = china_noon(add_months(china_today(), 60) + timedelta(days=1))
    assert Lifecycle(gateway).tick(at).json_body["purged"] == 2
    gateway_app.fan_out_changes(stream.event(), None)
    delivered(aws)
    later = at.astimezone(UTC) + timedelta(hours=2)

    bodies = [DeliveryPayload.model_validate_json(r.body) for r in hook.requests]
    tombstones = sorted(
        (d for d in bodies if d.data.type.value == "purged"), key=lambda d: d.log_sequence or 0
    )
    assert len(tombstones) == 2
    withheld = tombstones[0]  # the first person's purge: never sent
    stored = [d for d in bodies if d.delivery_id != withheld.delivery_id]
    assert any(d.data.listing.listing_id == withheld.data.listing.listing_id for d in stored), (
        "the store holds the listing whose tombstone is withheld"
    )

    def get(_client: object, path: str) -> Any:
        reply = gateway.client.http.get(path, headers=gateway.operator())
        assert reply.status_code == 200, (path, reply.json_body)
        body = reply.json_body
        if path.startswith("/v1/log?"):  # the gateway's unsigned word: "retention erased it"
            listed = [e["sequence"] for e in body["entries"]]
            if withheld.log_sequence in listed:
                body = {**body, "erased": [*body["erased"], withheld.log_sequence]}
        return body

    monkeypatch.setattr(log_verifier, "_get", get)
    keys = [
        PublishedKey.model_validate(k)
        for k in gateway.client.http.get("/v1/keys").json_body["keys"]
    ]
    monkeypatch.setattr(log_verifier, "fetch_gateway_keys", lambda *_a, **_k: keys)
    assert as_operator(gateway, "post", "/v1/log/checkpoints", b"{}").status_code in (200, 201)
    client = types.SimpleNamespace(timeout=30, region=HUNAN)

    honest = log_verifier.verify_log(client, "http://in-process", sid, bodies, now=later)
    assert honest.ok, honest.problems
    report = log_verifier.verify_log(client, "http://in-process", sid, stored, now=later)
    assert not report.ok, (
        f"tombstone of a held listing withheld, its purge called erased: OK "
        f"(erased_unvouched={report.erased_unvouched})"
    )
