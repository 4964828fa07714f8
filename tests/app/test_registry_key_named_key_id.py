"""A key id is any 3–64 of letters, digits, '.', '_' or '-': ``key_id`` is one. Registering it
no longer breaks the registry's scan of every key (review 267: ``DynamoRegistry.all_keys``
picked documents holding the text ``"key_id"``, and this key's ``material#`` item holds
``{"material_of": "key_id"}``): the operator still registers and lists keys of any region."""

from __future__ import annotations

from app_support import Gateway, new_signer


def test_a_key_named_key_id_leaves_key_registration_working(gateway: Gateway) -> None:
    assert gateway.put_region("230900").status_code == 200
    assert gateway.put_region("410184").status_code == 200
    first = gateway.add_key("230900", new_signer("key_id"))
    assert first.status_code == 201, first.json_body

    listed = gateway.client.http.get("/v1/regions/230900/keys", headers=gateway.operator())
    assert listed.status_code == 200, listed.body[:300]
    assert [k["key_id"] for k in listed.json_body["keys"]] == ["key_id"]

    other = gateway.add_key("410184", new_signer("xz-2026-1"))
    assert other.status_code == 201, other.body[:300]
