"""Province-scale synthetic lists: valid, distinct black-list entries for bulk tests and benches.

Entry ``i`` always has the same credit code and decision, so a second file with other
``version`` or a subset of ``range`` is a realistic resync of the first.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from infra.local.scenario import make_uscc

_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def domain_of(i: int) -> str:
    """Half court defaulters, half tax violators, one in a hundred work-safety cases."""
    if i % 100 == 0:
        return "work_safety"
    return "court_defaulter" if i % 2 else "major_tax_violation"


def credit_code(region: str, i: int) -> str:
    """A valid unified social credit code for enterprise ``i`` registered in ``region``."""
    serial = ""
    for _ in range(9):
        i, digit = divmod(i, len(_ALPHABET))
        serial = _ALPHABET[digit] + serial
    return make_uscc("91" + region + serial)


def entry(region: str, i: int, version: int = 0, domain: str | None = None) -> dict[str, Any]:
    updated = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=version)
    return {
        "credit_code": credit_code(region, i),
        "subject_name": f"某某有限公司{i:07d}",
        "kind": "black",
        "domain": domain or domain_of(i),
        "severity": "serious",
        "reason": "有履行能力而拒不履行生效法律文书确定的义务",
        "legal_basis": "《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条",
        "deciding_authority": "某某市中级人民法院",
        "decision_number": f"(2025)执{i}号",
        "decided_on": "2025-06-01",
        "valid_from": "2025-06-01",
        "source_updated_at": updated.isoformat(),
    }


def entries(
    region: str, ids: Iterable[int], version: int = 0, domain: str | None = None
) -> Iterator[dict[str, Any]]:
    return (entry(region, i, version, domain) for i in ids)


def write_ndjson(path: Path, rows: Iterable[Any]) -> Path:
    """One JSON document a line, streamed to disk."""
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path
