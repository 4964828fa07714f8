"""C2SP tlog-cosignature (Ed25519, type 0x04): a witness's timestamped signature of a checkpoint.

It states that, at that time, this was the largest tree the cosigner had seen for the origin
and that it verified it consistent with everything seen before. The signed message prefixes
the checkpoint text with ``cosignature/v1`` and the time, so it can never pass for a log's own
note signature."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from gateway_client.tlog.note import (
    NamedKey,
    NoteError,
    ed25519_verify,
    parse_vkey,
    signature_line,
    split_note,
)

COSIGNATURE_V1 = 0x04
_TIME_BYTES = 8
_SIG_BYTES = 64


def cosigned_message(checkpoint_text: str, timestamp: int) -> bytes:
    """``cosignature/v1\\ntime <T>\\n`` followed by the whole checkpoint text."""
    if not 0 <= timestamp < 1 << 63:
        raise ValueError(f"timestamp {timestamp} out of range")
    return f"cosignature/v1\ntime {timestamp}\n{checkpoint_text}".encode()


@dataclass(frozen=True)
class CosignatureSigner(NamedKey):
    """A witness's Ed25519 cosigning key under its name."""

    ALGORITHM: ClassVar[int] = COSIGNATURE_V1

    def cosign(self, checkpoint_text: str, timestamp: int) -> str:
        """The note signature line: ``— name base64(key id || u64 time || Ed25519 sig)``."""
        sig = self.key.sign(cosigned_message(checkpoint_text, timestamp))
        return signature_line(self.name, self.key_id, timestamp.to_bytes(_TIME_BYTES, "big") + sig)


@dataclass(frozen=True)
class CosignatureVerifier:
    """A witness's public key; usable with ``open_note`` next to the log's ``NoteVerifier``."""

    name: str
    key_id: bytes
    key: Ed25519PublicKey

    @classmethod
    def from_vkey(cls, vkey: str) -> CosignatureVerifier:
        return cls(*parse_vkey(vkey, COSIGNATURE_V1))

    def verify(self, msg: bytes, sig: bytes) -> bool:
        """``sig``: the timestamped signature (no key id) over the checkpoint text ``msg``."""
        if len(sig) != _TIME_BYTES + _SIG_BYTES:
            return False
        stamp = int.from_bytes(sig[:_TIME_BYTES], "big")
        try:
            signed = cosigned_message(msg.decode(), stamp)
        except (UnicodeDecodeError, ValueError):
            return False
        return ed25519_verify(self.key, signed, sig[_TIME_BYTES:])

    def timestamp_of(self, sig: bytes | str) -> int:
        """When this cosigner signed: of a timestamped signature (bytes, as ``verify`` gets it;
        not verified here), or of a signed note (its cosignature there, verified)."""
        if isinstance(sig, bytes):
            if len(sig) != _TIME_BYTES + _SIG_BYTES:
                raise NoteError("an Ed25519 cosignature is 72 bytes")
            return int.from_bytes(sig[:_TIME_BYTES], "big")
        text, signatures = split_note(sig)
        mine = [s for name, kid, s in signatures if (name, kid) == (self.name, self.key_id)]
        if not mine or not self.verify(text.encode(), mine[0]):
            raise NoteError(f"{self.name} has not cosigned this note")
        return int.from_bytes(mine[0][:_TIME_BYTES], "big")
