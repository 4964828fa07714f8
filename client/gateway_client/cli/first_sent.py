"""When `gateway push` first signed a batch or an upload manifest under an id it was given
(``--batch-id``), so the same command run again signs the same body: the gateway answers an id's
first body again and refuses another body under it, and a fresh ``issued_at`` made every retry
another body (review 113 F1). Kept per region and id, one small file each, under the state
directory: ``CG_STATE_DIR``, else ``$XDG_STATE_HOME/credit-gateway``, else
``~/.local/state/credit-gateway``."""

from __future__ import annotations

import hashlib
import os
from datetime import datetime
from pathlib import Path


def state_dir() -> Path:
    chosen = os.environ.get("CG_STATE_DIR")
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "credit-gateway"


def issued_at(kind: str, region: str, given_id: str | None, now: datetime) -> datetime:
    """``now`` for a new id (kept), the time kept for an id signed before; ``now`` when no id
    was given (a new random one is never sent again)."""
    if given_id is None:
        return now
    name = hashlib.sha256(given_id.encode()).hexdigest()[:32]  # any id: a safe file name
    kept = state_dir() / "issued" / kind / region / name
    try:
        return datetime.fromisoformat(kept.read_text(encoding="utf-8").strip())
    except FileNotFoundError:
        kept.parent.mkdir(parents=True, exist_ok=True)
        kept.write_text(now.isoformat() + "\n", encoding="utf-8")
        return now
