"""An error quotes what was sent; an ID number put there is masked wherever the error quotes it
(a context field such as ``batch_id`` or ``key_id``, not only ``message``) and mistyped as
well as valid, as the errors a push keeps are (review 291, after review 287)."""

from __future__ import annotations

import json

import pytest
from app_support import CITY, CREDIT_CODE, Gateway, black_entry, new_signer, platform_headers
from lifecycle_support import Lifecycle, listing_path, pushed, recent_entry, stamp

ID_NUMBER = "11010519491231002X"  # valid check character
TYPO = "110105194912310021"  # the same person's number, its check character mistyped


def test_a_batch_id_holding_an_id_number_is_not_quoted_in_full(gateway: Gateway) -> None:
    """Refused at its field since review 354 (a reused one's 409 quoted it before review 287)."""
    city = gateway.register_platform(CITY)

    refused = gateway.push(city, CITY, [black_entry()], batch_id=ID_NUMBER)

    assert refused.status_code == 400, refused.json_body
    assert refused.json_body["error"]["path"] == "batch_id"
    assert ID_NUMBER not in json.dumps(refused.json_body, ensure_ascii=False), refused.json_body


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        pytest.param(ID_NUMBER, "110105***********X", id="valid"),  # review 287
        pytest.param(TYPO, "110105***********1", id="mistyped"),
    ],
)
def test_an_objection_id_holding_an_id_number_is_masked(
    gateway: Gateway, number: str, masked: str
) -> None:
    """A refused decision quoted the path's objection id as typed."""
    life = Lifecycle(gateway)
    city = gateway.register_platform(CITY)
    lid = pushed(gateway, city, CITY, recent_entry(days_ago=125, severity="general"))
    base = listing_path(CREDIT_CODE, lid) + f"/objections/{number}"

    decided = life.post(
        base + "/decision", {"outcome": "upheld", "source_updated_at": stamp()}, city
    )

    assert decided.status_code == 404
    assert number not in json.dumps(decided.json_body, ensure_ascii=False), decided.json_body
    assert masked in decided.json_body["error"]["message"]


def test_an_unknown_key_id_holding_an_id_number_is_not_quoted_in_full(gateway: Gateway) -> None:
    stranger = new_signer(ID_NUMBER)  # registered nowhere
    body = json.dumps(
        {"region": CITY, "batch_id": "b-1", "issued_at": stamp(), "entries": []}
    ).encode()
    headers = platform_headers(stranger, "POST", "/v1/pushes", body, "b-1")

    refused = gateway.client.http.post("/v1/pushes", headers=headers, body=body)

    assert refused.status_code in (401, 403), refused.json_body
    assert ID_NUMBER not in json.dumps(refused.json_body, ensure_ascii=False), refused.json_body
