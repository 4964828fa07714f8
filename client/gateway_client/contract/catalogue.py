"""The shipped catalogue of list domains (重点领域) and black-list severities, as data."""

from __future__ import annotations

import json
import re
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Annotated

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from gateway_client.contract.model import Frozen


class ListKind(StrEnum):
    RED = "red"
    BLACK = "black"
    COMMITMENT = "commitment"  # 信用承诺 (``gateway_client.contract.commitment``)
    EVALUATION = "evaluation"  # 信用评价结果 (``gateway_client.contract.evaluation``)


class Severity(StrEnum):
    GENERAL = "general"
    RELATIVELY_SERIOUS = "relatively_serious"
    SERIOUS = "serious"


class Source(Frozen):
    """Where a catalogue entry comes from: a seed (``document`` "000"–"004", the files under
    ``docs/sources/``: its section and the words it uses, verbatim) or a national document."""

    document: str
    section: str | None = None
    quote: str | None = None


class Domain(Frozen):
    key: str
    label: str
    kinds: tuple[ListKind, ...]
    # A black listing whatever its severity: the law lists the domain as serious dishonesty
    # (失信被执行人), so no deployment's severity policy turns it into a mere record.
    black_list_by_law: bool = False
    publicity_years: int | None = None
    # A listing may have no term at all (``open_ended``: listed until deleted).
    open_ended_allowed: bool = False
    # Up to how many years a new decision may add to the publicity period (延长期限); unset: none.
    extension_years: int | None = None
    # Minimum publicity before credit repair; 0: none; unset: the severity's.
    repair_after_years: int | None = None
    # The severities the two above apply to (安全生产严重失信: serious only, DESIGN §4b); a
    # listing of another severity has its severity's period and wait. Unset: every severity.
    period_severities: tuple[Severity, ...] | None = None
    # A removal because the obligation was performed (已履行) is due within so many working days
    # of the performance; unset: no such removal for the domain.
    performed_removal_working_days: int | None = None
    # Listed by the gateway itself (the tick, from a broken commitment by its owner's policy):
    # a platform's push or resync in it would list the subject twice, or unlist the tick's.
    gateway_listed: bool = False
    note: str | None = None
    sources: tuple[Source, ...] = ()

    def sets_period(self, severity: Severity | None) -> bool:
        """Whether the domain's own period and repair wait apply at ``severity``."""
        return self.period_severities is None or severity in self.period_severities


class Scheme(Frozen):
    """A rating scheme (信用评价): its grades, best first, and the domain its results go in."""

    key: str
    label: str
    domain: str
    grades: tuple[str, ...]
    # The grades whose results are incentives (守信激励, as a red listing's) and those that are a
    # bad credit record (as a black listing is: the green channel's "无不良信用记录"); the
    # middle grades are neither. The catalogue's measures for grades name the same ones.
    incentive_grades: tuple[str, ...] = ()
    poor_grades: tuple[str, ...] = ()
    # How long a grade may be pushed to hold (``valid_until`` from ``valid_from``): without a
    # bound, one typed year makes a grade recognised for ever, and a person's never erased.
    longest_valid_months: int = Field(ge=1)
    longest_valid_why: str
    sources: tuple[Source, ...] = ()


class SeverityInfo(Frozen):
    key: Severity
    label: str
    rank: int
    min_publicity_months: int
    max_publicity_months: int


class Catalogue(Frozen):
    version: str
    source: str
    domains: tuple[Domain, ...]
    schemes: tuple[Scheme, ...] = ()
    severities: tuple[SeverityInfo, ...]

    def domain(self, key: str) -> Domain | None:
        return next((d for d in self.domains if d.key == key), None)

    def scheme(self, key: str) -> Scheme | None:
        return next((s for s in self.schemes if s.key == key), None)

    def severity(self, key: Severity) -> SeverityInfo:
        return next(s for s in self.severities if s.key is key)


_KEY_SHAPED = re.compile(r"[A-Za-z0-9_+\-]{1,64}")
_NAME_SHAPED = re.compile(r"[!-~]{1,64}")  # printable ASCII: ``$schema``, ``a.b``, ``@type``


def quoted_key(value: str) -> str:
    """A catalogue key an error may quote back: the value if it is shaped like one, else a
    placeholder. A refusal is kept with a push's or an upload's result and shown in the
    console; a person's name typed into a key's place must not be kept there (review 47c),
    nor a number that could be an ID or a phone number (eleven digits or more: review 361)."""
    shaped = _KEY_SHAPED.fullmatch(value) and sum(c.isdigit() for c in value) < 11
    return value if shaped else "(not a catalogue key)"


def quoted_field(value: str) -> str:
    """An unknown field's name, as ``quoted_key``: a printable ASCII name, unless it could be
    a number or an address (eleven digits or more, an ``@``), else none."""
    shaped = _NAME_SHAPED.fullmatch(value) and "@" not in value
    return value if shaped and sum(c.isdigit() for c in value) < 11 else "(not a field name)"


@cache
def load_catalogue() -> Catalogue:
    """The catalogue shipped in ``gateway/data/domains.json`` (read once per process)."""
    raw = (
        resources.files("gateway_client.contract.data")
        .joinpath("domains.json")
        .read_text(encoding="utf-8")
    )
    return Catalogue.model_validate(json.loads(raw))


def known_grades(value: tuple[str, ...]) -> tuple[str, ...]:
    """A pydantic validator body: every grade must be one of some catalogue scheme's."""
    known = {grade for scheme in load_catalogue().schemes for grade in scheme.grades}
    unknown = [g for g in value if g not in known]
    if unknown:
        grades = ", ".join(quoted_key(g) for g in unknown)
        raise PydanticCustomError(
            "unknown_grade", "no scheme has grade(s) {grades}", {"grades": grades}
        )
    return value


GradeKeys = Annotated[tuple[str, ...], AfterValidator(known_grades)]


def known_domains(value: tuple[str, ...]) -> tuple[str, ...]:
    """A pydantic validator body: every domain must be in the catalogue."""
    unknown = [quoted_key(d) for d in value if load_catalogue().domain(d) is None]
    if unknown:
        raise PydanticCustomError(
            "unknown_domain", "not in the catalogue: {domains}", {"domains": ", ".join(unknown)}
        )
    return value


DomainKeys = Annotated[tuple[str, ...], AfterValidator(known_domains)]
