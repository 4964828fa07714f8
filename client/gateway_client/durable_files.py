"""Writing ``gateway listen``'s files so that what was acknowledged survives a crash, and what
was cut short is never taken for whole.

Lines are appended and fsynced before the webhook is answered; a line cut short (the process
died, or the disk filled, mid-write) was never acknowledged, so it is cut off at start-up or at
once. A file rewritten (an erasure) is written beside the old one and swapped in: a crash
leaves the old file or the new one, whole, and at most a stale ``.tmp`` copy, removed at the
next start. Every file is its owner's alone (0600; the batch files' folder 0700): the store
holds what was delivered in full, ID numbers and names (review 209: they took the umask, often
readable by every local user); a store an earlier release wrote is made so at start-up. While
it writes, the listener holds ``<store>.lock``, which ``verify-log`` holds shared while it
reads: an erasure half done, read, would look like an edit.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, cast

TEMP_SUFFIX = ".tmp"


def lock_path(store: Path) -> Path:
    return store.with_name(store.name + ".lock")


@contextmanager
def locked(store: Path, shared: bool = False) -> Iterator[None]:
    """Hold ``store``'s lock: exclusive to write, ``shared`` to read (a store no listener of
    this release wrote has no lock file, and is read as it is). Advisory, as POSIX locks are:
    it keeps the listener and verify-log apart, not someone editing the files."""
    path = lock_path(store)
    if shared and not path.exists():
        yield
        return
    with path.open("rb" if shared else "ab") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        yield  # closing the file releases the lock


@contextmanager
def held_alone(path: Path) -> Iterator[bool]:
    """``path``'s lock taken without waiting, held while the block runs; the block is told
    whether it got it (False: another process holds it)."""
    with path.open("ab") as held:
        try:
            fcntl.flock(held.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True  # closing the file releases the lock


PRIVATE = 0o600
PRIVATE_FOLDER = 0o700


def _opened(path: Path, flags: int, mode: str) -> BinaryIO:
    """``path`` opened for writing, created 0600 if missing."""
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | flags, PRIVATE)
    return cast("BinaryIO", os.fdopen(handle, mode))


def append_durably(path: Path, data: bytes) -> None:
    """Append ``data`` (whole lines) and fsync; on failure, nothing of it stays."""
    with _opened(path, os.O_APPEND, "ab") as out:
        start = out.tell()
        try:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        except OSError:
            out.truncate(start)
            raise


def replace_durably(path: Path, data: bytes) -> None:
    """``path`` holds ``data``, or (a crash before the swap) what it held before."""
    fresh = path.with_name(path.name + TEMP_SUFFIX)
    fresh.unlink(missing_ok=True)  # left by a crash, perhaps under another mode
    with _opened(fresh, os.O_TRUNC, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    fresh.replace(path)
    sync_directory(path.parent)


def open_lines(path: Path) -> None:
    """Ready ``path`` for appending at start-up: created if missing, a last line cut short by a
    crash cut off, and a rewrite the crash left beside it removed."""
    path.with_name(path.name + TEMP_SUFFIX).unlink(missing_ok=True)
    if not path.exists():
        _opened(path, 0, "ab").close()
        sync_directory(path.parent)
        return
    path.chmod(PRIVATE)
    with path.open("rb+") as held:
        content = held.read()
        if content and not content.endswith(b"\n"):
            held.truncate(content.rfind(b"\n") + 1)
            os.fsync(held.fileno())


def sync_directory(directory: Path) -> None:
    """A new file's name is durable only once its directory is (POSIX)."""
    handle = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
