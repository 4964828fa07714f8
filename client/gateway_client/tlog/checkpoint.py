"""C2SP tlog-checkpoint: the note text a log signs for a tree head (origin, size, root)."""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass

from gateway_client.tlog.hashing import HASH_SIZE
from gateway_client.tlog.note import NoteError

_SIZE = re.compile(r"0|[1-9][0-9]{0,18}")  # a tree size is under 2**63: 19 digits at most


@dataclass(frozen=True)
class TreeHead:
    """A parsed checkpoint: which log, how many leaves, their root, and opaque extension lines."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()


def format_checkpoint(origin: str, size: int, root: bytes, extensions: Sequence[str] = ()) -> str:
    """``<origin>\\n<size>\\n<base64 root>\\n`` then one line per extension."""
    text = f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"
    text += "".join(f"{line}\n" for line in extensions)
    head = parse_checkpoint(text)
    if (head.origin, head.size, head.root, head.extensions) != (
        origin,
        size,
        root,
        tuple(extensions),
    ):
        raise NoteError("the checkpoint fields do not round-trip")
    return text


def parse_checkpoint(text: str) -> TreeHead:
    """The tree head of a checkpoint note text; NoteError on anything not canonical (so two
    different texts never parse to the same head)."""
    if not text.endswith("\n"):
        raise NoteError("a checkpoint ends in a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3 or not all(lines) or any(ord(c) < 0x20 for c in text[:-1].replace("\n", "")):
        raise NoteError("a checkpoint is three or more non-empty printable lines")
    origin, size, root, *extensions = lines
    if not _SIZE.fullmatch(size) or int(size) >= 1 << 63:
        raise NoteError(f"{size!r} is not a tree size")
    try:
        raw = base64.b64decode(root, validate=True)
    except ValueError:  # binascii.Error, or a character that is not ASCII at all
        raw = b""
    if len(raw) != HASH_SIZE or base64.b64encode(raw).decode() != root:
        raise NoteError(f"{root!r} is not a base64 SHA-256 root hash")
    return TreeHead(origin, int(size), raw, tuple(extensions))
