"""A resident ID number in text whose NFKC form is longer than 8,192 characters (a 4,000-
character field can be: U+FDFA is 18 characters in NFKC) is searched candidate by overlapping
candidate too, as the text as written is short: searched one candidate at a time, a number
after other digits (review 135) was missed, taken in and shown in full (review 362)."""

from __future__ import annotations

from typing import Any

from app_support import CITY, HUNAN, OTHER_CREDIT_CODE, black_entry
from lifecycle_support import Lifecycle

from gateway_client.contract import model

# 11010519491231002X written in fours after a room number; 527 characters, 9,027 in NFKC form
PADDING = "\ufdfa" * 500
REASON = PADDING + "房间12 1101 0519 4912 3100 2X"
SHORT_REASON = "房间12 1101 0519 4912 3100 2X"


def test_short_text_is_refused_as_control(gateway: Any) -> None:
    """Control: the same number without the padding is refused (this passes)."""
    city = gateway.register_platform(CITY)
    reply = gateway.push(city, CITY, [black_entry(reason=SHORT_REASON)])
    codes = [e["code"] for e in reply.json_body["errors"]]
    assert reply.json_body["accepted"] == 0, reply.json_body
    assert "id_number_in_text" in codes, reply.json_body


def test_id_in_long_nfkc_text_is_refused_at_intake(gateway: Any) -> None:
    city = gateway.register_platform(CITY)
    reply = gateway.push(city, CITY, [black_entry(reason=REASON)])
    assert reply.status_code == 200, reply.json_body
    codes = [e["code"] for e in reply.json_body["errors"]]
    assert reply.json_body["accepted"] == 0, reply.json_body["outcomes"]
    assert "id_number_in_text" in codes, codes


def test_id_in_long_nfkc_text_is_masked_in_a_masked_view(gateway: Any, monkeypatch: Any) -> None:
    city = gateway.register_platform(CITY)
    hunan = gateway.register_platform(HUNAN)  # no agreement: shown the listing masked
    with monkeypatch.context() as m:  # stored before input refused ID numbers in text
        m.setattr(model, "refuse_resident_ids", lambda value: None)
        pushed = gateway.push(
            city, CITY, [black_entry(credit_code=OTHER_CREDIT_CODE, reason=REASON)]
        )
        assert pushed.json_body["accepted"] == 1, pushed.json_body
    asked = {"codes": [OTHER_CREDIT_CODE], "purpose": "supervision"}
    answer = Lifecycle(gateway).post("/v1/checks", asked, hunan)
    assert answer.status_code == 200, answer.json_body
    assert "1101 0519 4912 3100 2X" not in answer.body.decode()


def test_id_in_long_nfkc_text_is_not_public(gateway: Any) -> None:
    """Taken in, the number was then shown to anyone who asked: refused, nothing is held."""
    from app_support import CREDIT_CODE

    city = gateway.register_platform(CITY)
    gateway.push(city, CITY, [black_entry(reason=REASON)])
    public = gateway.client.http.get(f"/v1/subjects/{CREDIT_CODE}")
    assert public.status_code == 404, public.json_body
    assert "1101 0519 4912 3100 2X" not in public.body.decode()
