"""An unknown evaluation scheme is quoted as a catalogue key or not at all: it was quoted back
whole, a phone number in it included (review 362)."""

from __future__ import annotations

import json

from app_support import CITY, Gateway
from test_evaluation_standing import grade


def test_unknown_scheme_quotes_no_phone_number(gateway: Gateway) -> None:
    city = gateway.register_platform(CITY)
    entry = grade("A", evaluation={"scheme": "tel13812345678", "grade": "A"})
    reply = gateway.push(city, CITY, [entry])
    said = json.dumps(reply.json_body, ensure_ascii=False)
    assert "unknown_scheme" in said, said
    assert "13812345678" not in said, said
