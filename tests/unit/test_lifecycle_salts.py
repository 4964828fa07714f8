"""Every version a lifecycle step makes is salted: a listing stored before salts gets a fresh
salt with its next version (so its masked form commits to the full ID number and a same-mask
swap is caught by ``verify-log``), and a salted listing keeps the salt it has."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from builders import CITY, RESIDENT_ID, listing
from test_lifecycle import (
    CALENDAR,
    FILING,
    HUNAN,
    REPAIR,
    XINZHENG,
    at,
    corrected_entry,
    decision,
    filed,
    policy,
    removal_of,
)

from gateway.lifecycle.objection_steps import decide_objection
from gateway.lifecycle.requests import RemovalReason
from gateway.lifecycle.rules import expire, file_objection, remove, repair
from gateway_client.contract import Listing, masked
from gateway_client.contract.clock import CHINA
from gateway_client.contract.listing import ids_commitment_of

Step = Callable[[Listing], Listing]


def _filed(held: Listing) -> Listing:
    return file_objection(held, FILING, "operator", at(0), policy(held.origin_region), CALENDAR)


def _unsalted_filed(region: str) -> Listing:
    """An objection filed on a listing stored before salts, as it was stored then."""
    return _filed(_person(region)).model_copy(update={"id_salt": None})


def _person(region: str = CITY) -> Listing:
    return listing(region=region, credit_code=RESIDENT_ID, subject_name="张某某")


STEPS: list[tuple[str, Callable[[], Listing], Step]] = [
    ("objection filed, suspending", lambda: _person(HUNAN), _filed),
    ("objection filed", lambda: _person(XINZHENG), _filed),
    (
        "objection upheld",
        lambda: _unsalted_filed(HUNAN),
        lambda x: decide_objection(x, decision("upheld"), CITY, at(2), CALENDAR),
    ),
    (
        "objection revoked",
        lambda: _unsalted_filed(XINZHENG),
        lambda x: decide_objection(x, decision("revoked"), CITY, at(2), CALENDAR),
    ),
    ("repair", _person, lambda x: repair(x, REPAIR, CITY, datetime(2026, 3, 2, tzinfo=CHINA))),
    ("expiry", _person, lambda x: expire(x, datetime(2027, 3, 2, 1, 0, tzinfo=CHINA))),
    *[
        (
            f"removal as {reason.value}",
            _person,
            lambda x, r=reason: remove(x, removal_of(x, r), CITY, at(2)),
        )
        for reason in RemovalReason
    ],
]


@pytest.mark.parametrize(
    ("made", "step"), [(m, s) for _, m, s in STEPS], ids=[n for n, _, _ in STEPS]
)
def test_a_listing_stored_before_salts_is_salted_by_its_next_version(
    made: Callable[[], Listing], step: Step
) -> None:
    held = made()
    assert held.id_salt is None

    new = step(held)

    assert new.id_salt is not None
    assert len(bytes.fromhex(new.id_salt)) == 16
    shown = masked(new)
    assert shown.ids_commitment is not None
    assert shown.id_salt is None
    assert shown.credit_code != RESIDENT_ID


HIDING_MORE = {  # words about the subject's case, withheld: an objection's, a repair's, a note
    "objection filed, suspending",
    "objection filed",
    "repair",
    *(f"removal as {reason.value}" for reason in RemovalReason),
}


@pytest.mark.parametrize(
    ("made", "step", "kept"),
    [(m, s, n not in HIDING_MORE) for n, m, s in STEPS],
    ids=[n for n, _, _ in STEPS],
)
def test_a_salted_listing_keeps_its_salt_unless_the_step_changes_what_masking_hides(
    made: Callable[[], Listing], step: Step, kept: bool
) -> None:
    """A region shown an earlier version in full holds its salt: with it, what a step adds to
    the hidden part (an objection's words, another person's number) could be tested against a
    masked copy's commitment (review 35)."""
    salt = "ab" * 16
    held = made().model_copy(update={"id_salt": salt})

    assert (step(held).id_salt == salt) is kept


def test_a_correction_naming_another_person_draws_a_new_salt() -> None:
    salt = "ab" * 16
    held = filed(HUNAN).model_copy(update={"id_salt": salt})
    person = {"name": "李某", "role": "legal_representative", "id_number": "420281199604120037"}
    fixed = corrected_entry(responsible_persons=[person])

    new = decide_objection(
        held, decision("corrected", corrected_entry=fixed), CITY, at(2), CALENDAR
    )

    assert new.id_salt not in (None, salt)
    assert ids_commitment_of(new, salt) != masked(new).ids_commitment


def test_each_unsalted_listing_gets_a_salt_of_its_own() -> None:
    first, second = (expire(_person(), datetime(2027, 3, 2, 1, 0, tzinfo=CHINA)) for _ in "ab")

    assert first.id_salt != second.id_salt
