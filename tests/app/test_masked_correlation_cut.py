"""Review 394: a correlation key is cut to 128 characters before it is masked, so an ID number
the cut goes through keeps 17 of its 18 characters in the log line (the 18th is its check
character, computed from the 17): the person's number in full, in CloudWatch."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from app_support import CITY, NATURAL_PERSON_CODE, Gateway, push_body

from chalicelib import observability


@pytest.fixture
def logged(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    buffer = io.StringIO()
    monkeypatch.setattr(observability.logger.registered_handler, "stream", buffer)
    before = observability.logger.log_level
    observability.set_level("INFO")
    yield buffer
    observability.set_level(logging.getLevelName(before))


@pytest.mark.parametrize("cut_after", [17, 16, 12])
def test_a_batch_id_cut_through_an_id_number_logs_no_run_of_its_digits(
    gateway: Gateway, logged: io.StringIO, cut_after: int
) -> None:
    # the header's first 128 characters end `cut_after` characters into the number
    batch_id = "a" * (128 - cut_after) + NATURAL_PERSON_CODE
    body = push_body(CITY, batch_id, [])
    gateway.client.http.post("/v1/pushes", body=body, headers={"webhook-id": batch_id})

    text = logged.getvalue()
    assert '"batch_id"' in text
    # the birth date and serial: what masking hides of a number everywhere else
    assert NATURAL_PERSON_CODE[6:cut_after] not in text
