"""A refusal never repeats a person back: an ID number used as a key, a parameter name or an
unexpected body's field is masked where the refusal names it, and a name typed where a catalogue
key or a field name goes is not quoted at all — refusals are answered, kept with a push's or an
upload's result, and shown in the console (review 47c F6)."""

from __future__ import annotations

import json
from typing import Any

from app_support import CITY, Gateway, black_entry, new_batch_id

ID_NUMBER = "11010519491231002X"
NAME = "张三丰"


def test_a_key_repeated_in_an_entry_is_named_masked(gateway: Gateway) -> None:
    city = gateway.register_platform(CITY)
    batch_id = new_batch_id()
    entry = json.dumps(black_entry(), ensure_ascii=False)[:-1]
    entry += f', "{ID_NUMBER}": 1, "{ID_NUMBER}": 2}}'
    raw = json.dumps({"region": CITY, "batch_id": batch_id, "issued_at": "x", "entries": []})
    raw = raw.replace('"entries": []', f'"entries": [{entry}]')

    reply = gateway.post_signed("/v1/pushes", city, batch_id, raw.encode())

    assert (reply.status_code, reply.json_body["error"]["code"]) == (400, "duplicate_key")
    assert ID_NUMBER not in reply.body.decode()
    assert reply.json_body["error"]["path"] == "entries.0.(not a field name)"  # review 49


def test_an_unexpected_body_or_parameter_is_named_masked(gateway: Gateway) -> None:
    operator = gateway.operator()
    body = json.dumps({ID_NUMBER: 1}).encode()

    replies = [
        gateway.client.http.post("/v1/persons/reindex", headers=operator, body=body),
        gateway.client.http.get(f"/v1/activity?{ID_NUMBER}=1", headers=operator),
    ]

    assert [r.status_code for r in replies] == [400, 400]
    assert [r.json_body["error"]["path"] for r in replies] == ["110105***********X"] * 2
    assert not any(ID_NUMBER in r.body.decode() for r in replies)


def test_a_name_where_a_domain_or_a_field_name_goes_is_not_quoted(gateway: Gateway) -> None:
    city = gateway.register_platform(CITY)
    entries: list[Any] = [
        black_entry(domain=NAME),
        {**black_entry(decision_number="(2024)黑09执2号"), NAME: "x"},
    ]

    reply = gateway.push(city, CITY, entries)

    errors = reply.json_body["errors"]
    assert [(e["index"], e["code"]) for e in errors] == [
        (0, "unknown_domain"),
        (1, "unknown_field"),
    ]
    assert NAME not in json.dumps(reply.json_body, ensure_ascii=False)
    assert errors[1]["field"] == "(not a field name)"


def test_an_unknown_ascii_field_is_still_named(gateway: Gateway) -> None:
    """Review 47d F8: every unknown field outside ``[A-Za-z0-9_+-]`` was named by one
    placeholder (``$schema``, ``source.updated_at``), so two could not be told apart."""
    city = gateway.register_platform(CITY)
    entry = {**black_entry(), "$schema": "x", "source.updated_at": "y"}

    reply = gateway.push(city, CITY, [entry])

    assert sorted(e["field"] for e in reply.json_body["errors"]) == ["$schema", "source.updated_at"]
