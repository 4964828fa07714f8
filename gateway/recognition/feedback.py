"""执行反馈: subscribers report the measures they executed (trigger → response → feedback)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field
from pydantic_core import to_json

from gateway.recognition.agreement import Agreement
from gateway.recognition.feedback_grounds import no_ground, no_ground_that_day, out_of_force
from gateway.recognition.feedback_yield import held_back_on
from gateway.recognition.measures import load_measures
from gateway_client.contract import (
    FREE_TEXT,
    IN_FORCE,
    ONE_LINE,
    BadRequest,
    Change,
    ChangeType,
    Conflict,
    DatesOutOfOrder,
    Day,
    DuplicateValue,
    Frozen,
    FutureDate,
    Listing,
    MeasureId,
    Recognition,
    stopped_applying,
)


class ExecutedMeasure(Frozen):
    measure_id: MeasureId
    department: Annotated[str, Field(min_length=1, max_length=200), ONE_LINE]
    executed_on: Day
    result: Literal["executed", "not_applicable", "failed"]
    note: Annotated[str, Field(max_length=1000), FREE_TEXT] = ""


MAX_MEASURES_BYTES = 384 * 1024
"""A report is kept as one DynamoDB item (400 KB at most, with who sent it and about which
listing): its measures, as JSON, stay under this. The fields' own limits allow more only in
4-byte characters (CJK Extension B, 4 bytes each in UTF-8); in the common CJK range, at most
about 370 KB. Judged on a report sent (``check_report``), not on one read back: a report
stored before the limit stays readable."""


class ReportTooLarge(BadRequest):
    """The measures would not fit the one item a report is kept as."""

    code = "report_too_large"
    default_path = "measures"


class FeedbackReport(Frozen):
    """What a subscriber posts for one delivery it received."""

    delivery_id: Annotated[str, Field(pattern=r"^msg_[0-9a-f]{32}$")]
    batch_id: Annotated[str, Field(pattern=r"^bat_[0-9a-f]{32}$")] | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="the batch a change delivered in a batch came in (its line has no record "
        "of its own: the subscription's deliveries list it with this batch_id)",
    )
    measures: tuple[ExecutedMeasure, ...] = Field(min_length=1, max_length=100)


class Feedback(FeedbackReport):
    """A report as kept: who sent it, about which listing."""

    subscription_id: str
    subscriber_region: str
    listing_id: str
    credit_code: str
    origin_region: str
    submitted_at: AwareDatetime


Case = tuple[str, date]
"""One execution: a measure on a day (one case, 联合奖惩案例, whatever deliveries it came by)."""


def cases_in(report: FeedbackReport | None) -> dict[Case, str]:
    """The cases a report names, each with its delivery."""
    if report is None:
        return {}
    return {(m.measure_id, m.executed_on): report.delivery_id for m in report.measures}


def reported_cases(earlier: Iterable[Feedback], claimed: Mapping[Case, str]) -> dict[Case, str]:
    """The region's cases about a listing: those its reports kept before cases were held apart
    name, and those held (``claimed``, which the store keeps exactly: a report races none)."""
    found: dict[Case, str] = {}
    for report in earlier:
        found |= cases_in(report)
    return found | dict(claimed)


class UnknownMeasure(BadRequest):
    """A measure the catalogue (``gateway/data/measures.json``) does not hold."""

    code = "unknown_measure"


class MeasureKindMismatch(BadRequest):
    """A measure for another kind of list (a red list's 绿色通道 on a black listing)."""

    code = "measure_kind_mismatch"


class NoLongerApplying(Conflict):
    """Feedback for a delivery that told of the listing's end (revoked, expired, repaired…):
    it asked for measures to stop, not to be executed."""

    code = "listing_not_in_force"


STEP_ONLY = frozenset(
    {
        ChangeType.OBJECTION_FILED,
        ChangeType.OBJECTION_PROGRESSED,
        ChangeType.OBJECTION_DECIDED,
        ChangeType.SUSPENDED,
    }
)
"""Changes that tell of an objection's step or a suspension: they give nothing new to execute
(a decision that changes the content is ``corrected``, one that lifts a suspension
``reinstated``), so they ask no feedback and the feedback rate does not count them — any
region a listing went to can object to it, and each objection made a delivery to every
subscriber that it could not answer (review 275). A report about one is kept all the same,
its measures counted as cases (it may be a subscription's first copy of the listing: review
276); it is not counted as answering."""


def asks_feedback(change: Change) -> bool:
    """Whether a delivery of ``change`` asks its subscriber for feedback (and counts among the
    feedback rate's deliveries): not a step only (``STEP_ONLY``), and of a listing in force —
    not its end (a removal, an expiry, a purge's tombstone asked for measures to stop: review
    202), nor a suspension's time (nothing to execute: an update pushed meanwhile was counted,
    review 321)."""
    if change.type in STEP_ONLY or change.type is ChangeType.PURGED:  # a tombstone: review 323
        return False
    return change.listing.status in IN_FORCE


class NoticeDelivery(Conflict):
    """Feedback on an objection notice (核查通知): it asked the owner's chain to verify the
    objection, not to act on the listing, which may never have reached the subscription
    (review 164); or on the intensified-punishment flag, whose change a ``listing.changed``
    delivery carried, the one to report against (review 347)."""

    code = "not_a_listing_delivery"
    default_path = "delivery_id"


class MeasureNotDelivered(Conflict):
    """A measure reported executed on a delivery that gave no ground for it: the region did not
    recognise the listing (no agreement, or the listing suspended when delivered), the measure
    was held back (a red listing's incentives while a black listing is in force), or the
    delivery's measures do not name it."""

    code = "measure_not_delivered"


class AlreadyReported(Conflict):
    """The region reported the same measure on the same day for the listing against another of
    its deliveries: one execution is one case (a later report for that delivery replaces it)."""

    code = "already_reported"


def check_report(
    report: FeedbackReport,
    listing: Listing | None,
    today: date,
    recognition: Recognition | None = None,
    reported: Mapping[Case, str] | None = None,
    held: Listing | None = None,
    agreements: Mapping[str, Agreement] | None = None,
    delivered_at: datetime | None = None,
    subject: Sequence[Listing] = (),
    seen: Collection[str] = frozenset(),
) -> None:
    """Refuse a report that cannot be true, before it is stored or counted: feedback feeds the
    monthly statistics (执行反馈), so a measure that does not exist, belongs to the other list,
    or was executed in the future or before the decision would count what never happened, as
    would feedback on the delivery of the listing's end, or a measure executed that the
    delivery's recognition did not name (or held back); one measure named twice on one day
    would count twice, in one report or in two about the same listing; and a measure executed
    on a day the listing was not in force (before it took effect, after its period, while its
    objection was checked, or once repaired or revoked: review 83 F1) had no listing to stand on.
    ``listing`` is the one the delivery carried (None once it is gone: only the measures and
    the future are judged then); ``recognition``, the one it carried (its measures may be
    written out by an agreement, not held by the catalogue: they count as the catalogue's do;
    None when the delivery cannot be rebuilt: not judged then); ``reported``, the region's
    cases about the same listing (``reported_cases``: a case of this delivery is replaced);
    ``held``, the listing as held now (its history says when it was in force; the delivered
    one's when None); ``agreements``, the region's by id: a measure executed on a day no
    ground of the recognition was in effect (an agreement not yet, or no longer) had none
    either (review 164); ``subject``, the subject's listings as held now: an incentive executed
    on a day one of its black listings held it back had none (``feedback_yield``; ``seen``, the
    ids of those the region may see now, the only ones a refusal names); ``today`` is
    the Beijing date from the injected clock.

    Raises
    ------
    ReportTooLarge, NoLongerApplying, DuplicateValue, UnknownMeasure, MeasureKindMismatch,
    FutureDate, DatesOutOfOrder, MeasureNotDelivered, AlreadyReported
        for the first problem, with ``path`` (``measures.0.executed_on``).
    """
    if (size := len(to_json(report.measures))) > MAX_MEASURES_BYTES:
        raise ReportTooLarge(
            f"the measures take {size} bytes as JSON, over {MAX_MEASURES_BYTES}: report them "
            "in parts"
        )
    ended = stopped_applying(listing) if listing is not None else None
    if ended is not None:
        raise NoLongerApplying(
            f"delivery {report.delivery_id} told of the listing's end ({ended}): measures are "
            "reported against the delivery that listed it",
            path="delivery_id",
        )
    DuplicateValue.check([(m.measure_id, m.executed_on) for m in report.measures], "measures")
    catalogue = load_measures()
    named = {m.measure_id: m for m in recognition.measures} if recognition is not None else {}
    done = {case: by for case, by in (reported or {}).items() if by != report.delivery_id}
    for index, executed in enumerate(report.measures):
        at = f"measures.{index}"
        measure = named.get(executed.measure_id) or catalogue.get(executed.measure_id)
        if measure is None:
            message = f"{executed.measure_id} is neither a catalogue measure nor one agreed"
            raise UnknownMeasure(message, path=f"{at}.measure_id")
        if listing is not None and listing.kind not in measure.kinds:
            message = f"{executed.measure_id} is not a measure for {listing.kind} lists"
            raise MeasureKindMismatch(message, path=f"{at}.measure_id")
        if executed.executed_on > today:
            message = f"executed_on {executed.executed_on} is after today ({today})"
            raise FutureDate(message, path=f"{at}.executed_on")
        if listing is not None and executed.executed_on < listing.decided_on:
            message = f"executed_on is before the listing was decided ({listing.decided_on})"
            raise DatesOutOfOrder(message, path=f"{at}.executed_on")
        ungrounded = no_ground(recognition, executed.measure_id)
        if executed.result == "executed" and ungrounded is not None:
            message = f"delivery {report.delivery_id} {ungrounded}"
            raise MeasureNotDelivered(message, path=f"{at}.measure_id")
        unagreed = no_ground_that_day(
            recognition,
            agreements,
            executed.executed_on,
            executed.measure_id,
            listing,
            delivered_at,
        )
        if executed.result == "executed" and unagreed is not None:
            message = f"on {executed.executed_on}, {unagreed}"
            raise MeasureNotDelivered(message, path=f"{at}.executed_on")
        not_in_force = out_of_force(executed.executed_on, listing, held or listing)
        if executed.result == "executed" and not_in_force is not None:
            message = f"the listing was not in force on {executed.executed_on}: {not_in_force}"
            raise NoLongerApplying(message, path=f"{at}.executed_on")
        yielded = held_back_on(executed.executed_on, held or listing, subject, seen)
        if executed.result == "executed" and yielded is not None:
            message = f"on {executed.executed_on}, {yielded}"
            raise MeasureNotDelivered(message, path=f"{at}.executed_on")
        other = done.get((executed.measure_id, executed.executed_on))
        if other is not None:
            message = (
                f"{executed.measure_id} on {executed.executed_on} was reported for this listing "
                f"against delivery {other}: report it there again to change it"
            )
            raise AlreadyReported(message, path=at)


FEEDBACK_REFUSALS = (
    NoticeDelivery,
    ReportTooLarge,
    NoLongerApplying,
    DuplicateValue,
    UnknownMeasure,
    MeasureKindMismatch,
    FutureDate,
    DatesOutOfOrder,
    MeasureNotDelivered,
    AlreadyReported,
)
"""What ``check_report`` raises, for the route's declared replies."""
