"""Files as private as the ID numbers they hold — a bulk check's result file, the openings of a
report's masked numbers: readable by their owner alone, as the key file ``keygen`` writes is
(review 193: they were written under the umask, often readable by every local user)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO


def open_private(path: Path) -> BinaryIO:
    """``path`` emptied for writing, mode 0600 whether it is new or was there before."""
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(handle, 0o600)  # a file there before keeps its mode through O_CREAT
    return os.fdopen(handle, "wb")


def write_private(path: Path, text: str) -> None:
    with open_private(path) as out:
        out.write(text.encode("utf-8"))
