"""verify-log's witnesses bound how long a history may go unwitnessed (review 33).

The honest log is test_log_audit's six entries; both witnesses cosigned size 4 (a prefix of
every history) and the honest size 6. The gateway shows one subscriber a fork from entry 6 on,
signed with its own key and never put to a witness. ``--state`` proves only that the
subscriber's view extends itself, so without a bound the fork passed for ever; now entries
beyond the witnessed size are a problem once older than ``witness_lag``.
"""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta

import pytest
from builders import NOW, change, listing, make_uscc, published_tiles, tile_reader, tree_root
from test_log_audit import BLACK_ONLY, CHANGES, ENTRIES, GATEWAY, wants
from test_witness_audit import BOTH, HUBEI, HUNAN, cosigned, line

from gateway.delivery.planning import payload_for, plan_deliveries, stamped
from gateway_client.cli.witness import verify_options
from gateway_client.contract import DeliveryPayload
from gateway_client.contract.log import log_entries, sign_checkpoint
from gateway_client.log_audit import AuditReport, audit
from gateway_client.witness_audit import WITNESS_LAG

FORKED_CHANGES = [*CHANGES[:5], change(listing(credit_code=make_uscc(77), subject_name="某某公司"))]
FORKED = log_entries(1, FORKED_CHANGES)
EARLIER = sign_checkpoint(4, tree_root(FORKED[:4]), NOW, GATEWAY)
FORK6 = sign_checkpoint(6, tree_root(FORKED), NOW, GATEWAY)


def stored_fork() -> list[DeliveryPayload]:
    """What the subscriber shown the fork received of it."""
    planned = [d for c in FORKED_CHANGES for d in plan_deliveries(c, [BLACK_ONLY], [])]
    done = stamped(planned, {e.change_id: e.sequence for e in FORKED}, lambda _s, _c: 1)
    return [payload_for(d, subscriber_region=BLACK_ONLY.region) for d in done]


def audited(now: datetime, lag: timedelta = WITNESS_LAG) -> AuditReport:
    earlier = cosigned(EARLIER, line(HUNAN, EARLIER), line(HUBEI, EARLIER))
    return audit(
        FORKED,
        [earlier, FORK6],  # the honest size 6, cosigned, is never shown to this subscriber
        [GATEWAY.ed25519.private_key.public_key()],
        stored_fork(),
        wants(BLACK_ONLY),
        tile_reader(published_tiles(FORKED, [4, 6])),
        now,
        1,
        witnesses=BOTH,
        witnesses_required=2,
        witness_lag=lag,
    )


def test_the_fork_is_not_what_the_witnesses_cosigned() -> None:
    assert sign_checkpoint(6, tree_root(ENTRIES), NOW, GATEWAY).root != FORK6.root


def test_a_fork_behind_an_old_witnessed_prefix_fails_once_older_than_the_lag() -> None:
    report = audited(NOW + timedelta(days=30))

    assert (report.ok, report.witnessed_through) == (False, 4)
    [problem] = [p for p in report.problems if "witnesses cosigned after" in p]
    assert problem.startswith("log entries from 5 on")


@pytest.mark.parametrize(
    ("later", "lag"), [(timedelta(hours=1), WITNESS_LAG), (timedelta(days=30), timedelta(days=60))]
)
def test_entries_beyond_the_witnessed_size_pass_within_the_lag(
    later: timedelta, lag: timedelta
) -> None:
    report = audited(NOW + later, lag)

    assert report.ok, report.problems
    assert (report.witnessed_through, report.beyond_witnessed) == (4, 1)


@pytest.mark.parametrize("hours", ["0", "-1", "1.5", "１"])
def test_the_lag_is_a_whole_number_of_hours_from_one(hours: str) -> None:
    parser = argparse.ArgumentParser()
    verify_options(parser)

    with pytest.raises(SystemExit):
        parser.parse_args(["--witness-lag-hours", hours])
    assert parser.parse_args(["--witness-lag-hours", "48"]).witness_lag_hours == 48
