"""The upload's own step of a split resync judges and saves the ranges' sums as they are once
every range is done, not as they were when its run took the lease: a range that ended in
between holds the removals back with its rejected line (the listing it names stays), and the
month's pushes count its lines (review 227)."""

from __future__ import annotations

from typing import Any

import pytest
from app_support import CITY, Gateway
from lifecycle_support import recent_entry
from upload_support import ask, pushes, ranges_of_two, split_in_two

from chalicelib.bootstrap import container
from gateway_client.contract.listing import ListingEntry, identity_of


def _split_resync_with_a_late_range(
    gateway: Gateway, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, str]:
    city = gateway.register_platform(CITY)
    held = [recent_entry(decision_number=f"(2026)黑09执{n}号") for n in range(1, 5)]
    assert gateway.push(city, CITY, held).json_body["accepted"] == 4
    ingest = ranges_of_two(monkeypatch)
    # the 4th line names the 4th listing, but carelessly: rejected in pass 2 (and pass 1)
    broken = dict(held[3], decided_on="not a date")
    resync = {"mode": "resync", "domains": ["court_defaulter"], "force": True}
    asked = ask(gateway, city, [*held[:3], broken], **resync)
    version = split_in_two(aws, asked)
    assert ingest.process_range(CITY, asked.upload_id, 0) is not None
    waiting = ingest._waiting

    def range_1_ends_meanwhile(upload: Any) -> Any:
        # a duplicate notice's run holds the upload; range 1's run ends meanwhile (its own
        # call of the upload's step finds the lease held: closing, later)
        ran = ingest.process_range(CITY, asked.upload_id, 1)
        assert ran is not None
        assert ran.after.done
        assert ran.closing
        return waiting(upload)

    monkeypatch.setattr(ingest, "_waiting", range_1_ends_meanwhile)
    ingest.process(CITY, asked.upload_id, version)  # the duplicate notice
    monkeypatch.setattr(ingest, "_waiting", waiting)
    ingest.process(CITY, asked.upload_id, version)  # range 1's closing, later
    return asked.upload_id, identity_of(ListingEntry.model_validate(held[3]))


@pytest.mark.roles_unchecked("it sets the ingest function's range size on its container")
def test_a_rejected_line_of_a_range_ended_meanwhile_holds_the_removals_back(
    gateway: Gateway, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    upload_id, fourth = _split_resync_with_a_late_range(gateway, aws, monkeypatch)
    done = container().uploads.get(CITY, upload_id)
    assert done is not None
    assert (done.status.value, done.rejected) == ("completed", 1), done
    # a resync with a rejected line removes nothing (its listing would look absent)
    assert done.removal == "withheld", (done.removal, done.removed)
    [listing] = container().listings.current([(recent_entry()["credit_code"], fourth)]).values()
    assert listing.status.value == "active", listing.status


@pytest.mark.roles_unchecked("it sets the ingest function's range size on its container")
def test_the_month_s_pushes_count_a_range_ended_meanwhile(
    gateway: Gateway, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = pushes(gateway)
    upload_id, _ = _split_resync_with_a_late_range(gateway, aws, monkeypatch)
    done = container().uploads.get(CITY, upload_id)
    assert done is not None
    after = pushes(gateway)
    got = {k: after[k] - before[k] for k in ("duplicate", "rejected")}
    # the pushed listings come again: 3 duplicates, 1 rejected line
    assert (
        got
        == {"duplicate": done.duplicate, "rejected": done.rejected}
        == {
            "duplicate": 3,
            "rejected": 1,
        }
    ), (got, done.duplicate, done.rejected)
