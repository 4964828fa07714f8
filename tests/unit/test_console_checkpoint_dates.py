"""The console's log check judges a checkpoint's date as `gateway verify-log` does
(``checkpoint_trust``), to the microsecond: its ``backdated`` run by Node on the page's own
module (review 216: times cut to milliseconds let a backdated checkpoint through)."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import pytest
from builders import NOW, gateway_signers, listing
from test_gateway_keys import published

from gateway_client.checkpoint_trust import SKEW, dated_after_entries, trusted_checkpoints
from gateway_client.contract.change import change_between
from gateway_client.contract.keys import PublishedKey
from gateway_client.contract.log import Checkpoint, LogEntry, log_entries, sign_checkpoint

JS = Path(__file__).resolve().parents[2] / "chalicelib" / "assets" / "console" / "log-verify.js"
CURRENT = gateway_signers("gw-dates")
KEYS = [published(CURRENT, valid_from=NOW - timedelta(days=1))]


def in_the_browser(
    checkpoints: list[Checkpoint],
    entries: Sequence[LogEntry] = (),
    keys: Sequence[PublishedKey] = KEYS,
) -> list[int]:
    """The sizes the page's ``backdated`` refuses, of checkpoints all signed by a listed key,
    judged with the genuine ``entries`` served and the keys ``/v1/keys`` lists."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is missing: run infra/system_packages.sh")
    served = json.dumps([json.loads(c.model_dump_json()) for c in checkpoints])
    listed = json.dumps([json.loads(e.model_dump_json()) for e in entries])
    published_keys = json.dumps([json.loads(k.model_dump_json()) for k in keys])
    script = (
        "globalThis.document = { querySelector: () => null };"
        f"const m = await import({json.dumps(JS.as_uri())});"
        f"const early = m.backdated({served}, {listed}, {published_keys});"
        "console.log(JSON.stringify(early.map((c) => c.sequence)));"
    )
    done = subprocess.run(  # noqa: S603 - the distribution's node on our own module
        [node, "--input-type=module", "-e", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return list(json.loads(done.stdout))


def by_verify_log(
    checkpoints: list[Checkpoint],
    entries: Sequence[LogEntry] = (),
    keys: Sequence[PublishedKey] = KEYS,
) -> list[int]:
    trusted, _, _ = trusted_checkpoints(checkpoints, keys, "ed25519")
    trusted, _ = dated_after_entries(trusted, entries, keys, "ed25519")
    return [c.sequence for c in checkpoints if c not in trusted]


def checkpoint(size: int, at_offset: timedelta) -> Checkpoint:
    return sign_checkpoint(size, hashlib.sha256(b"%d" % size).digest(), NOW + at_offset, CURRENT)


@pytest.mark.parametrize(
    ("larger_at", "refused"),
    [
        (-SKEW + timedelta(microseconds=500), [6]),  # 400 µs past the skew: refused
        (-SKEW + timedelta(microseconds=900), []),  # on the skew's edge: in step
        (timedelta(seconds=1), []),
    ],
)
def test_a_checkpoint_is_backdated_in_the_browser_exactly_when_verify_log_says_so(
    larger_at: timedelta, refused: list[int]
) -> None:
    checkpoints = [checkpoint(4, timedelta(microseconds=900)), checkpoint(6, larger_at)]

    assert by_verify_log(checkpoints) == refused
    assert in_the_browser(checkpoints) == refused


def entries_at(*offsets: timedelta) -> list[LogEntry]:
    changes = [change_between(listing(accepted_at=NOW + o), None) for o in offsets]
    return log_entries(1, [c for c in changes if c is not None])


RETIRED = gateway_signers("gw-retired")


@pytest.mark.parametrize(
    ("retired_after", "entry_at", "refused"),
    [
        (timedelta(seconds=1), SKEW + timedelta(seconds=2), [4]),  # logged after it retired
        (timedelta(seconds=1), SKEW, []),  # within the skew of the checkpoint
        (SKEW + timedelta(seconds=2), SKEW + timedelta(seconds=2), []),  # before it retired
        (None, SKEW + timedelta(days=400), []),  # a key with no end: a local tick run ahead
    ],
)
def test_a_checkpoint_over_entries_logged_after_its_key_retired_is_backdated_in_both(
    retired_after: timedelta | None, entry_at: timedelta, refused: list[int]
) -> None:
    """Review 332: a retired key's checkpoint dated back over entries logged since."""
    until = None if retired_after is None else NOW + retired_after
    keys = [published(RETIRED, valid_from=NOW - timedelta(days=1), valid_until=until)]
    entries = entries_at(-timedelta(days=2), -timedelta(days=1), timedelta(0), entry_at)
    signed = sign_checkpoint(4, hashlib.sha256(b"4").digest(), NOW, RETIRED)

    assert by_verify_log([signed], entries, keys) == refused
    assert in_the_browser([signed], entries, keys) == refused


def test_a_retired_keys_checkpoint_a_later_one_vouches_for_is_kept_in_both() -> None:
    """Review 339: the old key's checkpoint over entries dated ahead (a local tick run ahead,
    then a key switch) is kept once a later checkpoint of a key with no end covers it: only
    the largest is judged, down to the first that passes."""
    until = NOW + timedelta(seconds=1)
    keys = [
        published(RETIRED, valid_from=NOW - timedelta(days=1), valid_until=until),
        published(CURRENT, valid_from=NOW - timedelta(days=1)),
    ]
    ahead = SKEW + timedelta(days=400)
    entries = entries_at(-timedelta(days=2), -timedelta(days=1), timedelta(0), ahead, ahead)
    old = sign_checkpoint(4, hashlib.sha256(b"4").digest(), NOW, RETIRED)
    new = sign_checkpoint(5, hashlib.sha256(b"5").digest(), NOW + timedelta(days=1), CURRENT)

    assert by_verify_log([old, new], entries, keys) == []
    assert in_the_browser([old, new], entries, keys) == []
    assert by_verify_log([old], entries, keys) == [4]  # alone, it is the largest: judged


def test_a_checkpoint_out_of_step_does_not_hide_a_retired_keys_below_it_in_both() -> None:
    """Review 340: the largest, dated before a smaller one, is dropped first; the retired-key
    rule then judges the next largest (the browser's loop stopped on the dropped one)."""
    keys = [
        published(
            RETIRED, valid_from=NOW - timedelta(days=1), valid_until=NOW + timedelta(seconds=1)
        ),
        published(CURRENT, valid_from=NOW - timedelta(days=1)),
    ]
    late = SKEW + timedelta(seconds=2)
    entries = entries_at(-timedelta(days=2), -timedelta(days=1), timedelta(0), late, late)
    by_retired = sign_checkpoint(4, hashlib.sha256(b"4").digest(), NOW, RETIRED)
    dated_back = sign_checkpoint(
        5, hashlib.sha256(b"5").digest(), NOW - SKEW - timedelta(seconds=1), CURRENT
    )
    checkpoints = [by_retired, dated_back]

    python = by_verify_log(checkpoints, entries, keys)
    assert python == [4, 5]
    assert in_the_browser(checkpoints, entries, keys) == python
