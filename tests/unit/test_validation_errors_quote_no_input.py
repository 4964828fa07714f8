"""A validation error's text never quotes what it refused. Its text reaches logs whenever one
escapes a handler: the handler's closing line logs it with its traceback (the mask catches
ID-shaped runs, not names), and Lambda's runtime prints an escaped exception raw. pydantic
quotes the input in that text (``input_value=…``, the whole object for a missing field); the
client's error replies use each error's message, never that text."""

from __future__ import annotations

import pytest
from builders import RESIDENT_ID, entry, make_resident_id, person
from pydantic import ValidationError

from gateway.delivery.planning import Delivery
from gateway_client.contract.listing import Listing, ListingEntry

REPRESENTATIVE_ID = make_resident_id("19950315", 21, "420281")
WRONG_CHECK = REPRESENTATIVE_ID[:17] + ("1" if REPRESENTATIVE_ID[17] != "1" else "2")


def refused_text(model: type[ListingEntry] | type[Listing], raw: dict[str, object]) -> str:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(raw)
    return str(caught.value)


@pytest.mark.parametrize("model", [ListingEntry, Listing])
def test_a_refused_listing_names_its_fields_but_quotes_nothing(
    model: type[ListingEntry] | type[Listing],
) -> None:
    raw = entry(
        credit_code=RESIDENT_ID,
        subject_name="张某某" * 100,  # too long
        responsible_persons=[person("王某", id_number=WRONG_CHECK)],
        decided_on="2025-02-30",
    )

    text = refused_text(model, raw)

    assert "subject_name" in text
    assert "decided_on" in text
    assert "responsible_persons.0.id_number" in text
    for quoted in (RESIDENT_ID, REPRESENTATIVE_ID[:17], "张某某", "王某"):
        assert quoted not in text


def test_an_unreadable_queued_delivery_is_not_quoted() -> None:
    with pytest.raises(ValidationError) as caught:
        Delivery.model_validate_json(f'{{"subject_name": "张某某", "credit_code": "{RESIDENT_ID}"')

    assert RESIDENT_ID not in str(caught.value)
    assert "张某某" not in str(caught.value)
