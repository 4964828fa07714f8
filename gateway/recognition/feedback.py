"""执行反馈: subscribers report the measures they executed (trigger → response → feedback)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, Field

from gateway_client.contract import FREE_TEXT, ONE_LINE, Day, Frozen, MeasureId


class ExecutedMeasure(Frozen):
    measure_id: MeasureId
    department: Annotated[str, Field(min_length=1, max_length=200), ONE_LINE]
    executed_on: Day
    result: Literal["executed", "not_applicable", "failed"]
    note: Annotated[str, Field(max_length=1000), FREE_TEXT] = ""


class FeedbackReport(Frozen):
    """What a subscriber posts for one delivery it received."""

    delivery_id: Annotated[str, Field(pattern=r"^msg_[0-9a-f]{32}$")]
    measures: tuple[ExecutedMeasure, ...] = Field(min_length=1, max_length=100)


class Feedback(FeedbackReport):
    """A report as kept: who sent it, about which listing."""

    subscription_id: str
    subscriber_region: str
    listing_id: str
    credit_code: str
    origin_region: str
    submitted_at: AwareDatetime
