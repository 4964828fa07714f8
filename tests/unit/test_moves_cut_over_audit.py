"""verify-log and the moves cut-over every checkpoint states (contract ``moves``): a stored
delivery of the operator's move matches its leaf with or without ``moved_from`` only when the
move was accepted before the cut-over and logged where the last run had not yet seen it pass;
the earliest statement holds, and the next run remembers it (review 71)."""

from __future__ import annotations

import types
from collections.abc import Sequence
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any, cast

import pytest
from builders import (
    NOW,
    change,
    delivered,
    gateway_signers,
    listing,
    make_uscc,
    published_tiles,
    subscription,
    tile_reader,
    tree_root,
)

from gateway_client import log_verifier
from gateway_client.contract import (
    Checkpoint,
    DeliveryPayload,
    LogEntry,
    Transition,
    entry_hash,
    moves_since_line,
)
from gateway_client.contract.log import log_entries, sign_checkpoint
from gateway_client.log_audit import AuditReport, Seen, audit
from gateway_client.push_client import PushClient
from gateway_client.subscriber_files import read_seen, write_seen

GATEWAY = gateway_signers("gw-test-1")
SUB = subscription("sub-all", region="430000")
LATER = NOW + timedelta(days=1)
CUT = NOW + timedelta(minutes=30)

LISTED = listing(credit_code=make_uscc(1), region="410184")
MOVED = LISTED.model_copy(
    update={
        "origin_region": "230900",
        "version": LISTED.version + ".g1",  # a version of the gateway's after the pushed one
        "accepted_at": NOW + timedelta(minutes=5),
        "history": (
            Transition(
                event="reassigned",
                status="active",
                at=NOW + timedelta(minutes=5),
                by="operator",
                reason="reassigned: 认定部门为七台河市; origin 410184 → 230900",
            ),
        ),
    }
)
CHANGES = [change(LISTED), change(MOVED, LISTED)]


def _unnamed(entry: LogEntry) -> LogEntry:
    """The entry as a release before ``moved_from`` logged it."""
    bare = entry.model_copy(update={"moved_from": None})
    return bare.model_copy(update={"hash": entry_hash(bare)})


NAMED = log_entries(1, CHANGES)
UNNAMED = [NAMED[0], _unnamed(NAMED[1])]


def stored() -> list[DeliveryPayload]:
    return delivered(CHANGES, NAMED, SUB)


def signed(entries: Sequence[LogEntry], size: int, *extensions: str) -> Checkpoint:
    return sign_checkpoint(size, tree_root(entries[:size]), LATER, GATEWAY, extensions=extensions)


def run(
    entries: Sequence[LogEntry], checkpoints: Sequence[Checkpoint], seen: Seen | None = None
) -> AuditReport:
    keys = [GATEWAY.ed25519.private_key.public_key()]
    read = tile_reader(published_tiles(list(entries), [1, 2]))
    return audit(entries, checkpoints, keys, stored(), lambda _: True, read, LATER, 1, seen=seen)


def altered(report: AuditReport) -> bool:
    return any("log entry 2 (altered)" in p for p in report.problems)


def test_the_move_is_named_in_its_leaf() -> None:
    assert NAMED[1].moved_from == "410184"
    assert run(NAMED, [signed(NAMED, 2, moves_since_line(NOW))]).ok


def test_a_move_accepted_before_the_cut_over_matches_the_leaf_without_its_region() -> None:
    report = run(UNNAMED, [signed(UNNAMED, 2, moves_since_line(CUT))])

    assert report.ok, report.problems
    assert report.moves_since == CUT
    assert run(UNNAMED, [signed(UNNAMED, 2)]).ok  # a gateway from before states none


def test_a_move_accepted_since_the_cut_over_must_name_its_region() -> None:
    assert altered(run(UNNAMED, [signed(UNNAMED, 2, moves_since_line(NOW))]))


def test_the_earliest_statement_holds_a_later_or_a_dropped_one_exempts_nothing() -> None:
    early, late = moves_since_line(NOW), moves_since_line(LATER)
    assert altered(run(UNNAMED, [signed(UNNAMED, 1, early), signed(UNNAMED, 2, late)]))
    assert altered(run(UNNAMED, [signed(UNNAMED, 1, early), signed(UNNAMED, 2)]))
    seen = Seen(size=1, root=tree_root(UNNAMED[:1]).hex(), moves_since=NOW)
    assert altered(run(UNNAMED, [signed(UNNAMED, 2)], seen=seen))  # the last run saw it


def test_a_move_dated_before_the_cut_over_but_logged_after_it_passed_must_name_its_region() -> None:
    """The gateway dates a move; where it lies in the log is signed. Logged after the size
    the last run verified once its own clock had passed the cut-over, a move is named."""
    cut = NOW + timedelta(hours=1)  # after the move's date
    seen = Seen(size=1, root=tree_root(UNNAMED[:1]).hex(), moves_since=cut, checked_at=LATER)
    checkpoints = [signed(UNNAMED, 2, moves_since_line(cut))]

    assert run(UNNAMED, checkpoints).ok  # by its date alone it passes
    assert altered(run(UNNAMED, checkpoints, seen=seen))
    early = seen.model_copy(update={"checked_at": cut - timedelta(seconds=1)})
    assert run(UNNAMED, checkpoints, seen=early).ok  # the cut-over had not passed then


def test_a_state_an_earlier_client_wrote_binds_the_stated_cut_over_by_its_clock() -> None:
    """Review 72 F1: a state file without ``moves_since`` (an earlier client's) still has
    the run's clock; a cut-over stated before it binds what was logged after that run."""
    cut = NOW + timedelta(hours=1)
    seen = Seen(size=1, root=tree_root(UNNAMED[:1]).hex(), checked_at=LATER)

    assert altered(run(UNNAMED, [signed(UNNAMED, 2, moves_since_line(cut))], seen=seen))


def test_the_cut_over_is_remembered_for_the_next_run(tmp_path: Path) -> None:
    state = tmp_path / "seen.json"
    report = run(UNNAMED, [signed(UNNAMED, 2, moves_since_line(CUT))])

    write_seen(state, report)

    seen = read_seen(state)
    assert seen is not None
    assert seen.moves_since == CUT


def test_a_long_run_spanning_the_cut_over_binds_only_what_was_logged_after_it_began(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Review 72 F2: the run's clock is taken before the checkpoints are read, not after the
    log is paged; an honest move the release before logged meanwhile (before the cut-over)
    is not reported altered by the next run."""
    cut = NOW + timedelta(minutes=10)
    clock = {"now": NOW + timedelta(minutes=6)}  # the run starts before the cut-over

    class Clock(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> Clock:
            return cast(Clock, clock["now"])

    served = {"size": 1}

    def get(_client: object, path: str) -> dict[str, Any]:
        size = served["size"]
        if path.startswith("/v1/log/checkpoints"):
            made = signed(UNNAMED, size, moves_since_line(cut))
            return {"checkpoints": [made.model_dump(mode="json")]}
        if path.startswith("/v1/subscriptions/"):
            return {"filters": {}, "region": SUB.region, "log_start": 0}
        clock["now"] += timedelta(minutes=5)  # a long log: paging takes minutes
        return {"entries": [e.model_dump(mode="json") for e in UNNAMED[:size]]}

    key = GATEWAY.ed25519.private_key.public_key()
    read = tile_reader(published_tiles(list(UNNAMED), [1, 2]))
    monkeypatch.setattr(log_verifier, "datetime", Clock)
    monkeypatch.setattr(log_verifier, "fetch_gateway_keys", lambda *_a, **_k: [key])
    monkeypatch.setattr(log_verifier, "_get", get)
    monkeypatch.setattr(log_verifier, "tile_fetcher", lambda _client: None)
    monkeypatch.setattr(log_verifier, "tile_hash_reader", lambda size, _fetch: read(size))
    client = cast(PushClient, types.SimpleNamespace(timeout=30, region="430000"))

    first = log_verifier.verify_log(client, "http://gateway", SUB.subscription_id, stored()[:1])
    served["size"] = 2  # the move, logged at minute 8 without its region
    clock["now"] = LATER
    seen = Seen(
        size=first.verified_through,
        root=first.latest_root or "",
        moves_since=first.moves_since,
        checked_at=first.checked_at,
        terms=first.terms,
        terms_after_checkpoint=True,
    )
    second = log_verifier.verify_log(
        client, "http://gateway", SUB.subscription_id, stored(), seen=seen
    )

    assert first.ok, first.problems
    assert first.checked_at == NOW + timedelta(minutes=6)
    assert second.ok, second.problems
