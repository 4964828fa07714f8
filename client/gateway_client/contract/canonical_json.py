"""The one JSON encoding the gateway hashes (log leaves, change digests, ID commitments): sorted
keys, no whitespace, UTF-8 as is, so every party that hashes a value gets the same bytes."""

from __future__ import annotations

import json
from typing import Any


def canonical(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
