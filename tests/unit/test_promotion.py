"""Promotion assembles the listing without ``model_construct``'s per-field lookups; the result
must be exactly what ``model_construct`` built (the former implementation, kept here as the
oracle): the same fields in the same order, the same fields set, the same JSON — for entries
of every kind, with and without their own origin, pushed by any region."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from builders import COUNTY, RESIDENT_ID, USCC, entry, make_uscc, person, red_entry
from hypothesis import given, settings
from hypothesis import strategies as st
from plan_strategies import ORIGINS
from pydantic import ValidationError

from gateway.promotion import promote
from gateway_client.contract import (
    Listing,
    ListingEntry,
    SubjectType,
    classify,
    entry_version,
    identity_of,
    person_listing_id,
)


def constructed(entry: ListingEntry, region: str, now: datetime, salt: str) -> Listing:
    """``promote`` as it was, with the salt ``promote`` drew (random: no oracle can guess it)."""
    fields = {name: getattr(entry, name) for name in ListingEntry.model_fields}
    fields.pop("origin_region")
    origin, decision = entry.origin_region or region, identity_of(entry)
    person = classify(entry.credit_code)[1] is SubjectType.NATURAL_PERSON
    return Listing.model_construct(
        **fields,
        origin_region=origin,
        listing_id=person_listing_id(decision, origin) if person else decision,
        version=entry_version(entry),
        subject_type=classify(entry.credit_code)[1],
        provenances=(region,),
        accepted_at=now,
        listed_at=now,
        id_salt=salt,
    )


@st.composite
def entries(draw: st.DrawFn) -> ListingEntry:
    base = draw(st.sampled_from((entry(), red_entry())))
    raw = {
        **base,
        "credit_code": draw(st.sampled_from((USCC, RESIDENT_ID, make_uscc(7)))),
        "origin_region": draw(st.sampled_from((None, COUNTY))),
        "responsible_persons": draw(st.sampled_from(([], [person(id_number=RESIDENT_ID)]))),
        "source_sequence": draw(st.integers(min_value=0, max_value=10**6)),
    }
    return ListingEntry.model_validate(raw)


@settings(max_examples=60, deadline=None)
@given(
    entries(),
    st.sampled_from(ORIGINS),
    st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2027, 1, 1), timezones=st.just(UTC)
    ),
)
def test_promote_builds_what_model_construct_built(
    pushed: ListingEntry, region: str, now: datetime
) -> None:
    made = promote(pushed, region, now)
    expected = constructed(pushed, region, now, made.id_salt or "")
    assert made == expected
    assert list(made.__dict__.items()) == list(expected.__dict__.items())
    assert made.model_fields_set == expected.model_fields_set
    assert made.model_dump_json() == expected.model_dump_json()
    assert made.model_dump_json(exclude_unset=True) == expected.model_dump_json(exclude_unset=True)
    assert Listing.model_validate(made.model_dump()) == made  # a valid listing, as stored


def test_a_promoted_listing_is_a_frozen_model_like_any_other() -> None:
    made = promote(ListingEntry.model_validate(entry()), COUNTY, datetime(2025, 6, 2, tzinfo=UTC))
    assert made.__pydantic_extra__ is None
    assert made.__pydantic_private__ is None
    copied = made.model_copy(update={"objection": None})
    assert copied == made
    assert copied is not made
    with pytest.raises(ValidationError, match="frozen"):
        made.status = made.status  # type: ignore[misc]


def test_each_promoted_version_draws_a_salt_of_its_own_and_no_entry_can_give_one() -> None:
    """The salt of the ID commitment is the gateway's secret: 16 random bytes per version."""
    pushed, now = ListingEntry.model_validate(entry()), datetime(2025, 6, 2, tzinfo=UTC)
    first, second = promote(pushed, COUNTY, now), promote(pushed, COUNTY, now)
    assert first.id_salt is not None
    assert second.id_salt is not None
    assert len(bytes.fromhex(first.id_salt)) == 16
    assert first.id_salt != second.id_salt
    assert first.ids_commitment is None  # the full listing holds the salt, not the commitment
    with pytest.raises(ValidationError, match="id_salt"):
        ListingEntry.model_validate({**entry(), "id_salt": "00" * 16})
