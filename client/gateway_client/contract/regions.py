"""Administrative division codes (GB/T 2260): six digits, county → city → province → nation.

The nation (``100000``, 信用中国's platform) is the root of the tree: no GB/T 2260 province
starts with ``10``, so the code cannot collide with a real division. National ministries and
sector platforms (the courts, tax, customs: 国家部委/行业平台) sit directly under it with
reserved codes ``1000NN``; they list in their own name and have no sub-regions.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Annotated

from pydantic import AfterValidator, ValidationInfo
from pydantic_core import PydanticCustomError
from stdnum import numdb

from gateway_client.contract.model import intake_of

_REGION_RE = re.compile(r"^[1-9][0-9]{5}$")
_NATIONAL_SOURCE_RE = re.compile(r"^1000(0[1-9]|[1-9][0-9])$")

NATION = "100000"


def check_region_code(value: str) -> str:
    if not _REGION_RE.fullmatch(value):
        raise ValueError("a region is a 6-digit GB/T 2260 administrative division code")
    return value


RegionCode = Annotated[str, AfterValidator(check_region_code)]


def is_national_source(code: str) -> bool:
    """``1000NN`` (NN ≠ 00): a code reserved for a national ministry or sector platform."""
    return bool(_NATIONAL_SOURCE_RE.fullmatch(code))


def is_division(code: str) -> bool:
    """A code a GB/T 2260 division may hold: anything outside the nation's reserved ``10`` block."""
    return not code.startswith("10")


def parent(code: str) -> str | None:
    """The enclosing division: county 410184 → city 410100 → province 410000 → nation 100000
    → None; a national source 100001 → 100000."""
    if code == NATION:
        return None
    if code[4:] != "00":
        return code[:4] + "00"
    if code[2:4] != "00":
        return code[:2] + "0000"
    return NATION


def ancestors(code: str) -> list[str]:
    """The region itself and every enclosing division, innermost first (the nation last)."""
    chain = [code]
    up = parent(code)
    while up is not None:
        chain.append(up)
        up = parent(up)
    return chain


def within(code: str, root: str) -> bool:
    """True when ``code`` is ``root`` or lies in its subtree (everything lies in the nation's)."""
    return root in ancestors(code)


def in_chain(provenances: Iterable[str], owner: str) -> set[str]:
    """The provenances that lie in ``owner``'s chain — the owner and the ancestors that may
    relay for it: what a listing's provenances may hold (the others are an old owner's, review
    141)."""
    return {p for p in provenances if within(owner, p)}


def subtree_prefix(code: str) -> str:
    """The prefix every code in the subtree shares: 430000 → "43", 430100 → "4301", the
    nation → "" (its subtree is every code), a national source → its own code."""
    if code == NATION:
        return ""
    if code[2:] == "0000":
        return code[:2]
    if code[4:] == "00":
        return code[:4]
    return code


@functools.lru_cache(maxsize=8192)
def known_division(code: str) -> bool:
    """A GB/T 2260 division (province, city or county) that existed in some year, by the list
    resident IDs are checked against; the nation's reserved 10xxxx codes are not on it."""
    return "county" in _division(code)


def existed_from(code: str, year: int) -> bool:
    """Whether the division was on the list in ``year`` or any year after it (``known_division``
    for one that still is)."""
    for county in _division(code).get("county", "").split(","):
        if not county.startswith("["):  # no years: on the list throughout
            return bool(county)
        ended = county[1:].split("]", 1)[0].partition("-")[2]
        if not ended or int(ended) >= year:
            return True
    return False


def _division(code: str) -> dict[str, str]:
    return {k: v for _, props in numdb.get("cn/loc").info(code) for k, v in props.items()}


def jurisdiction_exists(code: str) -> bool:
    """A division on the list (``known_division``), or a county-level code under a city still
    on it (``newer_district``) — the list lags new districts (330113 临平区 and 330114 钱塘区,
    made in 2021, are not on it), and refusing a real district's listings would be worse than
    taking a code its own city vouches for, but a prefecture abolished decades ago vouches for
    none (132199 under 132100 邯郸地区, to 1993: review 141); a city or province must be on the
    list itself (420001 and 429900 are refused: a typo there would file listings under no real
    region) — the nation, or a code a national source may hold (``1000NN``); no other code of
    the nation's reserved block (105555)."""
    if not is_division(code):
        return code == NATION or is_national_source(code)
    return known_division(code) or newer_district(code)


def newer_district(code: str) -> bool:
    """A county-level code not on the list under a city still on it: a district the list lags
    (as ``jurisdiction_exists`` takes one), made after the list was — so after anyone's birth
    it lists. For a resident ID's issuing office the city must be one of today:
    under a prefecture abolished decades ago (132100 邯郸地区, to 1993) no district is new, and
    all-digit USCCs spelling such codes were read as persons' numbers (review 136)."""
    county_level = code[2:4] != "00" and code[4:] != "00"
    city = code[:4] + "00"
    return county_level and not known_division(code) and existed_from(city, _STILL)


_STILL = 9999  # a year no division on the list has ended by: ``existed_from`` it, still there


NO_JURISDICTION = "no GB/T 2260 division, nor the nation or a national source, has this code"


def existing_region(code: str, info: ValidationInfo) -> str:
    """A division a registration names exists (``existing_jurisdiction``); the nation's
    reserved codes are judged by their kind there."""
    return existing_jurisdiction(code, info) if is_division(code) else code


def existing_jurisdiction(code: str, info: ValidationInfo) -> str:
    """A region a request names as a jurisdiction — the one a signed check report judged
    recognition for, a listing's origin, a query's ``as`` — that exists (``jurisdiction_exists``).
    Stored records are read as they are."""
    if intake_of(info) is not None and not jurisdiction_exists(code):
        raise PydanticCustomError("unknown_division", NO_JURISDICTION)
    return code


def check_existing_jurisdiction(value: str) -> str:
    """A query parameter's region: six digits naming a jurisdiction that exists."""
    check_region_code(value)
    if not jurisdiction_exists(value):
        raise ValueError(NO_JURISDICTION)
    return value


ExistingRegion = Annotated[RegionCode, AfterValidator(existing_jurisdiction)]
