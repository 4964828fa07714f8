"""Review 349: the nation never relays (``gateway.ownership.relay_allowed``), so no genuine
restatement names 100000 among a listing's provenances. verify-log's restatement check took
any added provenance in the origin's chain, the nation's included: a restatement inventing a
relay by the nation passed as genuine, where one inventing a relay by 110000 was caught."""

from __future__ import annotations

import pytest
from test_log_audit import STORED, mentioning, restatement_of, run, stored_for


@pytest.mark.parametrize("relay", ["100000", "110000"], ids=["the-nation", "outside-the-chain"])
def test_a_restatement_inventing_a_relay_is_caught(relay: str) -> None:
    logged = stored_for(6)
    held = logged.data.listing.provenances
    assert relay not in held
    invented = restatement_of(logged, provenances=(*held, relay))

    report = run(deliveries=[*STORED, invented])

    assert mentioning(report, invented.delivery_id, "restates listing", "altered"), report.problems
