"""How long verifying an objection may take, and whether it suspends the measures meanwhile:
the nearest region with a policy of its own decides (``data/objection_policies.json``)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import Literal

from pydantic import Field

from gateway.lifecycle.workdays import WorkdayCalendar, sources_text
from gateway_client.contract import (
    Frozen,
    ancestors,
)


class ObjectionPolicy(Frozen):
    suspends: bool
    deadline: int = Field(gt=0, le=365)
    unit: Literal["calendar_days", "working_days"]
    source: str

    def deadline_from(self, filed_on: date, workdays: WorkdayCalendar) -> tuple[date, str]:
        if self.unit == "calendar_days":
            return filed_on + timedelta(days=self.deadline), f"{self.deadline} calendar days"
        day, sources = workdays.add_workdays(filed_on, self.deadline)
        return day, f"{self.deadline} working days ({sources_text(sources)})"


class PolicyBook(Frozen):
    version: str
    note: str = ""
    default: ObjectionPolicy
    regions: dict[str, ObjectionPolicy]

    def for_region(self, region: str) -> ObjectionPolicy:
        """The policy of the nearest region (itself, its city, its province) that has one."""
        return next((self.regions[r] for r in ancestors(region) if r in self.regions), self.default)


@cache
def shipped_policies() -> PolicyBook:
    text = resources.files("gateway.data").joinpath("objection_policies.json").read_text("utf-8")
    return PolicyBook.model_validate(json.loads(text))
