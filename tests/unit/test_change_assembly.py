"""``change_between`` and ``masked`` assemble their models without validating again; what they
make must be exactly what they made before (the former implementations, kept here as oracles:
``Change(...)`` validated, ``model_copy``): the same fields in the same order, the same fields
set, the same JSON — for listings of every kind and status, with and without responsible
persons, an objection and a commitment's outcome note, new or following a held version."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from builders import NOW, evolved
from hypothesis import given, settings
from hypothesis import strategies as st
from plan_strategies import listings
from test_assembly import identical
from test_commitments import held as committed

from gateway_client.contract import (
    Change,
    Listing,
    change_between,
    mask,
    masked,
)
from gateway_client.contract.change import change_id, classify_change
from gateway_client.contract.listing import WITHHELD
from gateway_client.contract.objections import Objection

SETTINGS = settings(max_examples=60, deadline=None)


def validated_change(new: Listing, old: Listing | None) -> Change:
    """``change_between`` as it was (for a new version)."""
    return Change(
        change_id=change_id(new),
        type=classify_change(new, old),
        listing=new,
        previous_version=None if old is None else old.version,
        previous_status=None if old is None else old.status,
        occurred_at=new.accepted_at,
    )


def copied_masked(listing: Listing) -> Listing:
    """``masked`` as it was: every copy through ``model_copy``."""
    persons = tuple(
        p.model_copy(update={"id_number": mask(p.id_number) if p.id_number else None})
        for p in listing.responsible_persons
    )
    update: dict[str, object] = {
        "credit_code": mask(listing.credit_code),
        "responsible_persons": persons,
    }
    if listing.commitment is not None and listing.commitment.outcome_note:
        update["commitment"] = listing.commitment.model_copy(update={"outcome_note": ""})
    if listing.objection is not None:
        update["objection"] = listing.objection.model_copy(
            update={"reason": WITHHELD, "decision_note": ""}
        )
    return listing.model_copy(update=update)


OBJECTION = Objection(
    objection_id="obj-1",
    filed_at=NOW,
    filed_by="operator",
    reason="主体对认定事实有异议",
    deadline=date(2025, 6, 21),
    deadline_basis="20 calendar days",
    suspends=False,
)


@st.composite
def held_listings(draw: st.DrawFn) -> Listing:
    """A generated listing, sometimes with an objection (open or decided)."""
    made = draw(listings())
    objection = draw(
        st.sampled_from(
            [None, OBJECTION, OBJECTION.model_copy(update={"outcome": "upheld"})],
        )
    )
    return made if objection is None else evolved(made, objection=objection)


@SETTINGS
@given(held_listings(), st.one_of(st.none(), held_listings()), st.integers(0, 3))
def test_a_change_assembled_is_the_change_validated(
    new: Listing, before: Listing | None, later: int
) -> None:
    old: Listing | None = None
    if before is not None:  # the same listing, held at an older version
        old = evolved(new, **_older(before, new))
    if later:
        new = evolved(new, accepted_at=new.accepted_at + timedelta(days=later))
    made = change_between(new, old)
    assert made is not None
    identical(made, validated_change(new, old))


def _older(before: Listing, new: Listing) -> dict[str, Any]:
    """What of ``before`` a held version of ``new`` takes: its status, objection and an
    older version string."""
    return {
        "status": before.status,
        "objection": before.objection,
        "version": "0000" + new.version[4:],
    }


def test_a_held_version_makes_no_change() -> None:
    from builders import listing

    held = listing()
    assert change_between(held, held) is None


@SETTINGS
@given(held_listings())
def test_masked_is_the_copies_it_made(listing: Listing) -> None:
    identical(masked(listing), copied_masked(listing))


@pytest.mark.parametrize("note", ["", "张某已补交"])
def test_a_masked_commitment_is_the_copy_it_made(note: str) -> None:
    settled = committed(outcome="kept", outcome_on="2025-03-20", outcome_note=note)
    identical(masked(settled), copied_masked(settled))
