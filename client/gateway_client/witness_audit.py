"""``verify-log --witnesses-required K``: which checkpoints K independent witnesses vouch for.

A witness cosigns a checkpoint only if it extends everything that witness cosigned before
(C2SP tlog-witness), so a checkpoint cosigned by K witnesses is one the gateway showed, with the
same history, to each of them. ``verify-log`` already proves the latest checkpoint extends every
trusted one; with a witnessed one among them, this subscriber's log is the one the witnesses
saw — not a fork made for it alone.

A cosignature line counts only if it verifies under a listed witness key over the very text the
gateway signed; a malformed or forged line is ignored (it proves nothing, but it cannot spoil
the others), and a witness counts once whatever number of lines or keys it has.
"""

from __future__ import annotations

from collections.abc import Sequence

from gateway_client.contract import Checkpoint
from gateway_client.tlog import CosignatureVerifier, NoteError, open_note


def cosigners(checkpoint: Checkpoint, witnesses: Sequence[CosignatureVerifier]) -> set[str]:
    """The names of the listed witnesses with a valid cosignature of the checkpoint."""
    text = checkpoint.signed_bytes().decode()
    names: set[str] = set()
    for line in checkpoint.cosignatures:
        ended = line if line.endswith("\n") else line + "\n"
        try:
            _, verified = open_note(f"{text}\n{ended}", witnesses)
        except NoteError:
            continue  # unknown key, forged, or not a signature line at all
        names.update(verified)
    return names


def witnessed_through(
    trusted: Sequence[Checkpoint], witnesses: Sequence[CosignatureVerifier], required: int
) -> tuple[int, list[str]]:
    """The largest trusted size cosigned by ``required`` distinct witnesses (0: none), and the
    problem to report when ``required`` is asked for and no checkpoint has it."""
    if required <= 0:
        return 0, []
    sizes = [c.sequence for c in trusted if len(cosigners(c, witnesses)) >= required]
    if sizes:
        return max(sizes), []
    names = sorted({w.name for w in witnesses})
    return 0, [
        f"no signed checkpoint carries valid cosignatures of {required} of the witnesses "
        f"{names}: nothing shows that others were shown the same log"
    ]
