"""Which days a subject's black listing held its red listings' incentives back from first
moment to last (``feedback_yield``): only those refuse an incentive reported executed."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from builders import listing, red_entry

from gateway.recognition.feedback_yield import held_back_on
from gateway_client.contract import CHINA, Listing, ListingStatus, Transition

RED = listing(red_entry())
LISTED = datetime(2025, 3, 2, 10, 0, tzinfo=CHINA)  # the black listing: in force 03-02 to 2027
STAMPED = datetime(2025, 3, 2, 8, 0, tzinfo=CHINA)  # its content's stamp (the builders')


def _black(*steps: tuple[datetime, ListingStatus], stamped: datetime = STAMPED) -> Listing:
    history = tuple(
        Transition(event="objection_filed", status=status, at=at, by="441802", reason="x")
        for at, status in steps
    )
    held = listing(accepted_at=steps[-1][0] if steps else LISTED)
    update = {"listed_at": LISTED, "history": history, "source_updated_at": stamped}
    return held.model_copy(update={**update, "status": steps[-1][1] if steps else held.status})


def test_a_day_in_force_throughout_holds_the_incentives_back() -> None:
    assert held_back_on(date(2025, 3, 3), RED, [_black()]) is not None


def test_the_day_it_was_listed_its_first_day_and_its_end_day_do_not() -> None:
    black = _black()
    assert held_back_on(date(2025, 3, 2), RED, [black]) is None  # valid from, and listed, then
    assert held_back_on(date(2027, 3, 2), RED, [black]) is None  # its end day: not in force
    assert held_back_on(date(2027, 3, 1), RED, [black]) is not None  # its last full day


def test_a_day_it_was_suspended_for_a_while_does_not_and_later_steps_unjudge_nothing() -> None:
    """Review 251: an objection filed since, or a removal, left every earlier day unjudged."""
    noon = datetime(2025, 4, 1, 12, 0, tzinfo=CHINA)
    black = _black(
        (noon, ListingStatus.SUSPENDED),
        (noon + timedelta(days=1), ListingStatus.ACTIVE),
        (datetime(2025, 5, 1, 9, 0, tzinfo=CHINA), ListingStatus.REVOKED),
    )
    assert held_back_on(date(2025, 3, 20), RED, [black]) is not None
    assert held_back_on(date(2025, 4, 1), RED, [black]) is None
    assert held_back_on(date(2025, 4, 2), RED, [black]) is None
    assert held_back_on(date(2025, 4, 3), RED, [black]) is not None
    assert held_back_on(date(2025, 5, 1), RED, [black]) is None  # revoked that morning
    assert held_back_on(date(2025, 5, 2), RED, [black]) is None


def test_days_before_the_content_held_now_are_not_judged() -> None:
    """Its severity or period may have been other then (review 249)."""
    repushed = _black(stamped=datetime(2025, 4, 1, 12, 0, tzinfo=CHINA))
    assert held_back_on(date(2025, 3, 15), RED, [repushed]) is None
    assert held_back_on(date(2025, 4, 1), RED, [repushed]) is None
    assert held_back_on(date(2025, 4, 2), RED, [repushed]) is not None


def test_a_black_listing_itself_and_no_black_listing_hold_nothing_back() -> None:
    black = _black()
    assert held_back_on(date(2025, 3, 3), black, [black]) is None
    assert held_back_on(date(2025, 3, 3), RED, [RED]) is None
    assert held_back_on(date(2025, 3, 3), None, [black]) is None


def test_content_a_reassignment_put_in_place_is_dated_from_the_reassignment() -> None:
    """Review 253: a reassignment stamps its content just after the version it replaced."""
    moved = datetime(2025, 4, 1, 12, 0, tzinfo=CHINA)
    held = _black()
    step = Transition(
        event="reassigned", status=ListingStatus.ACTIVE, at=moved, by="operator", reason="x"
    )
    reassigned = held.model_copy(update={"history": (step,), "accepted_at": moved})
    assert held_back_on(date(2025, 3, 15), RED, [reassigned]) is None
    assert held_back_on(date(2025, 4, 2), RED, [reassigned]) is not None


def test_a_black_listing_is_named_only_if_seen() -> None:
    black = _black()
    unseen = held_back_on(date(2025, 3, 3), RED, [black])
    named = held_back_on(date(2025, 3, 3), RED, [black], {black.listing_id})
    assert unseen is not None
    assert black.listing_id not in unseen
    assert black.domain not in unseen
    assert named is not None
    assert black.listing_id in named
