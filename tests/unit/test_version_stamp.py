"""A version stamp (``version_of``) is written by ``isoformat`` now; it must read exactly as
the ``strftime`` format it replaces wrote it, so versions stored before compare as they did."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from gateway_client.contract import version_of

ZONES = st.sampled_from(
    [UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-3, minutes=-30))]
)


@given(
    st.datetimes(min_value=datetime(1000, 1, 2), max_value=datetime(9999, 12, 30), timezones=ZONES),
    st.integers(min_value=0, max_value=10**12),
)
def test_the_stamp_reads_as_strftime_wrote_it(at: datetime, sequence: int) -> None:
    before = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ") + f"#{sequence:013d}"
    assert version_of(at, sequence) == before
