"""``prolonged``: which field of a later version keeps a bad credit record in force longer than
the version held (reviews 250 and 257), on generated periods."""

from __future__ import annotations

from datetime import date, timedelta

from builders import ABSENT, listing
from hypothesis import given
from hypothesis import strategies as st

from gateway_client.contract import Listing, effective_valid_until, prolonged

START = date(2025, 3, 2)
NUMBER = "(2025)粤1802执123号"  # the listings' own decision (``builders.entry``)
EXTENSION = {"decision_number": "(2026)粤1802执恢1号", "decided_on": "2027-01-05", "years": 1}
ends = st.one_of(st.none(), st.integers(40, 700).map(lambda d: START + timedelta(days=d)))


def version(until: date | None, **overrides: object) -> Listing:
    valid_until = until.isoformat() if until is not None else ABSENT
    return listing(valid_until=valid_until, **overrides)


@given(ends, ends, st.integers(-30, 30))
def test_a_version_is_prolonged_exactly_when_it_ends_later(
    held_end: date | None, new_end: date | None, shift: int
) -> None:
    """Whatever moved (its start, its end), only an end later than the held one's counts, and
    it is named by its own field where it gave one, else by its start."""
    start = (START + timedelta(days=shift)).isoformat()
    held = version(held_end)
    new = version(new_end, valid_from=start, decided_on=min(start, "2025-03-01"))
    ends = effective_valid_until(held) or date.max
    later = (effective_valid_until(new) or date.max) > ends
    field = (
        "valid_until" if (new_end is not None and new_end > ends) or shift <= 0 else "valid_from"
    )
    assert prolonged(new, held, NUMBER) == (field if later else None)


def test_a_red_listing_is_its_owners_to_lengthen() -> None:
    held = version(
        START + timedelta(days=100), kind="red", domain="a_grade_taxpayer", severity=ABSENT
    )
    longer = version(
        START + timedelta(days=400), kind="red", domain="a_grade_taxpayer", severity=ABSENT
    )
    assert prolonged(longer, held, NUMBER) is None


def test_open_ended_and_a_graver_severity_are_named() -> None:
    held = version(None, domain="ecology_environment", severity="relatively_serious")
    graver = version(None, domain="ecology_environment", severity="serious")
    assert prolonged(graver, held, NUMBER) == "severity"
    assert prolonged(held, graver, NUMBER) is None


def test_only_an_extension_other_than_the_one_held_may_end_it_later() -> None:
    held = version(None)
    extended = version(None, extension=EXTENSION)
    assert prolonged(extended, held, NUMBER) is None
    ending = version(START + timedelta(days=700), extension=EXTENSION)
    later = version(START + timedelta(days=1000), extension=EXTENSION)  # the same extension
    assert prolonged(later, ending, NUMBER) == "valid_until"
    respelt = EXTENSION | {"decision_number": "（2026）粤1802执恢1号", "years": 2}
    assert prolonged(version(None, extension=respelt), extended, NUMBER) == "extension"
    another = EXTENSION | {"decision_number": "(2027)粤1802执恢2号", "years": 2}
    assert prolonged(version(None, extension=another), extended, NUMBER) is None


def test_a_new_extension_adds_its_years_and_no_more() -> None:
    """Review 260: with one, a later start or a graver severity ran on past its years."""
    held = version(START + timedelta(days=700))
    extension = EXTENSION | {"years": 1}
    by_its_years = version(START + timedelta(days=700 + 365), extension=extension)
    assert prolonged(by_its_years, held, NUMBER) is None
    restarted = version(None, extension=extension, valid_from="2025-12-01", decided_on="2025-12-01")
    assert prolonged(restarted, held, NUMBER) == "valid_from"
    beyond = version(START + timedelta(days=700 + 400), extension=extension)
    assert prolonged(beyond, held, NUMBER) == "valid_until"


def test_the_listings_own_decision_is_no_extension() -> None:
    """Review 260: named as an extension, its own number gave years more."""
    held = version(None)
    own = EXTENSION | {"decision_number": "（2025）粤1802执123号", "decided_on": "2025-03-01"}
    assert prolonged(version(None, extension=own), held, NUMBER) == "extension"
