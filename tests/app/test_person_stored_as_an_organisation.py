"""A person's listing an earlier release stored as an organisation's (a foreign permanent
resident's number before review 282, a mistyped one before review 363) is judged by whose its
code reads as now, not by its stored ``subject_type`` (review 365): its broken promise's black
listing is found and revoked with it, and the operator may not give it to a region that lists
the decision under its own id."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from lifecycle_support import Lifecycle, listing_path
from personal_support import QINGCHENG, Askers, person_entry
from test_black_of_revoked_promise_withdrawn import REVOKED
from test_broken_commitment_listings import blacks, city_with_policy, pushed_at, tick_at
from test_commitment_routes import broken, commitment

from chalicelib.bootstrap import container
from gateway_client.contract import codes

RIGHT_BOTH_WAYS = "944392199001010023"  # 9 · 44 · 392 (Japan) 1990-01-01 002: USCC-valid too
NUMBERS = ("810000199001011237", "94439219900101123X", RIGHT_BOTH_WAYS)


def as_the_release_before(monkeypatch: pytest.MonkeyPatch) -> None:
    """Classify as before review 282: no permanent-resident form, USCC-valid typos a company's."""
    monkeypatch.setattr(codes, "organisation_or_mistyped", lambda _: codes.SubjectType.LEGAL_PERSON)
    monkeypatch.setattr(codes, "permanent_residence_look", lambda _: False)
    codes.forget_classified()


def as_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.undo()
    codes.forget_classified()


@pytest.mark.parametrize("number", NUMBERS)
def test_the_black_listing_of_a_revoked_promise_stored_before_is_revoked(
    gateway: Any, monkeypatch: pytest.MonkeyPatch, number: str
) -> None:
    with city_with_policy(gateway) as (city, clock):
        as_the_release_before(monkeypatch)
        made = {"credit_code": number, "subject_name": "John SMITH"}
        stored = pushed_at(gateway, city, clock, [{**commitment(), **made}, {**broken(), **made}])
        as_now(monkeypatch)
        assert stored["errors"] == [], stored
        assert tick_at(gateway, clock)["broken_commitments_listed"] == 1
        again = tick_at(gateway, clock)["broken_commitments_listed"]
        clock.advance(timedelta(days=1))
        removal = {**REVOKED, "credit_code": number, "source_updated_at": clock.now().isoformat()}
        assert pushed_at(gateway, city, clock, removals=[removal])["removed"] == 1
        unlisted = tick_at(gateway, clock)["broken_commitments_unlisted"]
        after = blacks(gateway, number)

    assert again == 0
    assert unlisted == 1
    assert [b["status"] for b in after] == ["revoked"], after


def test_it_is_not_given_to_a_region_listing_the_decision_itself(
    gateway: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    askers = Askers(gateway).register()
    entry = person_entry(credit_code=RIGHT_BOTH_WAYS, subject_name="John SMITH")
    as_the_release_before(monkeypatch)
    [stored] = askers.push("owner", entry)
    as_now(monkeypatch)
    own = {**entry, "origin_region": QINGCHENG}
    askers.push("second_owner", own)

    reply = Lifecycle(gateway).post(
        listing_path(RIGHT_BOTH_WAYS, stored) + "/reassignment",
        {"corrected_entry": own, "note": "由清城区作出"},
    )

    assert reply.status_code == 409, reply.json_body
    held = [
        x for x in container().listings.subject(RIGHT_BOTH_WAYS) if x.origin_region == QINGCHENG
    ]
    assert len(held) == 1
