"""A platform key id is free text of 3–64 ``[A-Za-z0-9._-]`` and may hold a
resident ID number, while every other operator- or platform-chosen text (the same key's
``user_id``, a region's name, notes, reasons, titles) is refused ``id_number_in_text``.

A key id is not a private label: it is named in every query-trail entry the key's lookups leave
(``TrailEntry.key_id``), and the trail of a person is read by the owners of the person's
listings — other regions — in full. So a key named after the official who holds it (a
careless ``k-<身份证号>``) puts that resident ID number, in full, into another region's trail
read (and into the trail table, which must hold no ID number: test_query_trail_routes.py).
Refused at registration as any text is (review 317); a key registered before goes masked into
trail entries and signed reports."""

from __future__ import annotations

import json
from datetime import timedelta

from app_support import HUNAN, Gateway, new_signer
from personal_support import PERSON, Askers, person_entry

from chalicelib import bootstrap
from gateway.registry import PlatformKey
from gateway_client.contract.signing import Ed25519Signer, public_key_text

OFFICIAL_ID = "420281199503150210"  # a resident ID number (the key holder's)
KEY_ID = f"k-{OFFICIAL_ID}"


def _register(gateway: Gateway, key_id: str, **extra: str):  # type: ignore[no-untyped-def]
    signer = new_signer(key_id)
    body = {"key_id": key_id, "public_key": public_key_text(signer.private_key), **extra}
    reply = gateway.client.http.post(
        f"/v1/regions/{HUNAN}/keys", headers=gateway.operator(), body=json.dumps(body).encode()
    )
    return signer, reply


def test_a_key_id_holding_a_resident_id_number_is_refused_as_user_id_is(gateway: Gateway) -> None:
    gateway.put_region(HUNAN)
    _, by_user_id = _register(gateway, "k-hunan-7", user_id=f"u{OFFICIAL_ID}")
    assert by_user_id.status_code == 400  # held: the key's user_id is judged as text

    _, by_key_id = _register(gateway, KEY_ID)

    assert by_key_id.status_code == 400, by_key_id.json_body
    assert by_key_id.json_body["error"]["path"] == "key_id"
    assert OFFICIAL_ID not in by_key_id.body.decode()


def _registered_before(region: str) -> Ed25519Signer:
    """A key of that id stored before key ids were judged as text."""
    signer = new_signer(KEY_ID)
    public_key = public_key_text(signer.private_key)
    bootstrap.container().registry.put_key(
        PlatformKey(
            key_id=KEY_ID,
            region=region,
            public_key=public_key,
            valid_from=bootstrap.container().clock.now() - timedelta(days=1),
        )
    )
    return signer


def test_a_key_so_named_before_is_masked_in_the_trail_another_region_reads(
    gateway: Gateway,
) -> None:
    askers = Askers(gateway).register()  # 大冶市 owns; 湖南 recognises it (agreement)
    askers.push("owner", person_entry())
    signer = _registered_before(HUNAN)

    looked = gateway.send_signed("GET", f"/v1/subjects/{PERSON}?purpose=supervision", signer)
    assert looked.status_code == 200, looked.json_body
    read_by_owner = askers.ask("owner", f"/v1/subjects/{PERSON}/trail")

    assert read_by_owner.status_code == 200, read_by_owner.json_body
    assert OFFICIAL_ID not in read_by_owner.body.decode(), read_by_owner.json_body
    assert "k-420281" in read_by_owner.body.decode()  # named, masked


def test_a_key_so_named_before_is_masked_in_the_check_reports_it_asks_for(
    gateway: Gateway,
) -> None:
    """A check report is a document handed on (a procurement file, a bidder's dossier) and
    verified offline; it names the asking key, so the key holder's ID number went with it."""
    gateway.put_region(HUNAN)
    signer = _registered_before(HUNAN)
    body = {"codes": ["91110000600037341L"], "purpose": "public_procurement", "report": True}
    reply = gateway.post_signed("/v1/checks", signer, None, json.dumps(body).encode())

    assert reply.status_code == 200, reply.json_body
    report = json.dumps(reply.json_body["report"])
    assert OFFICIAL_ID not in report
    assert reply.json_body["report"]["content"]["key_id"].startswith("k-420281")
