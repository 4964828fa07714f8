"""Review 381: a batch whose write loses a race to ``theirs`` answers as the same
entries sent one by one after ``theirs`` (but superseded ones)."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_batch_as_one_by_one_admitted import (
    CITY,
    COUNTY,
    NOW,
    RESIDENT_ID,
    TODAY,
    USCC,
    _answers,
    _entry,
    _Store,
)

from gateway.intake.admission import admission_problems
from gateway.intake.storing import store
from gateway.promotion import promote


class _Racing(_Store):
    def __init__(self, held, theirs):  # type: ignore[no-untyped-def]
        super().__init__(held)
        self.theirs = theirs

    def write(self, writes, region):  # type: ignore[no-untyped-def]
        if self.theirs is not None and any(
            w[0].listing_id == self.theirs.listing_id for w in writes
        ):
            x, self.theirs = self.theirs, None
            self.held[x.listing_id] = x
        return super().write(writes, region)


@settings(
    max_examples=300,
    deadline=None,
    report_multiple_bugs=False,
    suppress_health_check=list(HealthCheck),
)
@given(
    data=st.data(),
    code=st.sampled_from([USCC, RESIDENT_ID]),
    kind=st.sampled_from(["black", "evaluation", "commitment"]),
    relays=st.booleans(),
    hold=st.booleans(),
)
def test_a_lost_race_answers_as_after_the_winner(data, code, kind, relays, hold):  # type: ignore[no-untyped-def]
    strategy = _entry(code, kind)
    first = data.draw(strategy).model_copy(update={"origin_region": COUNTY})
    base = promote(first, COUNTY, NOW)
    win = data.draw(strategy).model_copy(update={"origin_region": COUNTY})
    theirs = promote(win, COUNTY, NOW)
    if theirs.listing_id != base.listing_id:
        return
    held = {base.listing_id: base} if hold else {}
    if hold and theirs.version <= base.version:
        return
    theirs = theirs if not hold else theirs.model_copy(update={"listed_at": base.listed_at})
    drawn = data.draw(st.lists(strategy, min_size=1, max_size=4))
    entries = [
        (i, promote(x, CITY, NOW))
        for i, x in enumerate(drawn)
        if not admission_problems(x, CITY, relays, NOW, timedelta(minutes=5), (), 5)
    ]
    if not entries:
        return
    raced = _Racing(held, theirs)
    together = _answers(store(raced, entries, CITY, relays, lambda ids: {}, TODAY, 5))
    if raced.theirs is not None:
        return  # no write was tried: no race
    after = _Store({**held, theirs.listing_id: theirs})
    alone = {}
    for one in entries:
        alone |= _answers(store(after, [one], CITY, relays, lambda ids: {}, TODAY, 5))
    superseded = {i for i in alone if (alone[i], together.get(i)) == ("accepted", "duplicate")}
    assert all(together[i] == alone[i] or i in superseded for i in alone), (
        alone,
        together,
        [(x.origin_region, x.version[-22:]) for _, x in entries],
        theirs.version[-22:],
    )
