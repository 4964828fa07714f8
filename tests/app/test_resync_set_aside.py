"""A full resync removes what its file no longer holds, unless some lines were rejected (a
listing on an unreadable line would look absent). A line refused only for what its listing is
today — a period that has ended or not yet begun — names its listing all the same: it is set
aside, counted apart, and the removals still apply."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from app_support import CITY, black_entry
from lifecycle_support import china_today
from upload_support import uploaded

from chalicelib.bootstrap import container


def days(n: int) -> str:
    return (china_today() + timedelta(days=n)).isoformat()


def resynced(gateway: Any, aws: Any, extra: dict[str, Any] | None) -> Any:
    signer = gateway.register_platform(CITY)
    kept = black_entry(decision_number="(2026)黑09执1号")
    gone = [black_entry(decision_number=f"(2026)黑09执{100 + i}号") for i in range(3)]
    assert gateway.push(signer, CITY, [kept, *gone]).json_body["accepted"] == 4
    lines = [kept, *([black_entry(**extra)] if extra else [])]
    mode = {"mode": "resync", "domains": ["court_defaulter"], "force": True}
    return container().uploads.get(CITY, uploaded(gateway, aws, signer, lines, **mode))


@pytest.mark.parametrize(
    "extra",
    [
        {
            "decision_number": "(2026)黑09执777号",
            "valid_from": days(-400),
            "decided_on": days(-400),
            "valid_until": days(0),
        },
        {"decision_number": "(2026)黑09执778号", "decided_on": days(0), "valid_from": days(3)},
    ],
    ids=["ends-today", "starts-later"],
)
def test_a_line_set_aside_does_not_hold_back_the_removals(gateway, aws, extra) -> None:
    done = resynced(gateway, aws, extra)

    assert (done.rejected, done.set_aside) == (1, 1)
    assert (done.removal, done.removed) == ("applied", 3)


def test_an_unreadable_line_still_holds_them_back(gateway, aws) -> None:
    done = resynced(
        gateway, aws, {"decision_number": "(2026)黑09执779号", "decided_on": "not a date"}
    )

    assert (done.rejected, done.set_aside) == (1, 0)
    assert (done.removal, done.removed) == ("withheld", 0)


def test_a_threshold_refusal_for_rejected_lines_names_them(gateway, aws) -> None:
    """It asks the platform to correct its rejected lines: it says which (review 128)."""
    city = gateway.register_platform(CITY)
    held = [black_entry(decision_number=f"(2026)黑09执{i}号") for i in range(4)]
    assert gateway.push(city, CITY, held).json_body["accepted"] == 4
    lines = [held[0], held[1], held[2], {**held[3], "decided_on": "not a date"}]
    mode = {"mode": "resync", "domains": ["court_defaulter"]}

    upload = container().uploads.get(CITY, uploaded(gateway, aws, city, lines, **mode))

    assert upload.refusal is not None
    assert (upload.refusal.code, upload.refusal.details["rejected_lines"]) == (
        "resync_threshold_exceeded",
        1,
    )
    assert [(e.line, e.field, e.code) for e in upload.errors] == [(4, "decided_on", "invalid_date")]
    assert upload.rejected == 1  # what the CLI and the console count them by
