"""Which days a subject's black listing held its red listings' incentives back from first
moment to last (``feedback_yield``): only those refuse an incentive reported executed."""

from __future__ import annotations

from datetime import date, datetime

from builders import listing, red_entry

from gateway.recognition.feedback_yield import held_back_on
from gateway_client.contract import CHINA, Listing, ListingStatus

RED = listing(red_entry())
LISTED = datetime(2025, 3, 2, 10, 0, tzinfo=CHINA)  # the black listing: in force 03-02 to 2027


def _black(accepted_at: datetime = LISTED, status: ListingStatus = ListingStatus.ACTIVE) -> Listing:
    return listing(accepted_at=accepted_at).model_copy(
        update={"listed_at": LISTED, "status": status}
    )


def test_a_day_in_force_throughout_holds_the_incentives_back() -> None:
    assert held_back_on(date(2025, 3, 3), RED, [_black()]) is not None


def test_the_day_it_was_listed_its_first_day_and_its_end_day_do_not() -> None:
    black = _black()
    assert held_back_on(date(2025, 3, 2), RED, [black]) is None  # valid from, and listed, then
    assert held_back_on(date(2027, 3, 2), RED, [black]) is None  # its end day: not in force
    assert held_back_on(date(2027, 3, 1), RED, [black]) is not None  # its last full day


def test_days_before_the_version_held_now_are_not_judged() -> None:
    """Its severity or period may have been other then (review 249)."""
    repushed = _black(accepted_at=datetime(2025, 4, 1, 12, 0, tzinfo=CHINA))
    assert held_back_on(date(2025, 3, 15), RED, [repushed]) is None
    assert held_back_on(date(2025, 4, 1), RED, [repushed]) is None
    assert held_back_on(date(2025, 4, 2), RED, [repushed]) is not None


def test_a_black_listing_not_in_force_holds_nothing_back() -> None:
    for status in (ListingStatus.SUSPENDED, ListingStatus.REVOKED, ListingStatus.EXPIRED):
        assert held_back_on(date(2025, 3, 3), RED, [_black(status=status)]) is None


def test_a_black_listing_itself_and_no_black_listing_hold_nothing_back() -> None:
    black = _black()
    assert held_back_on(date(2025, 3, 3), black, [black]) is None
    assert held_back_on(date(2025, 3, 3), RED, [RED]) is None
    assert held_back_on(date(2025, 3, 3), None, [black]) is None
