"""Batch checks (应查必查 at scale): a department checks every applicant, a procurement every
bidder, up to ``MAX_CODES`` codes in one request, each answered exactly as the one-stop query
answers it for the same caller (``gateway.recognition.subject_view``: the same disclosure,
recognition and measures).

A code that is not one is that code's error, never the batch's: the others are still checked.
Every valid code checked leaves a trail entry, whether or not anything was found, all carrying
the check's id: the operator sees who checked whom and why, and the owners of what was shown
see who looked at their listings (``gateway.recognition.query_trail``).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, Field, PlainValidator, StrictBool
from pydantic_core import PydanticCustomError

from gateway.checks.named import Named, NamedReader
from gateway.lifecycle import as_on
from gateway.persons import PersonListing, PersonView, person_view, shown_in_full
from gateway.recognition import (
    Agreement,
    Asked,
    SubjectView,
    TrailEntry,
    Viewer,
    subject_view,
    trail_entries,
)
from gateway_client.contract import (
    BadRequest,
    ExistingRegion,
    Frozen,
    ListedAs,
    Listing,
    ListingStatus,
    ListKind,
    Purpose,
    china_date,
    mask,
    requested_code,
)

MAX_CODES = 1000


def _scalar(value: object) -> object:
    """Any JSON scalar passes, to be that entry's error if it is no code; an array or an
    object is refused at its place (review 300: a union named each member in the path)."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise PydanticCustomError("string_type", "a code is a string")


Scalar = Annotated[
    str | int | float | bool | None,
    PlainValidator(_scalar, json_schema_input_type=str | int | float | bool | None),
]


class CheckRequest(Frozen):
    # any JSON scalar, so that a number or a null (a spreadsheet's cell) is that entry's error,
    # not the whole batch's (review 294)
    codes: tuple[Scalar, ...] = Field(
        min_length=1,
        max_length=MAX_CODES,
        description="unified social credit codes or resident ID numbers, as strings; each is "
        "checked on its own, so one that is not a code is that entry's error",
    )
    purpose: Purpose = Field(description="why: recorded in the query trail for every code")
    as_region: ExistingRegion | None = Field(
        default=None,
        description="whose recognition and measures to show; a platform's own region when absent",
    )
    report: StrictBool = Field(default=False, description="also return a signed check report")


class CodeError(Frozen):
    code: str
    message: str
    path: str = Field(description="codes[<index>]")
    reason: str | None = None


class CheckResult(Frozen):
    index: int = Field(description="the code's position in the request")
    credit_code: str | None = Field(
        description="compacted; a resident ID number masked unless the asker may see it in "
        "full; null for an entry that is not a code"
    )
    found: bool = Field(
        description="whether the asker may see any listing of the code, or (a person's) any "
        "listing naming the person"
    )
    subject: SubjectView | None = None
    named_in: tuple[PersonListing, ...] = Field(
        default=(),
        exclude_if=lambda value: not value,
        description="a resident ID number's: the listings of other subjects (a company) that "
        "name the person as a responsible person (法定代表人, 主要负责人 …), as the person "
        "query shows them to the asker, with the measures aimed at the person (落实到人); "
        "absent when none",
    )
    error: CodeError | None = None


class CheckSummary(Frozen):
    checked: int
    found: int
    invalid: int
    black: int = Field(
        description="codes with a black listing (黑名单, joint punishment) that applies; a "
        "dishonesty record is not one"
    )
    dishonesty_records: int = Field(
        description="codes with a dishonesty record (失信记录: a black-list entry the severity "
        "policy does not make a black listing) that applies",
    )
    red: int = Field(description="codes with a red listing that applies")
    intensified: int
    broken_commitments: int = Field(description="codes with a broken commitment shown")
    named_in_black: int = Field(
        default=0,
        description="persons' codes named as a responsible person in another subject's black "
        "listing (or dishonesty record) that applies",
    )


class CheckOutcome(Frozen):
    check_id: str
    checked_at: AwareDatetime
    asked_by: str
    as_region: str | None
    purpose: Purpose
    results: tuple[CheckResult, ...]
    summary: CheckSummary


def new_check_id() -> str:
    return "chk_" + secrets.token_hex(16)


def compacted(
    codes: Sequence[object],
    now: datetime,
    earlier: Mapping[str, str] | None = None,
    places: Sequence[str] | None = None,
) -> tuple[dict[int, str], dict[int, CodeError]]:
    """Each requested code compacted, or its error (``requested_code``'s, at ``codes[i]``; a
    code asked again, here or ``earlier`` — code → where it was asked — is ``duplicate_code``,
    naming where it was first asked: ``places[i]`` if given (a bulk check's lines), else
    ``codes[i]``)."""
    valid: dict[int, str] = {}
    invalid: dict[int, CodeError] = {}
    first: dict[str, int] = {}
    earlier = earlier or {}
    places = places or [f"codes[{i}]" for i in range(len(codes))]
    for index, raw in enumerate(codes):
        try:
            if not isinstance(raw, str):  # a number would have lost its leading zeros or X
                raise BadRequest("a code is a string", path="credit_code", reason="not_a_string")
            code = requested_code(raw, china_date(now))
        except BadRequest as problem:
            invalid[index] = CodeError(
                code=problem.code,
                message=problem.message,
                path=f"codes[{index}]",
                reason=problem.context.get("reason"),
            )
            continue
        if code in first or code in earlier:  # answered once: a repeat would only add length
            where = earlier.get(code) or places[first[code]]
            invalid[index] = CodeError(
                code="duplicate_code", message=f"the same code as {where}", path=f"codes[{index}]"
            )
            continue
        first[code] = index
        valid[index] = code
    return valid, invalid


@dataclass(frozen=True)
class Checked:
    """A check's answer, and the valid codes it was about (compacted, by their index)."""

    outcome: CheckOutcome
    codes: Mapping[int, str]

    def trail(self, asked: Asked) -> list[tuple[str, TrailEntry]]:
        """One trail entry per distinct valid code, filed under it: ``(code, entry)``; and one
        under each responsible person's number the answer showed in full, with the listings
        that showed it, as the one-stop query files it (review 193: a check of a thousand
        companies showed their representatives' numbers and left nothing under them).
        A number also asked for is one look: one entry holding both (review 194). ``asked``
        carries the asker, time, purpose and retention of the check."""
        shown: dict[str, list[Listing]] = {}
        for result in self.outcome.results:
            if result.index in self.codes:
                subject = result.subject
                listings = [v.listing for v in subject.listings] if subject else []
                listings += [p.listing for p in result.named_in]  # shown under the person too
                shown.setdefault(self.codes[result.index], listings)
        looks = {code: list(listings) for code, listings in shown.items()}
        for code, of_code in shown.items():
            for number, showing in shown_in_full(of_code).items():
                if number != code:
                    looks.setdefault(number, []).extend(showing)
        return [
            (code, entry)
            for code, listings in looks.items()
            for entry in trail_entries(code, _once(listings), asked)
        ]


def _once(listings: Sequence[Listing]) -> list[Listing]:
    """Each listing once, as first shown: one shown twice (a company's listing asked for and
    naming the person asked for) is one look at it (review 194)."""
    first: dict[str, Listing] = {}
    for listing in listings:
        first.setdefault(listing.listing_id, listing)
    return list(first.values())


Reader = Callable[[Sequence[str]], Mapping[str, Sequence[Listing]]]
"""Every listing of each of these codes, as stored (``ListingStore.subjects``)."""


def check(
    request: CheckRequest,
    viewer: Viewer,
    read: Reader,
    agreements: Sequence[Agreement],
    now: datetime,
    earlier: Mapping[str, str] | None = None,
    places: Sequence[str] | None = None,
    named: NamedReader | None = None,
) -> Checked:
    """Answer each code from what ``read`` finds for the valid ones (each read once), and a
    person's also from what ``named`` finds naming the person; a code ``earlier`` holds (a
    bulk check's earlier block: code → its line) is a repeat, and ``places`` name where each
    code was asked (``compacted``)."""
    as_region = request.as_region or viewer.region
    valid, invalid = compacted(request.codes, now, earlier, places)
    codes = sorted(set(valid.values()))
    held = read(codes)
    naming = named(codes) if named is not None else Named()
    today = china_date(now)
    views: dict[str, SubjectView | None] = {
        code: subject_view(
            [as_on(x, today) for x in held.get(code, ())], as_region, agreements, today, viewer
        )
        for code in codes
    }
    persons = {  # as the person query shows each number's listings to the same asker
        code: person_view(code, xs, viewer, agreements, today, as_region, naming.subjects)
        for code, xs in naming.listings.items()
    }
    results = tuple(
        CheckResult(index=i, credit_code=None, found=False, error=invalid[i])
        if i in invalid
        else _result(i, valid[i], views[valid[i]], persons.get(valid[i]))
        for i in range(len(request.codes))
    )
    outcome = CheckOutcome(
        check_id=new_check_id(),
        checked_at=now,
        asked_by="operator" if viewer.operator else str(viewer.region),
        as_region=as_region,
        purpose=request.purpose,
        results=results,
        summary=_summary(results),
    )
    return Checked(outcome, valid)


def _result(
    index: int, code: str, view: SubjectView | None, named: PersonView | None
) -> CheckResult:
    """The code as its own listings show it (else as those naming the person do: in full only
    where one shows it in full to the asker)."""
    shown = view.credit_code if view is not None else named.id_number if named else mask(code)
    return CheckResult(
        index=index,
        credit_code=shown,
        found=view is not None or named is not None,
        subject=view,
        named_in=named.listings if named is not None else (),
    )


def _applying(view: SubjectView, kind: ListKind, listed_as: ListedAs | None = None) -> bool:
    """Whether a listing of ``kind`` applies to the subject (and, for a black-list entry, is
    ``listed_as`` that: a black listing or a mere record)."""
    return any(
        v.listing.kind is kind
        and v.recognised is not False
        and v.listing.status is ListingStatus.ACTIVE
        and v.suspended_because is None  # a red listing's incentives held back (review 193)
        and (listed_as is None or v.listed_as is listed_as)
        for v in view.listings
    )


def _summary(results: Sequence[CheckResult]) -> CheckSummary:
    views = [r.subject for r in results if r.subject is not None]
    return CheckSummary(
        checked=len(results),
        found=sum(1 for r in results if r.found),
        invalid=sum(1 for r in results if r.error is not None),
        black=sum(1 for v in views if _applying(v, ListKind.BLACK, ListedAs.BLACK_LIST)),
        dishonesty_records=sum(
            1 for v in views if _applying(v, ListKind.BLACK, ListedAs.DISHONESTY_RECORD)
        ),
        red=sum(1 for v in views if _applying(v, ListKind.RED)),
        intensified=sum(1 for v in views if v.intensified),
        broken_commitments=sum(1 for v in views if v.commitments.broken),
        named_in_black=sum(1 for r in results if any(map(_applying_black, r.named_in))),
    )


def _applying_black(named: PersonListing) -> bool:
    """A black-list entry naming the person that applies: in force, not suspended, and not
    refused recognition by the region asked for."""
    return (
        named.listing.kind is ListKind.BLACK
        and named.status is ListingStatus.ACTIVE
        and named.recognised is not False
        and named.suspended_because is None
    )
