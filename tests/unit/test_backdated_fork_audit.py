"""Review 332, the audit alone: a retired key's checkpoint over entries logged after it retired
is not trusted, on a first run and with a ``--state`` from before the retirement (the same on
the stack: ``tests/app/test_verify_log_backdated_cover.py``)."""

from __future__ import annotations

from datetime import timedelta

from builders import gateway_signers, listing, make_uscc, published_tiles, red_entry, tile_reader
from test_gateway_keys import published
from test_log_audit import BLACK_ONLY, ENTRIES, LATER, wants, without

from gateway_client.contract.change import change_between
from gateway_client.contract.log import log_entry, sign_checkpoint
from gateway_client.log_audit import audit
from gateway_client.tlog import root_of

RETIRED, CURRENT = gateway_signers("gw-old"), gateway_signers("gw-new")
FIRST_AT = min(e.at for e in ENTRIES)
RETIRED_UNTIL = FIRST_AT - timedelta(days=30)  # retired a month before anything was logged
KEYS = [published(CURRENT), published(RETIRED, valid_until=RETIRED_UNTIL)]


def test_a_retired_keys_checkpoint_dated_before_the_entries_it_covers_is_not_trusted() -> None:
    # The fork: entry 6 (a black listing the subscriber is owed, never delivered) swapped for
    # a red one it is not owed. Entries 1-5 are the genuine ones, so every stored delivery
    # matches.
    red = change_between(listing(red_entry(credit_code=make_uscc(7)), source_sequence=1), None)
    assert red is not None
    forked = [*ENTRIES[:5], log_entry(6, red)]
    assert all(e.at > RETIRED_UNTIL for e in forked)  # all logged after the key retired
    tiles = published_tiles(forked, [6])
    root = root_of([bytes.fromhex(e.hash) for e in forked])
    backdated = sign_checkpoint(6, root, RETIRED_UNTIL - timedelta(seconds=1), RETIRED)

    report = audit(
        forked,
        [backdated],
        KEYS,
        without(6),  # entry 6 (wanted) was dropped
        wants(BLACK_ONLY),
        tile_reader(tiles),
        LATER,
        1,
    )

    # The checkpoint is dated a month before the entries it signs were logged: backdated.
    assert not report.ok
    assert report.verified_through == 0
    assert any("after the key that signed it" in p for p in report.problems), report.problems


def test_with_state_from_before_the_retirement_the_backdated_fork_is_not_trusted() -> None:
    """--state does not help a subscriber whose last run predates the key's retirement (a
    weekly cron run, a key retired ~28 h after the switch): the forged checkpoint is dated
    after the one remembered, extends it, and covers an entry logged after the retirement."""
    from builders import NOW, make_uscc, published_tiles, red_entry

    from gateway_client.contract.log import log_entries
    from gateway_client.log_audit import Seen

    def made(n: int, base, at):  # type: ignore[no-untyped-def]
        c = change_between(listing(base, credit_code=make_uscc(n), accepted_at=at), None)
        assert c is not None
        return c

    old_days = NOW - timedelta(days=10)
    retired_until = NOW - timedelta(days=5)
    keys = [published(CURRENT), published(RETIRED, valid_until=retired_until)]
    # four red entries (not owed to the black-list subscriber), seen by its last run
    early = [made(20 + i, red_entry(), old_days) for i in range(4)]
    honest_5 = made(30, None, NOW - timedelta(days=1))  # black: owed, and never delivered
    forged_5 = made(31, red_entry(), NOW - timedelta(days=1))  # red: owed to nobody here
    forked = log_entries(1, [*early, forged_5])
    assert log_entries(5, [honest_5])[0].kind != forked[4].kind
    seen_root = root_of([bytes.fromhex(e.hash) for e in forked[:4]])
    seen = Seen(size=4, root=seen_root.hex(), at=old_days)  # the last run, before retirement
    forged = sign_checkpoint(
        5,
        root_of([bytes.fromhex(e.hash) for e in forked]),
        retired_until - timedelta(seconds=1),
        RETIRED,
    )
    assert forked[4].at > retired_until > forged.at > seen.at

    report = audit(
        forked,
        [forged],
        keys,
        [],
        wants(BLACK_ONLY),
        tile_reader(published_tiles(forked, [4, 5])),
        NOW,
        1,
        seen=seen,
    )

    assert not report.ok
    assert any("after the key that signed it" in p for p in report.problems), report.problems
