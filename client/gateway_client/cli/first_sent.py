"""When `gateway push` first signed a batch or an upload manifest under an id it was given
(``--batch-id``), so the same command run again signs the same body: the gateway answers an id's
first body again and refuses another body under it, and a fresh ``issued_at`` made every retry
another body (review 113 F1). Kept per region and id, with a digest of what it signed, under the
state directory: ``CG_STATE_DIR``, else ``$XDG_STATE_HOME/credit-gateway``, else
``~/.local/state/credit-gateway``.

The kept time is used again only for the same content, and never when it is later than now: a
retry of another file (a resync the gateway never received, run again days later with that
day's list) is signed now — an old ``issued_at`` would version its removals before what the
region pushed since (review 114 F2) — and a time kept from a clock that was ahead is not signed
again once the clock is right (F5)."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from datetime import datetime
from pathlib import Path


def state_dir() -> Path:
    chosen = os.environ.get("CG_STATE_DIR")
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "credit-gateway"


def issued_at(
    kind: str, region: str, given_id: str | None, now: datetime, content: bytes
) -> datetime:
    """The ``issued_at`` to sign ``content`` (the body but its ``issued_at``) with: ``now``
    when no id was given (a new random one is never sent again), or for content not signed
    under this id before; else the time it was first signed."""
    if given_id is None:
        return now
    digest = hashlib.sha256(content).hexdigest()
    key = json.dumps([kind, region, given_id, digest]).encode()  # each content its own: another
    kept = state_dir() / "issued" / hashlib.sha256(key).hexdigest()[:40]  # leaves the first's
    first = _kept(kept, digest)
    if first is not None and first <= now:
        return first
    _keep(kept, {"issued_at": now.isoformat(), "content": digest})
    return now


def _kept(path: Path, digest: str) -> datetime | None:
    """The time kept for this content, if any (an unreadable file is as good as none: a run
    cut short while keeping it)."""
    try:
        held = json.loads(path.read_text(encoding="utf-8"))
        return datetime.fromisoformat(held["issued_at"]) if held["content"] == digest else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _keep(path: Path, held: dict[str, str]) -> None:
    """Written whole or not at all (a temporary file renamed over it), so a run cut short, or
    two at once, never leave half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, encoding="utf-8") as out:
        json.dump(held, out)
    os.replace(out.name, path)
