"""Files as private as the ID numbers they hold — a bulk check's result file, the openings of a
report's masked numbers: readable by their owner alone, as the key file ``keygen`` writes is
(review 193: they were written under the umask, often readable by every local user)."""

from __future__ import annotations

import errno
import os
import tempfile
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


def create_private(path: Path, text: str) -> None:
    """A new private file at ``path``, never one there before, and there only once whole: it is
    written beside and linked in place (a link refuses an existing name). A key file made with
    ``touch`` and then written was left empty by a full disk, and the next ``keygen`` refused
    to replace it (review 242). Where the file system has no links (FAT, many network mounts)
    it is created in place, exclusively, and removed if it cannot be written whole. Errors
    name ``path``, never the file beside it."""
    data = text.encode("utf-8")
    try:
        handle, part = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # mode 0600
    except OSError as exc:
        raise _named(exc, path) from exc
    try:
        _write(handle, data, path)
        try:
            os.link(part, path)
        except OSError as exc:
            if exc.errno not in _NO_LINKS:
                raise _named(exc, path) from exc
            _create_in_place(path, data)
    finally:
        os.unlink(part)


_NO_LINKS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV}


def _create_in_place(path: Path, data: bytes) -> None:
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise _named(exc, path) from exc
    try:
        _write(handle, data, path)
    except OSError:
        path.unlink(missing_ok=True)
        raise


def _write(handle: int, data: bytes, path: Path) -> None:
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
    except OSError as exc:
        raise _named(exc, path) from exc


def _named(exc: OSError, path: Path) -> OSError:
    """The same error (``OSError`` picks its subclass by errno) naming ``path``."""
    return OSError(exc.errno, exc.strerror, str(path))
