"""Plain-text tables that line up with Chinese text (wide characters take two columns)."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, size: int, right: bool) -> str:
    gap = " " * (size - width(text))
    return gap + text if right else text + gap


def render(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Numbers align right, text left; a rule under the header."""
    cells = [[str(c) for c in row] for row in rows]
    sizes = [max([width(h)] + [width(r[i]) for r in cells]) for i, h in enumerate(headers)]
    numeric = [
        all(r[i].lstrip("-").isdigit() for r in cells) and bool(cells) for i in range(len(headers))
    ]
    lines = ["  ".join(_pad(h, sizes[i], numeric[i]) for i, h in enumerate(headers))]
    lines.append("  ".join("-" * size for size in sizes))
    lines += ["  ".join(_pad(c, sizes[i], numeric[i]) for i, c in enumerate(r)) for r in cells]
    return "\n".join(line.rstrip() for line in lines)
