"""C2SP tlog-witness, without the HTTP: cosign a log's checkpoint only if it extends the last one
this witness cosigned for that log, so the log cannot show two parties two different histories.

The HTTP status each refusal maps to is on the exception. ``state`` holds, per origin, the
latest cosigned checkpoint (``Cosigned``: size, root and extension lines); checking it and
storing the new one must be atomic (a backend should make ``state[origin] = …`` a conditional
write on the size it read), else two racing requests could roll the witness back.

Beyond the spec, a checkpoint keeps every extension line the witness cosigned before: the log's
statements (when its ID salts began, when moves began) are signed with the tree so that they
cannot move later, and a witness that read only the tree cosigned two series of one tree
stating different instants (review 195)."""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping, MutableMapping, Sequence
from typing import NamedTuple

from gateway_client.tlog.checkpoint import parse_checkpoint
from gateway_client.tlog.cosignature import CosignatureSigner
from gateway_client.tlog.hashing import EMPTY_ROOT, HASH_SIZE
from gateway_client.tlog.note import NoteError, NoteVerifier, open_note, split_note
from gateway_client.tlog.proofs import verify_consistency

MAX_PROOF = 63
_OLD = re.compile(r"old (0|[1-9][0-9]{0,18})")  # a tree size fits 19 digits; int() refuses 4301


class WitnessError(Exception):
    """A checkpoint the witness will not cosign; ``status`` is the tlog-witness HTTP status."""

    status = 400

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        if status is not None:
            self.status = status


class WitnessRefusal(WitnessError):
    """Malformed (400), unknown origin (404), unsigned or badly signed (403), a cosigned size
    with another root (409), or not consistent with the witness's record (422)."""


class WitnessConflict(WitnessError):
    """The old size is not the witness's latest for the origin (409); ``size`` is that latest,
    which the log resubmits from."""

    status = 409

    def __init__(self, size: int) -> None:
        super().__init__(f"the latest cosigned size is {size}")
        self.size = size


class Cosigned(NamedTuple):
    """The latest checkpoint a witness cosigned for an origin."""

    size: int
    root: bytes
    extensions: tuple[str, ...] = ()


class Witness:
    """Cosigns checkpoints of the logs it knows, each only forward from its last cosigned one."""

    def __init__(
        self,
        signer: CosignatureSigner,
        logs: Mapping[str, NoteVerifier],
        state: MutableMapping[str, Cosigned],
    ) -> None:
        self.signer = signer
        self.logs = logs
        self.state = state

    def add_checkpoint(self, old_size: int, proof: Sequence[bytes], note: str, now: int) -> str:
        """The cosignature line for ``note`` (a signed checkpoint) after checking it extends the
        witness's latest (size ``old_size``) by the consistency ``proof``; ``now`` in seconds."""
        if now <= 0:
            raise ValueError("a cosignature carries a positive timestamp")
        try:
            text, _ = split_note(note)
            head = parse_checkpoint(text)
        except NoteError as exc:
            raise WitnessRefusal(f"not a signed checkpoint: {exc}") from None
        verifier = self.logs.get(head.origin)
        if verifier is None:
            raise WitnessRefusal(f"unknown log {head.origin!r}", 404)
        try:
            open_note(note, [verifier])
        except NoteError as exc:
            raise WitnessRefusal(str(exc), 403) from None
        if not 0 <= old_size <= head.size or len(proof) > MAX_PROOF:
            raise WitnessRefusal(f"old size {old_size} with {len(proof)} hashes to {head.size}")
        latest = self.state.get(head.origin, Cosigned(0, EMPTY_ROOT))
        if old_size != latest.size:
            raise WitnessConflict(latest.size)
        if head.size == latest.size and head.root != latest.root:  # the spec's 409
            raise WitnessRefusal(f"size {head.size} was cosigned with another root", 409)
        if not verify_consistency(old_size, head.size, latest.root, head.root, proof):
            raise WitnessRefusal(f"{head.size} is not consistent with {old_size}", 422)
        dropped = [line for line in latest.extensions if line not in head.extensions]
        if dropped:
            raise WitnessRefusal(f"it no longer states what was cosigned: {dropped[0]!r}", 422)
        self.state[head.origin] = Cosigned(head.size, head.root, head.extensions)
        return self.signer.cosign(text, now)


def format_add_checkpoint(old_size: int, proof: Sequence[bytes], note: str) -> str:
    """The add-checkpoint request body: ``old <N>``, one base64 hash a line, a blank line, note."""
    hashes = "".join(base64.b64encode(h).decode() + "\n" for h in proof)
    return f"old {old_size}\n{hashes}\n{note}"


def parse_add_checkpoint(body: str) -> tuple[int, list[bytes], str]:
    """(old size, proof, note) of an add-checkpoint request body; WitnessRefusal (400) if not
    well-formed."""
    head, sep, note = body.partition("\n\n")
    lines = head.split("\n")
    old = _OLD.fullmatch(lines[0])
    if not sep or not old:
        raise WitnessRefusal("the body starts with an old size line, hashes and a blank line")
    try:
        proof = [base64.b64decode(line, validate=True) for line in lines[1:]]
    except ValueError:  # binascii.Error, or a character that is not ASCII at all
        raise WitnessRefusal("a consistency proof line is not base64") from None
    if any(len(h) != HASH_SIZE for h in proof):  # malformed, not a proof that fails (422)
        raise WitnessRefusal("a consistency proof line is not a 32-byte hash")
    return int(old[1]), proof, note
