"""Files as private as the ID numbers they hold — a bulk check's result file, the openings of a
report's masked numbers: readable by their owner alone, as the key file ``keygen`` writes is
(review 193: they were written under the umask, often readable by every local user)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


def open_private(path: Path) -> BinaryIO:
    """``path`` emptied for writing, mode 0600 whether it is new or was there before."""
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(handle, 0o600)  # a file there before keeps its mode through O_CREAT
    return os.fdopen(handle, "wb")


@contextmanager
def replaced_privately(path: Path) -> Iterator[BinaryIO]:
    """A private file written beside ``path`` and put in its place once whole: a transfer cut
    short (a dropped connection, Ctrl-C, a full disk) leaves ``path`` as it was and nothing
    beside it (review 242: a result file cut short was left at ``--out``, looking whole)."""
    part = path.with_name(path.name + ".part")
    try:
        with open_private(part) as out:
            yield out
        part.replace(path)
    finally:
        part.unlink(missing_ok=True)


def write_private(path: Path, text: str) -> None:
    with replaced_privately(path) as out:
        out.write(text.encode("utf-8"))
