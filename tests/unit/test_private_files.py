"""A private file is its owner's alone, whether it is new or was there before, wider."""

from __future__ import annotations

from pathlib import Path

from gateway_client.private_files import write_private


def test_a_new_or_an_existing_file_is_left_readable_by_its_owner_alone(tmp_path: Path) -> None:
    old = tmp_path / "old.json"
    old.write_text("a longer earlier content\n", encoding="utf-8")
    old.chmod(0o644)

    for path in (tmp_path / "new.json", old):
        write_private(path, "[]\n")

    assert [(p.read_text(), p.stat().st_mode & 0o777) for p in (tmp_path / "new.json", old)] == [
        ("[]\n", 0o600),
        ("[]\n", 0o600),
    ]
