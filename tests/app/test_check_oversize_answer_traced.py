"""Every signed look at a person is in the trail, found or not, "so the operator sees the tries".
A batch check's 413 tells whether its codes found something, so it is traced too (review 294:
a region padding a check so that the answer fits only if the candidate number finds nothing had
each miss traced and the one right number answered 413 untraced)."""

from __future__ import annotations

import json
from typing import Any

from app_support import DAYE, GUANGDONG, Gateway
from personal_support import PERSON, UNLISTED_PERSON, person_entry

from chalicelib import checks_api
from chalicelib.http_errors import reply_bytes


def check(gateway: Gateway, signer: Any, code: str) -> Any:
    body = json.dumps({"codes": [code], "purpose": "supervision"}).encode()
    return gateway.post_signed("/v1/checks", signer, None, body)


def trail(gateway: Gateway, code: str) -> list[Any]:
    reply = gateway.client.http.get(f"/v1/subjects/{code}/trail", headers=gateway.operator())
    assert reply.status_code == 200, reply.json_body
    return list(reply.json_body["entries"])


def test_a_check_whose_size_tells_a_person_was_found_is_traced(
    gateway: Gateway, monkeypatch
) -> None:
    daye = gateway.register_platform(DAYE)
    guangdong = gateway.register_platform(GUANGDONG)
    assert gateway.push(daye, DAYE, [person_entry()]).json_body["accepted"] == 1

    miss = check(gateway, guangdong, UNLISTED_PERSON)  # a wrong guess: 200, on record
    assert miss.status_code == 200
    assert miss.json_body["results"][0]["found"] is False
    assert len(trail(gateway, UNLISTED_PERSON)) == 1
    # the padding: the limit sits just above what a miss answers
    monkeypatch.setattr(checks_api, "REPLY_BUDGET", reply_bytes(miss.json_body) + 200)

    hit = check(gateway, guangdong, PERSON)

    assert hit.status_code == 413  # the size says: found
    assert [e["asked_by"] for e in trail(gateway, PERSON)] == [GUANGDONG]
