"""A string holding half a UTF-16 surrogate pair (``"\\ud800"``: a client cutting text
mid-pair) is refused 400 ``malformed_json`` at its field, as a duplicate key or a control
character is, and nothing is written (review 384: at ``body``, the field unnamed)."""

from __future__ import annotations

import json
from typing import Any

from app_support import CITY, CREDIT_CODE, HUBEI, black_entry, new_batch_id, platform_headers

from chalicelib.bootstrap import container
from gateway_client.push_client import wire_target


def test_a_lone_surrogate_in_a_region_name_is_refused_at_the_name(gateway: Any) -> None:
    body = b'{"name": "\\ud800"}'
    reply = gateway.client.http.put(f"/v1/regions/{HUBEI}", headers=gateway.operator(), body=body)

    assert reply.status_code == 400
    error = reply.json_body["error"]
    assert (error["code"], error["path"]) == ("malformed_json", "name")
    assert container().registry.get_region(HUBEI) is None


def test_a_lone_surrogate_in_a_pushed_entry_names_the_entry_and_field(gateway: Any) -> None:
    signer = gateway.register_platform(CITY)
    batch_id = new_batch_id()
    envelope = {
        "region": CITY,
        "batch_id": batch_id,
        "issued_at": "2026-12-03T10:00:00+08:00",
        "entries": [black_entry(), black_entry(decision_number="(2024)黑09执9号", reason="REASON")],
    }
    body = json.dumps(envelope, ensure_ascii=False).encode().replace(b'"REASON"', b'"\\ud800"')
    headers = platform_headers(signer, "POST", "/v1/pushes", body, batch_id)

    reply = gateway.client.http.post(wire_target("/v1/pushes"), headers=headers, body=body)

    assert reply.status_code == 400
    error = reply.json_body["error"]
    assert (error["code"], error["path"]) == ("malformed_json", "entries.1.reason")
    assert container().listings.subject(CREDIT_CODE) == []


def test_a_lone_half_after_an_escaped_backslash_is_named_too(gateway: Any) -> None:
    """The text ``\\ud800`` (an escaped backslash, then ``ud800``) before a lone low half hid
    it from the check, and the body was refused at ``body`` (review 387)."""
    body = b'{"name": "\\\\ud800\\udc00"}'
    reply = gateway.client.http.put(f"/v1/regions/{HUBEI}", headers=gateway.operator(), body=body)

    assert reply.status_code == 400
    assert (reply.json_body["error"]["code"], reply.json_body["error"]["path"]) == (
        "malformed_json",
        "name",
    )
    assert container().registry.get_region(HUBEI) is None
