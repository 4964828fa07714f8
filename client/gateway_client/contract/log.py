"""The exchange log: every accepted change, numbered, as a leaf of an RFC 6962 Merkle tree, with
checkpoints in the C2SP signed-note format.

Entry n is leaf n - 1. Its leaf data is its published fields as canonical JSON (``entry_leaf``:
one encoding per entry, so no leaf reads as two different entries), each field checked for its
form; no listing content, so the log holds no personal data. The tree is published as C2SP
tlog-tiles; a checkpoint signed by the gateway pins its size and root, so an inclusion proof shows
that a delivered change is in the log, and a consistency proof that a later checkpoint extends an
earlier one (nothing dropped, altered or reordered). The change digest covers the change in its
*masked form* (resident ID numbers masked), which every subscriber can recompute; that form
carries the listing's ``ids_commitment``, a salted hash of the full listing (``masked``), so the
digest binds the full ID numbers too: a subscriber given them (and the salt) recomputes the
commitment, one given masked numbers takes it as delivered, and both get the same digest.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Sequence
from typing import Annotated, Any

from cryptography.exceptions import InvalidSignature as _BadSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import AwareDatetime, Field

from gateway_client.contract.canonical_json import canonical as canonical
from gateway_client.contract.catalogue import ListKind
from gateway_client.contract.change import Change
from gateway_client.contract.keys import GatewaySigners
from gateway_client.contract.listing import masked
from gateway_client.contract.model import Frozen
from gateway_client.contract.moves import moved_from
from gateway_client.contract.sm2_signing import Sm2Verifier
from gateway_client.tlog import NoteSigner, format_checkpoint, leaf_hash, sign_note

DEFAULT_ORIGIN = "credit-gateway/exchange-log"
_HEX64 = r"^[0-9a-f]{64}$"


def change_digest(change: Change) -> str:
    """SHA-256 of the change's masked form (with its ID commitment); the same whether or not
    IDs reached you masked."""
    public = change.model_copy(update={"listing": masked(change.listing)})
    return hashlib.sha256(canonical(public.model_dump(mode="json"))).hexdigest()


class LogEntry(Frozen):
    """One entry of the log, as published (no listing content, only what routing needs);
    ``hash`` is its RFC 6962 leaf hash."""

    sequence: int = Field(ge=1, description="the entry's number; its leaf index is one less")
    change_id: str = Field(pattern=r"^chg_[0-9a-f]{32}$")
    change_digest: str = Field(pattern=_HEX64)
    kind: ListKind
    domain: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    origin_region: str = Field(pattern=r"^[0-9]{6}$")
    at: AwareDatetime
    hash: str = Field(
        pattern=_HEX64, description="hex SHA-256(0x00 || leaf data): the entry's leaf hash"
    )
    # The operator's move (``moves``): the region the listing was taken from, owed to the
    # subscriptions that region's filters named; left out otherwise, so other leaves read as
    # they always did.
    moved_from: str | None = Field(
        default=None,
        pattern=r"^[0-9]{6}$",
        exclude_if=lambda value: value is None,
        description="the origin the operator moved the listing from with this change",
    )

    @property
    def leaf_index(self) -> int:
        return self.sequence - 1


def entry_leaf(entry: LogEntry) -> bytes:
    """The leaf data: every published field but the hash, as canonical JSON (what entry
    bundles hold, byte for byte)."""
    fields = entry.model_dump(mode="json", exclude={"hash"})
    return canonical({**fields, "at": entry.at.isoformat()})


def entry_hash(entry: LogEntry) -> str:
    """The entry's leaf hash, recomputed from its fields."""
    return leaf_hash(entry_leaf(entry)).hex()


def log_entry(sequence: int, change: Change) -> LogEntry:
    listing = change.listing
    unhashed = LogEntry(
        sequence=sequence,
        change_id=change.change_id,
        change_digest=change_digest(change),
        kind=listing.kind,
        domain=listing.domain,
        origin_region=listing.origin_region,
        at=change.occurred_at,
        hash="0" * 64,
        moved_from=moved_from(listing),
    )
    return unhashed.model_copy(update={"hash": entry_hash(unhashed)})


def log_entries(first_sequence: int, changes: Sequence[Change]) -> list[LogEntry]:
    return [log_entry(first_sequence + offset, change) for offset, change in enumerate(changes)]


class Checkpoint(Frozen):
    """The gateway's signed word that the log had ``sequence`` entries under Merkle ``root``.

    ``note`` is the C2SP signed note (the tlog-checkpoint text and the gateway's Ed25519
    signature line, named ``origin``), which standard tlog tooling reads; ``signature`` is the
    same Ed25519 signature, and ``sm2_*`` the gateway's SM2 signature of the same text when
    the deployment signs with SM2. ``at`` (when it was signed) is not signed: it only says
    which published key to try."""

    origin: str
    sequence: int = Field(ge=0, description="the tree size: entries 1 … sequence")
    root: str = Field(
        pattern="^[0-9a-f]{64}$", description="hex RFC 6962 root hash of the tree of that size"
    )
    at: AwareDatetime
    key_id: str
    signature: str
    note: str
    # Left out when unset, so a checkpoint made without SM2 reads the same either way.
    sm2_key_id: str | None = Field(default=None, exclude_if=lambda value: value is None)
    sm2_signature: str | None = Field(default=None, exclude_if=lambda value: value is None)
    # Witnesses' cosignature lines (C2SP tlog-cosignature) collected for this size: served
    # beside the stored checkpoint, never stored in it, and left out when there are none.
    cosignatures: tuple[str, ...] = Field(
        default=(),
        exclude_if=lambda value: not value,
        description="witness cosignature lines (C2SP tlog-cosignature) over the note's text",
    )
    # C2SP checkpoint extension lines, signed with the rest (``salting``); left out when
    # there are none, so a checkpoint made before them reads and verifies as it did.
    extensions: tuple[Annotated[str, Field(pattern=r"^[^\x00-\x1f\x7f]+$")], ...] = Field(
        default=(),
        exclude_if=lambda value: not value,
        description="checkpoint extension lines after the root, signed with it",
    )

    def signed_bytes(self) -> bytes:
        """The C2SP checkpoint text: origin, size, base64 root and any extension lines, each
        on its line."""
        root = bytes.fromhex(self.root)
        return format_checkpoint(self.origin, self.sequence, root, self.extensions).encode()


def sign_checkpoint(
    size: int,
    root: bytes,
    at: Any,
    signers: GatewaySigners,
    origin: str = DEFAULT_ORIGIN,
    extensions: Sequence[str] = (),
) -> Checkpoint:
    """Signed with the Ed25519 key, and with the SM2 key too when the gateway holds one."""
    text = format_checkpoint(origin, size, root, extensions)
    key = signers.ed25519.private_key
    signed: dict[str, Any] = {
        "origin": origin,
        "sequence": size,
        "root": root.hex(),
        "at": at,
        "key_id": signers.ed25519.key_id,
        "signature": base64.b64encode(key.sign(text.encode())).decode(),
        "note": sign_note(text, [NoteSigner(origin, key)]),
        "extensions": tuple(extensions),
    }
    if signers.sm2 is not None:
        sm2 = signers.sm2.private_key.sign(text.encode(), signers.sm2.user_id)
        signed |= {
            "sm2_key_id": signers.sm2.key_id,
            "sm2_signature": base64.b64encode(sm2).decode(),
        }
    return Checkpoint.model_validate(signed)


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
        except (_BadSignature, ValueError):
            continue
        return True
    return False


def checkpoint_sm2_verifies(checkpoint: Checkpoint, keys: Iterable[Sm2Verifier]) -> bool:
    """Whether the checkpoint's SM2 signature verifies under any of ``keys``."""
    raw = _decoded(checkpoint.sm2_signature)
    try:
        content = checkpoint.signed_bytes()
    except ValueError:
        return False
    return raw is not None and any(k.public_key.verify(raw, content, k.user_id) for k in keys)
