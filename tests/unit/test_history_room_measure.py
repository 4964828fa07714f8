"""How a listing's history counts against its bound (``gateway.lifecycle.history_room``): as
every region sees it, so that a masked region learns nothing of withheld words from whether its
filing is refused (review 383), and never less than what is stored."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from gateway.lifecycle.history_room import (
    FILING_STEP_BYTES,
    NOTED_EVENTS,
    NOTED_STEP_BYTES,
    charged_bytes,
)
from gateway_client.contract import ListingStatus, Transition

AT = datetime(2026, 12, 7, 23, 59, 59, 999999, tzinfo=UTC)
LONGEST = "\U00020000" * 2000  # the longest note or old reason: 2,000 four-byte characters


def step(event: str, reason: str, note: str | None = None) -> Transition:
    return Transition(
        event=event,  # type: ignore[arg-type]
        status=ListingStatus.SUSPENDED,
        at=AT,
        by="operator",
        reason=reason,
        note=note,
    )


@given(st.sampled_from(sorted(NOTED_EVENTS)), st.text(max_size=2000), st.booleans())
def test_a_step_that_may_hold_withheld_words_counts_the_same_whatever_they_are(
    event: str, words: str, in_reason: bool
) -> None:
    """A note, or words an old step kept in its reason, change nothing of the count."""
    held = step(event, f"removed: revoked — {words}" if in_reason else "removed: revoked", words)

    assert charged_bytes([held]) == charged_bytes([step(event, "removed: revoked")])


def test_no_such_step_is_larger_than_it_counts() -> None:
    """Its words are either its note (now) or in its reason (before notes were kept apart)."""
    for event in NOTED_EVENTS:
        for largest in (
            step(event, "removed: revoked — a resync's own words", LONGEST),
            step(event, "removed: revoked — " + LONGEST),
            step(event, "credit repair: " + LONGEST),
            step(event, "performed on 2026-01-01 corrected to 2026-01-02", LONGEST),
        ):
            assert len(largest.model_dump_json().encode()) <= NOTED_STEP_BYTES
    old = step("objection_verified", f"objection {'o' * 64} verified: {LONGEST}")
    assert charged_bytes([old]) == NOTED_STEP_BYTES >= len(old.model_dump_json().encode())


@given(st.text(max_size=2000), st.sampled_from([": ", " — "]))
def test_an_old_verification_s_words_change_nothing_of_the_count(words: str, sep: str) -> None:
    """Review 385: they were counted at their length, which masked views do not show."""
    old = step("objection_verified", f"objection o-1 verified{sep}{words or 'x'}")

    assert charged_bytes([old]) == NOTED_STEP_BYTES
    assert charged_bytes([step("objection_verified", "objection o-1 verified")]) < 300


def test_no_filing_step_is_larger_than_it_counts() -> None:
    filed = step("objection_filed", f"objection {'x' * 64} filed")

    assert len(filed.model_dump_json().encode()) <= FILING_STEP_BYTES
