"""The base of every model that crosses a boundary: frozen, and strict about unknown fields."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict
from pydantic_core import PydanticCustomError


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# Dates and times the gateway accepts: wide enough for any real decision, narrow enough that
# adding a publicity period or converting a time zone can never overflow Python's calendar.
EARLIEST_YEAR, LATEST_YEAR = 1949, 2199


def _sane_day(value: date) -> date:
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise PydanticCustomError(
            "out_of_range",
            "dates run from {low} to {high}",
            {"low": EARLIEST_YEAR, "high": LATEST_YEAR},
        )
    return value


def _sane_moment(value: datetime) -> datetime:
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or not EARLIEST_YEAR <= utc.year <= LATEST_YEAR:
        raise PydanticCustomError(
            "out_of_range",
            "times run from {low} to {high}",
            {"low": EARLIEST_YEAR, "high": LATEST_YEAR},
        )
    return value


Day = Annotated[date, AfterValidator(_sane_day)]
Moment = Annotated[AwareDatetime, AfterValidator(_sane_moment)]
