"""A failed delivery's stored excerpt is the endpoint's answer cut to ``EXCERPT_CHARS``, with
ID-shaped text masked. Cut first and masked after, an ID the cut went through kept up to 17 of
its 18 characters (the last is a check character: it follows from them), unmasked."""

from __future__ import annotations

import pytest
from test_delivery import Harness

from gateway_client.contract.excerpts import EXCERPT_CHARS

RESIDENT_ID = "11010519491231002X"


@pytest.mark.parametrize("kept", [10, 17])
def test_an_id_across_the_cut_leaves_none_of_the_digits_a_mask_hides(kept: int) -> None:
    harness = Harness(status=500)
    harness.transport.excerpt = " " * (EXCERPT_CHARS - kept) + RESIDENT_ID + " and more"

    harness.service.deliver(harness.delivery, 1)

    [attempt] = harness.log.attempts[harness.delivery.delivery_id]
    assert len(attempt.response_excerpt) <= EXCERPT_CHARS
    assert RESIDENT_ID[6:kept] not in attempt.response_excerpt


def test_a_whole_id_inside_the_excerpt_is_masked() -> None:
    harness = Harness(status=500)
    harness.transport.excerpt = f'{{"echo": "{RESIDENT_ID}"}}'

    harness.service.deliver(harness.delivery, 1)

    [attempt] = harness.log.attempts[harness.delivery.delivery_id]
    assert attempt.response_excerpt == '{"echo": "110105***********X"}'
