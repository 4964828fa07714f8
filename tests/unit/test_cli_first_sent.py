"""What `gateway push --batch-id` keeps of what it first signed under an id: the time, used again
only for the same content and never from the future, in a file written whole (reviews 113 F1,
114 F2, F5, F6)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gateway_client.cli.first_sent import issued_at, state_dir

FIRST = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
LATER = FIRST + timedelta(days=9)


@pytest.fixture(autouse=True)
def kept_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CG_STATE_DIR", str(tmp_path))
    return tmp_path


def test_the_same_content_under_the_same_id_is_signed_as_first_signed() -> None:
    assert issued_at("push", "430100", "b-1", FIRST, b"entries") == FIRST
    assert issued_at("push", "430100", "b-1", LATER, b"entries") == FIRST


def test_other_content_under_an_id_is_signed_now() -> None:
    """A resync the gateway never received, run again with that day's list: its removals are
    versioned now, not before what the region pushed since."""
    issued_at("upload", "430100", "u-1", FIRST, b"the list of the 1st")
    assert issued_at("upload", "430100", "u-1", LATER, b"the list of the 10th") == LATER
    assert issued_at("upload", "430100", "u-1", LATER + timedelta(1), b"the list of the 10th") == (
        LATER
    )


def test_a_time_kept_from_a_clock_ahead_is_not_signed_again_once_it_is_right() -> None:
    ahead = FIRST + timedelta(days=365)
    assert issued_at("push", "430100", "b-2", ahead, b"entries") == ahead
    assert issued_at("push", "430100", "b-2", FIRST, b"entries") == FIRST


def test_ids_regions_and_kinds_are_kept_apart() -> None:
    issued_at("push", "430100", "b-3", FIRST, b"entries")
    assert issued_at("push", "430200", "b-3", LATER, b"entries") == LATER
    assert issued_at("upload", "430100", "b-3", LATER, b"entries") == LATER
    assert issued_at("push", "../..", "../b-3", LATER, b"x") == LATER  # a file name of its own
    assert all(p.parent == state_dir() / "issued" for p in state_dir().rglob("*") if p.is_file())


def test_a_file_left_half_written_is_as_good_as_none(kept_in: Path) -> None:
    issued_at("push", "430100", "b-4", FIRST, b"entries")
    [kept] = (kept_in / "issued").iterdir()
    kept.write_text("", encoding="utf-8")  # a run cut short while keeping it, under the old way
    assert issued_at("push", "430100", "b-4", LATER, b"entries") == LATER
    assert issued_at("push", "430100", "b-4", LATER + timedelta(1), b"entries") == LATER


def test_without_an_id_nothing_is_kept(kept_in: Path) -> None:
    assert issued_at("push", "430100", None, FIRST, b"entries") == FIRST
    assert not (kept_in / "issued").exists()


def test_the_first_content_again_after_another_under_its_id_is_signed_as_first() -> None:
    """Pushed by mistake under the same id, another file (409) does not cost the first its
    time: sent again, it still gets its first reply (review 117 F5)."""
    issued_at("push", "430100", "b-5", FIRST, b"file A")
    assert issued_at("push", "430100", "b-5", LATER, b"file B") == LATER
    assert issued_at("push", "430100", "b-5", LATER + timedelta(1), b"file A") == FIRST
