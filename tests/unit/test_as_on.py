"""``as_on``: a lookup judges a stored listing as the tick's run on its day will have written it,
without waiting for that run (review 87 F3)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from builders import CITY, NOW, listing
from hypothesis import given
from hypothesis import strategies as st

from gateway.lifecycle import as_on
from gateway.lifecycle.rules import expire, expiry_due
from gateway_client.contract import CHINA, ListingStatus, Transition, china_date

START = china_date(NOW)


@given(
    ends_in=st.integers(min_value=1, max_value=400),
    asked_in=st.integers(min_value=0, max_value=800),
    status=st.sampled_from(list(ListingStatus)),
)
def test_a_lookup_reads_what_the_tick_will_write(
    ends_in: int, asked_in: int, status: ListingStatus
) -> None:
    ends = START + timedelta(days=ends_in)
    held = listing(valid_until=ends.isoformat()).model_copy(update={"status": status})
    day = START + timedelta(days=asked_in)

    seen = as_on(held, day)

    if expiry_due(held, day):
        written = expire(held, datetime.combine(day, time(12), CHINA))
        assert seen.status is written.status is ListingStatus.EXPIRED
        assert seen.history[:-1] == held.history
        assert seen.history[-1].event == written.history[-1].event
        assert seen.history[-1].at == datetime.combine(ends, time(), CHINA)
        assert as_on(seen, day) == seen  # judged once: a second reading adds no step
    else:
        assert seen == held
    assert seen.version == held.version  # an action on it names the stored version


def test_the_expiry_step_follows_a_step_taken_after_the_period_ended() -> None:
    ends = START + timedelta(days=3)
    held = listing(valid_until=ends.isoformat())
    later = datetime.combine(ends, time(9), CHINA)
    filed = Transition(
        event="objection_filed", status=ListingStatus.SUSPENDED, at=later, by=CITY, reason="异议"
    )
    suspended = held.model_copy(
        update={"status": ListingStatus.SUSPENDED, "history": (*held.history, filed)}
    )

    seen = as_on(suspended, date.fromordinal(ends.toordinal() + 1))

    assert seen.status is ListingStatus.EXPIRED
    assert seen.history[-1].at == later
