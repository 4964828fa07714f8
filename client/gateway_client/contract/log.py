"""The exchange log: every accepted change, numbered and hash-chained, with signed checkpoints.

Entry n's hash is SHA-256 over (previous hash, n, change id, change digest, routing fields), so
dropping, reordering or editing any entry breaks every hash after it, and a checkpoint signed by
the gateway pins the head. The change digest covers the change in its *public form* (resident ID
numbers masked), which every subscriber can recompute from what it received.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Any

from cryptography.exceptions import InvalidSignature as _BadSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import AwareDatetime, Field

from gateway_client.contract.catalogue import ListKind
from gateway_client.contract.change import Change
from gateway_client.contract.keys import GatewaySigners
from gateway_client.contract.listing import masked
from gateway_client.contract.model import Frozen
from gateway_client.contract.sm2_signing import Sm2Verifier

GENESIS = "0" * 64


def canonical(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def change_digest(change: Change) -> str:
    """SHA-256 of the change's public form; the same whether or not IDs reached you masked."""
    public = change.model_copy(update={"listing": masked(change.listing)})
    return hashlib.sha256(canonical(public.model_dump(mode="json"))).hexdigest()


class LogEntry(Frozen):
    """One line of the log, as published (no listing content, only what routing needs)."""

    sequence: int
    change_id: str
    change_digest: str
    kind: ListKind
    domain: str
    origin_region: str
    at: AwareDatetime
    previous_hash: str
    hash: str


def entry_hash(entry: LogEntry) -> str:
    """SHA-256 over every published field of the entry but the hash itself."""
    fields = [
        entry.previous_hash,
        str(entry.sequence),
        entry.change_id,
        entry.change_digest,
        entry.kind.value,
        entry.domain,
        entry.origin_region,
        entry.at.isoformat(),
    ]
    return hashlib.sha256("\n".join(fields).encode()).hexdigest()


def next_entry(previous_hash: str, sequence: int, change: Change) -> LogEntry:
    listing = change.listing
    unhashed = LogEntry(
        sequence=sequence,
        change_id=change.change_id,
        change_digest=change_digest(change),
        kind=listing.kind,
        domain=listing.domain,
        origin_region=listing.origin_region,
        at=change.occurred_at,
        previous_hash=previous_hash,
        hash="",
    )
    return unhashed.model_copy(update={"hash": entry_hash(unhashed)})


def chain(previous_hash: str, first_sequence: int, changes: Sequence[Change]) -> list[LogEntry]:
    entries: list[LogEntry] = []
    for offset, change in enumerate(changes):
        entry = next_entry(previous_hash, first_sequence + offset, change)
        entries.append(entry)
        previous_hash = entry.hash
    return entries


class Checkpoint(Frozen):
    """The gateway's signed word that the log had ``sequence`` entries ending in ``head_hash``:
    signed with its Ed25519 key, and the same bytes with its SM2 key (``sm2_*``) when the
    deployment signs with SM2."""

    sequence: int
    head_hash: str
    at: AwareDatetime
    key_id: str
    signature: str
    # Left out when unset, so a checkpoint made without SM2 reads as it did before SM2 existed.
    sm2_key_id: str | None = Field(default=None, exclude_if=lambda value: value is None)
    sm2_signature: str | None = Field(default=None, exclude_if=lambda value: value is None)

    def signed_bytes(self) -> bytes:
        return canonical(
            {"sequence": self.sequence, "head_hash": self.head_hash, "at": self.at.isoformat()}
        )


def sign_checkpoint(sequence: int, head_hash: str, at: Any, signers: GatewaySigners) -> Checkpoint:
    """Signed with the Ed25519 key, and with the SM2 key too when the gateway holds one."""
    unsigned = Checkpoint(
        sequence=sequence, head_hash=head_hash, at=at, key_id=signers.ed25519.key_id, signature=""
    )
    content = unsigned.signed_bytes()
    signed: dict[str, str] = {
        "signature": base64.b64encode(signers.ed25519.private_key.sign(content)).decode()
    }
    if signers.sm2 is not None:
        sm2 = signers.sm2.private_key.sign(content, signers.sm2.user_id)
        signed |= {
            "sm2_key_id": signers.sm2.key_id,
            "sm2_signature": base64.b64encode(sm2).decode(),
        }
    return unsigned.model_copy(update=signed)


def _decoded(signature: str | None) -> bytes | None:
    try:
        return None if signature is None else base64.b64decode(signature, validate=True)
    except ValueError:
        return None


def checkpoint_verifies(checkpoint: Checkpoint, keys: Iterable[Ed25519PublicKey]) -> bool:
    raw = _decoded(checkpoint.signature)
    if raw is None:
        return False
    for key in keys:
        try:
            key.verify(raw, checkpoint.signed_bytes())
        except _BadSignature:
            continue
        return True
    return False


def checkpoint_sm2_verifies(checkpoint: Checkpoint, keys: Iterable[Sm2Verifier]) -> bool:
    """Whether the checkpoint's SM2 signature verifies under any of ``keys``."""
    raw = _decoded(checkpoint.sm2_signature)
    content = checkpoint.signed_bytes()
    return raw is not None and any(k.public_key.verify(raw, content, k.user_id) for k in keys)
