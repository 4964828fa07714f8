"""Review 351: a check returning more than MAX_TRAIL_IDS listings of one subject files several
trail entries (review 347), and each judges ``full_ids`` on its own part alone. The look showed
the person's number in full (in the asker's own listing), but the other owner reads an entry
saying no number was shown in full. Before the split, as the one-stop query still does
(review 88 F1: ``stood_on``), ``full_ids`` was judged on everything the look returned.

MAX_TRAIL_IDS is lowered to 1 so that two listings stand for 2,001 (the same code path)."""

from __future__ import annotations

import json
from typing import Any

from app_support import Gateway, StreamReader
from personal_support import PERSON, Askers, person_entry, qingcheng_person_entry

import app as gateway_app
import gateway.recognition.query_trail as query_trail


def test_every_entry_of_a_look_that_showed_a_number_in_full_says_so(
    gateway: Gateway, stream: StreamReader, monkeypatch: Any
) -> None:
    askers = Askers(gateway).register()
    askers.push("owner", person_entry())
    askers.push("second_owner", qingcheng_person_entry())
    gateway_app.fan_out_changes(stream.event(), None)
    monkeypatch.setattr(query_trail, "MAX_TRAIL_IDS", 1)
    body = json.dumps({"codes": [PERSON], "purpose": "administrative_approval"}).encode()

    reply = gateway.post_signed("/v1/checks", askers.signers["owner"], None, body)
    assert reply.status_code == 200, reply.json_body
    assert PERSON in reply.body.decode()  # the look showed the number in full

    trail = f"/v1/subjects/{PERSON}/trail"
    every = askers.ask("operator", trail).json_body["entries"]
    assert len(every) == 2  # the look, split in two
    seen_by_second = askers.ask("second_owner", trail).json_body["entries"]
    assert [e["full_ids"] for e in every] == [True, True], every
    assert [e["full_ids"] for e in seen_by_second] == [True], seen_by_second
