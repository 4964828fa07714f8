"""The files `gateway push` reads: an array of entries, NDJSON, or the wire's shape
``{"entries": [...], "removals": [...]}``; a member of another type is named, not sent as
something else (review 117 F6)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway_client.cli.errors import CliError, read_batch


def written(tmp_path: Path, text: str) -> str:
    path = tmp_path / "batch.json"
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ('[{"a": 1}, {"a": 2}]', ([{"a": 1}, {"a": 2}], [])),
        ('{"a": 1}\n{"a": 2}\n', ([{"a": 1}, {"a": 2}], [])),
        ('{"a": 1,\n "b": 2}', ([{"a": 1, "b": 2}], [])),
        ('{"entries": [{"a": 1}], "removals": [{"r": 1}]}', ([{"a": 1}], [{"r": 1}])),
        ('{"removals": [{"r": 1}]}', ([], [{"r": 1}])),
    ],
)
def test_each_shape_is_read_as_entries_and_removals(tmp_path: Path, text: str, read: tuple) -> None:
    assert read_batch(written(tmp_path, text)) == read


@pytest.mark.parametrize(
    "text",
    ['{"entries": null}', '{"removals": null}', '{"entries": {"a": 1}}', '{"entries": "abc"}'],
)
def test_a_member_that_is_no_array_is_named(tmp_path: Path, text: str) -> None:
    with pytest.raises(CliError, match="must be a JSON array"):
        read_batch(written(tmp_path, text))


def test_a_whole_push_body_is_refused_with_what_to_give_instead(tmp_path: Path) -> None:
    """Read as one entry, it failed as an entry with a dozen missing fields (review 113)."""
    body = '{"batch_id": "b-1", "issued_at": "2026-12-01T08:00:00Z", "entries": [{"a": 1}]}'

    with pytest.raises(CliError, match="holds batch_id, issued_at beside entries or removals"):
        read_batch(written(tmp_path, body))
