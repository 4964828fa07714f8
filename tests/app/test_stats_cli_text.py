"""`gateway stats` prints a month with no new listings as it prints their share: "-", not
"median None working days" (review 145)."""

from __future__ import annotations

from app_support import CITY, Gateway
from lifecycle_support import Lifecycle, this_month

from gateway_client.cli.subject_table import render_stats


def test_a_month_without_new_listings_has_no_median_to_print(gateway: Gateway) -> None:
    gateway.register_platform(CITY)
    stats = Lifecycle(gateway).stats(CITY, this_month()).json_body
    assert stats["publication"]["median_working_days"] is None

    text = render_stats(stats)

    assert "None" not in text
    assert "median - working days from decision to the exchange, - within 7" in text
