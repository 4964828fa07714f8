"""Administrative division codes (GB/T 2260): six digits, province → city → county."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

_REGION_RE = re.compile(r"^[1-9][0-9]{5}$")


def check_region_code(value: str) -> str:
    if not _REGION_RE.fullmatch(value):
        raise ValueError("a region is a 6-digit GB/T 2260 administrative division code")
    return value


RegionCode = Annotated[str, AfterValidator(check_region_code)]


def parent(code: str) -> str | None:
    """The enclosing division: county 410184 → city 410100 → province 410000 → None."""
    if code[4:] != "00":
        return code[:4] + "00"
    if code[2:4] != "00":
        return code[:2] + "0000"
    return None


def ancestors(code: str) -> list[str]:
    """The region itself and every enclosing division, innermost first."""
    chain = [code]
    up = parent(code)
    while up is not None:
        chain.append(up)
        up = parent(up)
    return chain


def within(code: str, root: str) -> bool:
    """True when ``code`` is ``root`` or lies in its subtree."""
    return root in ancestors(code)


def subtree_prefix(code: str) -> str:
    """The prefix every code in the subtree shares: 430000 → "43", 430100 → "4301"."""
    if code[2:] == "0000":
        return code[:2]
    if code[4:] == "00":
        return code[:4]
    return code
