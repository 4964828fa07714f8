"""``gateway.assembly``: models built and copied without validating again must be exactly what
pydantic's own ``model_construct`` and ``model_copy`` make — fields in order, fields set, JSON."""

from __future__ import annotations

from typing import Any

import pytest
from builders import NOW, change
from hypothesis import given, settings
from hypothesis import strategies as st
from plan_strategies import listings
from pydantic import BaseModel

from gateway.assembly import assembled, copied
from gateway.delivery.planning import Delivery
from gateway_client.contract import Listing, ListingStatus, Recognition, masked


def identical(made: BaseModel, expected: BaseModel) -> None:
    assert made == expected
    assert type(made) is type(expected)
    assert list(made.__dict__.items()) == list(expected.__dict__.items())
    assert made.model_fields_set == expected.model_fields_set
    assert made.model_dump_json() == expected.model_dump_json()
    assert made.model_dump_json(exclude_unset=True) == expected.model_dump_json(exclude_unset=True)


UPDATES = st.sampled_from(
    [
        {},
        {"status": ListingStatus.REVOKED},
        {"objection": None, "history": ()},
        {"origin_region": "430000", "listed_at": NOW, "performed_on": None},
    ]
)


@settings(max_examples=40, deadline=None)
@given(listings(), UPDATES)
def test_copied_is_model_copy(listing: Listing, update: dict[str, Any]) -> None:
    identical(copied(listing, update), listing.model_copy(update=update))
    step = change(listing)
    identical(
        copied(step, {"listing": masked(listing)}),
        step.model_copy(update={"listing": masked(listing)}),
    )


@settings(max_examples=20, deadline=None)
@given(listings())
def test_assembled_is_model_construct(listing: Listing) -> None:
    step = change(listing)
    recognition = Recognition(subscriber_region="430000", recognised=False)
    values = {
        "delivery_id": "msg_1",
        "subscription_id": "sub-1",
        "change": step,
        "recognition": recognition,
    }
    identical(assembled(Delivery, values), Delivery.model_construct(**values))


def test_a_model_with_a_mutable_default_is_refused() -> None:
    class Mutable(BaseModel):
        items: list[int] = []

    with pytest.raises(TypeError, match="mutable default"):
        assembled(Mutable, {})
