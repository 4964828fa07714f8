"""NDJSON read as a stream of numbered lines, one line in memory at a time: a bulk upload's
file may be far larger than a function's memory, and a read that stopped resumes at a byte
offset."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Line:
    number: int
    end: int
    """Byte offset just after this line: where a resumed read starts."""
    text: bytes
    overlong: bool = False


def lines_of(
    chunks: Iterable[bytes], start_line: int = 0, start_offset: int = 0, most: int | None = None
) -> Iterator[Line]:
    """Split a byte stream into numbered lines, holding at most one line in memory.

    Blank lines are skipped (but numbered), however long (review 397: a check file's line of
    spaces past ``CHECK_LINE_BYTES`` was refused as overlong, though the manifest's count,
    read with the entries' limit, skipped it); a line over ``most`` bytes
    (``MAX_LINE_BYTES``) is reported as overlong rather than buffered.
    """
    most = MAX_LINE_BYTES if most is None else most
    number, offset = start_line, start_offset
    pending = bytearray()
    overlong = inked = False  # inked: an overlong line's discarded bytes were not all blank
    for chunk in chunks:
        start = 0
        while True:
            newline = chunk.find(b"\n", start)
            part = chunk[start:] if newline < 0 else chunk[start:newline]
            if overlong:
                inked = inked or bool(part.strip())
            else:
                pending += part
                if len(pending) > most:
                    overlong, inked = True, bool(pending.strip())
                    pending.clear()
            if newline < 0:
                break
            number += 1
            if inked or pending.strip():
                yield Line(number, offset + newline + 1, bytes(pending), overlong)
            pending.clear()
            overlong = inked = False
            start = newline + 1
        offset += len(chunk)
    if inked or pending.strip():
        yield Line(number + 1, offset, bytes(pending), overlong)


MAX_LINE_BYTES = 256 * 1024
"""An entry at every field's limit (under 20,000 characters) written with every character
outside ASCII escaped — twelve bytes each for one outside the BMP — fits (review 370: at 64 KiB
an entry a push took was refused in an upload); two batches of 500 such lines stay well inside
the ingest function's memory."""
CHECK_LINE_BYTES = 4 * 1024
"""A check file's line holds one code: a block of 1,000 held at once stays small (review 373:
at the entries' limit, one check of long lines held a gigabyte)."""
