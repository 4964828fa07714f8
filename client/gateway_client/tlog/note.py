"""C2SP signed-note: text signed by one or more keys, each signature on its own line.

The text is trusted only once a signature from a key the reader already holds verifies;
signatures from keys it does not know are skipped (that is how cosignatures and key rotation
coexist), and a known key whose signature fails spoils the whole note."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from gateway_client.tlog.ed25519_points import sound_public_key

ED25519 = 0x01
_DASH = "— "
_MAX_SIGNATURES = 100
_HEX_ID = re.compile(r"[0-9a-f]{8}")


class NoteError(ValueError):
    """A note that is malformed, or that no known key signed (or a known key signed wrongly)."""


class Verifier(Protocol):
    """A known key: the (name, key id) it signs as, and how it checks a signature of a text."""

    @property
    def name(self) -> str: ...
    @property
    def key_id(self) -> bytes: ...
    def verify(self, msg: bytes, sig: bytes) -> bool: ...


def check_name(name: str) -> str:
    """Key names are non-empty, with no Unicode space and no ``+`` (the vkey separator)."""
    if not name or "+" in name or any(c.isspace() for c in name) or not _printable(name):
        raise NoteError(f"{name!r} is not a key name")
    return name


def _printable(text: str) -> bool:
    """No control character but newline, and no lone surrogate (so it encodes as UTF-8)."""
    return not any((ord(c) < 0x20 and c != "\n") or 0xD800 <= ord(c) <= 0xDFFF for c in text)


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(name: str, alg: int, public: bytes) -> bytes:
    """``SHA-256(name || 0x0A || alg || public key)[:4]``."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([alg]) + public).digest()[:4]


def format_vkey(name: str, alg: int, public: bytes) -> str:
    """``<name>+<hex key id>+<base64(alg || public key)>``."""
    material = base64.b64encode(bytes([alg]) + public).decode()
    return f"{check_name(name)}+{key_id(name, alg, public).hex()}+{material}"


def parse_vkey(vkey: str, alg: int) -> tuple[str, bytes, Ed25519PublicKey]:
    """(name, key id, key) of an Ed25519 vkey of type ``alg``; NoteError on anything else,
    including a key id that does not match the name and key."""
    name, _, rest = vkey.partition("+")
    hex_id, _, material = rest.partition("+")
    try:
        raw = base64.b64decode(material, validate=True)
        wanted = bytes.fromhex(hex_id) if _HEX_ID.fullmatch(hex_id) else b""
    except (binascii.Error, ValueError):
        raise NoteError(f"{vkey!r} is not a verifier key") from None
    check_name(name)
    if len(raw) != 33 or raw[0] != alg or key_id(name, alg, raw[1:]) != wanted:
        raise NoteError(f"{vkey!r} is not a type {alg:#04x} verifier key for {name}")
    if base64.b64encode(raw).decode() != material:
        raise NoteError(f"{vkey!r} is not canonical base64")
    try:
        return name, wanted, sound_public_key(raw[1:])
    except ValueError as error:
        raise NoteError(f"{vkey!r}: {error}") from None


def ed25519_verify(key: Ed25519PublicKey, msg: bytes, sig: bytes) -> bool:
    try:
        key.verify(sig, msg)
    except InvalidSignature:
        return False
    return True


@dataclass(frozen=True)
class NamedKey:
    """An Ed25519 private key under a key name, for one signature type (``ALGORITHM``): the
    type goes into its key id and verifier key."""

    name: str
    key: Ed25519PrivateKey
    ALGORITHM: ClassVar[int] = ED25519

    def __post_init__(self) -> None:
        check_name(self.name)

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.ALGORITHM, raw_public(self.key.public_key()))

    @property
    def vkey(self) -> str:
        return format_vkey(self.name, self.ALGORITHM, raw_public(self.key.public_key()))


@dataclass(frozen=True)
class NoteSigner(NamedKey):
    """An Ed25519 note signing key (type 0x01) under a key name."""

    def sign(self, msg: bytes) -> bytes:
        return self.key.sign(msg)


@dataclass(frozen=True)
class NoteVerifier:
    """An Ed25519 note verifier key (type 0x01)."""

    name: str
    key_id: bytes
    key: Ed25519PublicKey

    @classmethod
    def from_vkey(cls, vkey: str) -> NoteVerifier:
        return cls(*parse_vkey(vkey, ED25519))

    def verify(self, msg: bytes, sig: bytes) -> bool:
        return len(sig) == 64 and ed25519_verify(self.key, msg, sig)


def signature_line(name: str, kid: bytes, sig: bytes) -> str:
    """``— <name> base64(key id || signature)\\n``."""
    return f"{_DASH}{check_name(name)} {base64.b64encode(kid + sig).decode()}\n"


def sign_note(text: str, signers: Sequence[NoteSigner]) -> str:
    """The text followed by a blank line and one signature line per signer."""
    _check_text(text)
    if not signers:
        raise NoteError("a note needs at least one signature")
    lines = (signature_line(s.name, s.key_id, s.sign(text.encode())) for s in signers)
    return text + "\n" + "".join(lines)


def _check_text(text: str) -> None:
    if not text.endswith("\n") or not _printable(text):
        raise NoteError("a note text is printable and ends in a newline")


def split_note(note: str) -> tuple[str, list[tuple[str, bytes, bytes]]]:
    """(text, [(name, key id, signature)]) of a well-formed signed note; NoteError otherwise.

    The text ends at the last blank line, so the text may itself hold blank lines."""
    at = note.rfind("\n\n")
    if at < 0 or not note.endswith("\n"):
        raise NoteError("a signed note is text, a blank line and signature lines")
    text, block = note[: at + 1], note[at + 2 :]
    _check_text(text)
    lines = block[:-1].split("\n")
    if len(lines) > _MAX_SIGNATURES:
        raise NoteError(f"a note carries at most {_MAX_SIGNATURES} signatures")
    return text, [_parse_line(line) for line in lines]


def _parse_line(line: str) -> tuple[str, bytes, bytes]:
    name, _, b64 = line.removeprefix(_DASH).partition(" ")
    try:
        raw = base64.b64decode(b64, validate=True)
    except ValueError:  # binascii.Error, or a character that is not ASCII at all
        raw = b""
    if not line.startswith(_DASH) or len(raw) < 5 or not _printable(line):
        raise NoteError(f"{line!r} is not a signature line")
    check_name(name)
    return name, raw[:4], raw[4:]


def add_signatures(note: str, lines: Sequence[str]) -> str:
    """The signed note with more signature lines (e.g. witness cosignatures) appended; lines it
    already carries are not repeated."""
    _, present = split_note(note)
    added = note
    for line in lines:
        line = line if line.endswith("\n") else line + "\n"
        parsed = _parse_line(line[:-1])
        if parsed not in present:
            added += line
            present.append(parsed)
    return added


def open_note(note: str, verifiers: Sequence[Verifier]) -> tuple[str, list[str]]:
    """(text, names of the verifiers whose signature verified, in note order).

    Unknown keys are ignored; NoteError if the note is malformed, if a known key's signature
    fails, or if no known key signed it."""
    text, signatures = split_note(note)
    known = {(v.name, v.key_id): v for v in verifiers}
    verified: list[str] = []
    seen: set[tuple[str, bytes]] = set()
    for name, kid, sig in signatures:
        verifier = known.get((name, kid))
        if verifier is None or (name, kid) in seen:
            continue
        seen.add((name, kid))
        if not verifier.verify(text.encode(), sig):
            raise NoteError(f"the signature of {name} does not verify")
        verified.append(name)
    if not verified:
        raise NoteError("no known key signed this note")
    return text, verified
