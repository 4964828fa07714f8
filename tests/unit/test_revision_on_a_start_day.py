"""A revision saved on a day another agreement of its region begins, before that day's tick
(review 167 F1): each listing the two now recognise alike is told once — by the revision's
job, which compares the other agreement as last told — and the day's date job, starting from
the revision, tells it no second time. Compared as in effect on both sides, it was told by
neither job, and the region kept its "not recognised" of the day before. The listings were
fanned out the day before (one fanned out today was told with the agreement that began today
in effect, and is compared so: review 271)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from builders import NOW, agreement
from test_delivery_services import HUNAN, desk, terms
from test_reevaluation_job import SAVED_BEFORE, TODAY

from gateway.delivery import daily_reevaluations

YESTERDAY = NOW - timedelta(days=1)


def test_a_listing_recognised_by_both_is_told_once_and_not_again_by_the_tick() -> None:
    begins = agreement("agr-begins", effective_from=TODAY.isoformat())
    other = agreement("agr-other", domains=["food_drug"])  # recognises neither listing
    begins, other = (x.model_copy(update={"updated_at": SAVED_BEFORE}) for x in (begins, other))
    service, agreements, queue = desk(begins, other, accepted_at=YESTERDAY)
    service.outbox.date_through(TODAY - timedelta(days=1))  # today's tick has not run

    service.revise("agr-other", terms(domains=[]))  # now both recognise court defaulters
    by_revision = Counter(d.change.listing.listing_id for d in queue.sent)
    daily_reevaluations(agreements.all(), service.outbox, service.trigger, TODAY, NOW)
    by_both = Counter(d.change.listing.listing_id for d in queue.sent)

    assert len(by_revision) == 2  # the desk's two 广东 listings
    assert set(by_revision.values()) == {1}
    assert by_both == by_revision


def test_a_second_revision_that_day_tells_nothing_the_first_told_already() -> None:
    """The second compares from the day of the first (``revised_on``): the agreement that began
    today stands in effect on both sides, as the first job told it."""
    begins = agreement("agr-begins", effective_from=TODAY.isoformat())
    other = agreement("agr-other", domains=["food_drug"])
    begins, other = (x.model_copy(update={"updated_at": SAVED_BEFORE}) for x in (begins, other))
    service, agreements, queue = desk(begins, other, accepted_at=YESTERDAY)
    service.outbox.date_through(TODAY - timedelta(days=1))
    service.revise("agr-other", terms(domains=[]))
    told = len(queue.sent)

    service.revise("agr-other", terms(domains=["court_defaulter"]))  # recognises them still
    daily_reevaluations(agreements.all(), service.outbox, service.trigger, TODAY, NOW)

    assert (told, len(queue.sent)) == (2, 2)


def test_a_revision_stamped_before_midnight_and_saved_after_another_is_of_the_later_day() -> None:
    """Stamped on the day before the region's last revision (a slow request across midnight
    Beijing), it is that later day's revision: the day stays, and its job compares on it
    (review 175: the day moved back, and the next date job carried what the limit had not
    counted)."""
    service, _, _ = desk(agreement("agr-other"))
    tomorrow = TODAY + timedelta(days=1)
    service.outbox.revised[HUNAN] = tomorrow  # a revision saved just after midnight

    saved = service.revise("agr-other", terms(domains=["court_defaulter"]))

    assert service.outbox.revised == {HUNAN: tomorrow}
    assert service.outbox.jobs[saved.reevaluation].on == tomorrow
