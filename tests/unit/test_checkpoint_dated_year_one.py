"""A checkpoint's ``at`` is not signed. One the gateway served dated in the first minutes of
year 1 made ``trusted_checkpoints`` subtract ``SKEW`` from it for every larger checkpoint: an
OverflowError escaped ``verify-log`` instead of a report (review 307)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from builders import (
    NOW,
    change,
    gateway_signers,
    listing,
    make_uscc,
    published_tiles,
    tile_reader,
    tree_root,
)

from gateway_client.contract.log import log_entries, sign_checkpoint
from gateway_client.log_audit import audit

GATEWAY = gateway_signers("gw-test-1")


def test_a_checkpoint_dated_in_year_one_is_a_problem_not_a_crash() -> None:
    made = [change(listing(credit_code=make_uscc(n))) for n in (1, 2)]
    entries = log_entries(1, made)
    early = datetime(1, 1, 1, 0, 1, tzinfo=UTC)
    first = sign_checkpoint(1, tree_root(entries[:1]), early, GATEWAY)
    latest = sign_checkpoint(2, tree_root(entries), NOW, GATEWAY)
    reader = tile_reader(published_tiles(entries, [1, 2]))
    keys = [GATEWAY.ed25519.private_key.public_key()]
    report = audit(
        entries, [first, latest], keys, [], lambda _e: False, reader, NOW + timedelta(days=1), 1
    )
    assert report.verified_through == 2
