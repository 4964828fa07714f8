"""The push envelope: malformed JSON and schema errors, with the offending path."""

from __future__ import annotations

import json
from typing import Any

import pytest
from builders import CITY, NOW, envelope_body

from gateway.intake.push import MAX_ENTRIES, parse_envelope
from gateway_client.contract.errors import MalformedJson, SchemaError


def envelope(**overrides: Any) -> dict[str, Any]:
    base = json.loads(envelope_body(CITY, [], "b-1", NOW))
    base.update(overrides)
    return base


def schema_error(raw: Any) -> SchemaError:
    with pytest.raises(SchemaError) as caught:
        parse_envelope(json.dumps(raw).encode())
    return caught.value


def test_a_well_formed_envelope_parses() -> None:
    parsed = parse_envelope(envelope_body(CITY, [{"any": "entry"}], "b-1", NOW))
    assert (parsed.region, parsed.batch_id, parsed.issued_at, parsed.entries) == (
        CITY,
        "b-1",
        NOW,
        [{"any": "entry"}],
    )


@pytest.mark.parametrize("body", [b"{", b"", b"not json", b'{"region": "4418', b"\xff\xfe{}"])
def test_a_body_that_is_not_utf8_json_is_malformed(body: bytes) -> None:
    with pytest.raises(MalformedJson):
        parse_envelope(body)


def test_a_missing_region_is_a_schema_error_at_region() -> None:
    raw = envelope()
    del raw["region"]
    error = schema_error(raw)
    assert (error.context["path"], error.context["errors"][0]["code"]) == (
        "region",
        "missing_field",
    )


def test_a_region_that_is_not_a_division_code_is_a_schema_error_at_region() -> None:
    assert schema_error(envelope(region="44180")).context["path"] == "region"


def test_a_naive_issued_at_is_a_schema_error_at_issued_at() -> None:
    assert schema_error(envelope(issued_at="2025-06-02T09:30:00")).context["path"] == "issued_at"


def test_a_batch_id_with_a_slash_is_a_schema_error_at_batch_id() -> None:
    error = schema_error(envelope(batch_id="../etc/passwd"))
    assert (error.context["path"], error.context["errors"][0]["code"]) == (
        "batch_id",
        "invalid_format",
    )


def test_entries_that_are_not_a_list_are_a_schema_error_at_entries() -> None:
    assert schema_error(envelope(entries={"0": {}})).context["path"] == "entries"


def test_too_many_entries_are_a_schema_error_at_entries() -> None:
    error = schema_error(envelope(entries=[{}] * (MAX_ENTRIES + 1)))
    assert (error.context["path"], error.context["errors"][0]["code"]) == (
        "entries",
        "invalid_length",
    )


def test_an_unknown_top_level_field_is_a_schema_error_at_that_field() -> None:
    error = schema_error(envelope(signature="x"))
    assert (error.context["path"], error.context["errors"][0]["code"]) == (
        "signature",
        "unknown_field",
    )


def test_a_json_array_body_is_a_schema_error_at_the_root() -> None:
    error = schema_error([1, 2, 3])
    # the root is the body, in the error and in each of its errors (review 317)
    assert (error.context["path"], error.context["errors"][0]["code"]) == ("body", "invalid_type")
    assert error.context["errors"][0]["path"] == "body"


def test_a_schema_error_lists_every_problem() -> None:
    raw = envelope(region="x")
    del raw["batch_id"]
    paths = {problem["path"] for problem in schema_error(raw).context["errors"]}
    assert paths == {"region", "batch_id"}
