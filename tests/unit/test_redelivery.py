"""The delivery log keeps no listing: a re-drive rebuilds the delivery from the logged change,
exactly as fan-out first made it; stored response excerpts never keep an ID number."""

from __future__ import annotations

import pytest
from builders import CITY, RESIDENT_ID, change, listing, subscription

from gateway.delivery.planning import Delivery, plan_deliveries
from gateway.delivery.redelivery import rebuild, resend_of
from gateway_client.contract.events import Intensified
from gateway_client.contract.masking import mask_ids_in

PERSON = listing(credit_code=RESIDENT_ID, subject_name="张某某")


def delivered(region: str) -> Delivery:
    [made] = plan_deliveries(change(PERSON), [subscription(f"sub-{region}", region=region)], [])
    return made.model_copy(update={"log_sequence": 7, "sequence": 3})


@pytest.mark.parametrize(
    "region",
    [pytest.param(CITY, id="recognised-full-ids"), pytest.param("430000", id="masked")],
)
def test_a_delivery_rebuilt_from_the_logged_change_is_the_one_first_sent(region: str) -> None:
    first = delivered(region)

    assert rebuild(resend_of(first), change(PERSON)) == first


def test_what_is_kept_for_a_resend_holds_no_personal_data() -> None:
    kept = resend_of(delivered(CITY)).model_dump_json()

    assert RESIDENT_ID not in kept
    assert "张某某" not in kept


def test_an_intensified_flag_is_rebuilt_with_the_code_the_subscriber_may_see() -> None:
    masked = delivered("430000")
    flag = Intensified(
        credit_code=masked.change.listing.credit_code, intensified=True, domains=("a", "b")
    )
    first = masked.model_copy(update={"type": "subject.intensified", "intensified": flag})

    assert rebuild(resend_of(first), change(PERSON)) == first


def test_another_change_does_not_rebuild_the_delivery() -> None:
    other = change(listing(decision_number="(2025)粤1802执9号"))

    assert rebuild(resend_of(delivered(CITY)), other) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            f'{{"seen": "{RESIDENT_ID}"}}', '{"seen": "110105***********X"}', id="a-resident-id"
        ),
        pytest.param("id 11010519491231002x ok", "id 110105***********X ok", id="lower-x"),
        pytest.param("order 1234567890123456789", "order 1234567890123456789", id="19-digits"),
        pytest.param("91110000600037341L", "91110000600037341L", id="a-uscc-with-a-letter"),
    ],
)
def test_id_shaped_text_in_a_response_excerpt_is_masked(text: str, expected: str) -> None:
    assert mask_ids_in(text) == expected
