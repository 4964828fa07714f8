"""Which person a signed check report is about, when it shows the person's number masked.

A report shows a resident ID number masked wherever the asker may not see it in full (a number
not found, or found only in listings its region does not recognise), and every number sharing
that mask — the same division and check character — reads the same there: a report on one
person would pass for a report on another (review 138). So the report also signs, for each
masked number, a commitment: SHA-256 of a label, an *opening* and the full number. The opening
(32 bytes, hex) is given to the asker alone, beside the report, never in it: with it unknown,
no guessed number can be checked against the commitment (the mask leaves a few million
candidates, which a bare hash would give away in a second). The asker, who typed the number,
hands a number's opening with the report to whoever must know the report is about that number:
``gateway verify-report --code NUMBER --opening HEX`` then proves it. An opening is as private
as the number: it opens that one number only.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from gateway_client.contract.codes import classify, mask

LABEL = b"credit-gateway/check-report-code/v1\n"
OPENING_PATTERN = "^[0-9a-f]{64}$"


def code_commitment(code: str, opening: str) -> str:
    """SHA-256(label || opening's bytes || the code, compacted, UTF-8), hex."""
    return hashlib.sha256(LABEL + bytes.fromhex(opening) + code.encode()).hexdigest()


def opening_at(key: bytes, place: int) -> str:
    """The opening of the code at ``place`` (a check's index, a bulk check's line) under a
    check's opening key: one key per check, so the gateway keeps no opening anywhere."""
    return hmac.new(key, str(place).encode(), hashlib.sha256).hexdigest()


def committed_place(commitments: Sequence[object], code: str, opening: str) -> int | None:
    """Where ``commitments`` holds ``code`` under ``opening``: its index, or None."""
    wanted = code_commitment(code, opening)
    found = [i for i, held in enumerate(commitments) if held == wanted]
    return found[0] if found else None


def place_in(content: Mapping[str, Any], results: bytes | None, code: str, opening: str) -> int:
    """Where the report commits to ``code`` under ``opening``: a check report's result index,
    a bulk check's line (in ``results``, the file it signs: each line's ``commitment``).
    ValueError saying why not, naming the number only masked."""
    if not re.fullmatch(OPENING_PATTERN, opening):
        raise ValueError("an opening is 64 lowercase hex digits")
    try:
        compacted = classify(code)[0]
    except ValueError:
        raise ValueError("--code is not a unified social credit code or resident ID") from None
    commitments = content.get("commitments")
    if isinstance(commitments, list):
        place = committed_place(commitments, compacted, opening)
    elif "results_file" in content and results is not None:
        lines = [_line(raw) for raw in results.splitlines()]
        found = committed_place([x.get("commitment") for x in lines], compacted, opening)
        place = None if found is None else lines[found].get("line")
    elif "results_file" in content:
        raise ValueError("a bulk check's numbers are in its result file: give it (--results)")
    else:
        raise ValueError("this report commits to no masked number (issued before commitments)")
    if type(place) is not int:
        raise ValueError(
            f"the report commits to no {mask(compacted)} under that opening: it is not shown "
            "to be about that number"
        )
    return place


def _line(raw: bytes) -> dict[str, Any]:
    try:
        found = json.loads(raw)
    except (ValueError, RecursionError):  # a nesting no result file holds: no commitment
        return {}
    return found if isinstance(found, dict) else {}
