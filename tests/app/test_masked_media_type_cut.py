"""Review 394: the 415 answers quote the Content-Type / Content-Encoding header cut to 80
characters before the error is masked, so an ID number the cut goes through keeps 17 of its
18 characters (the 18th is its check character): the number in full, in the error."""

from __future__ import annotations

import pytest
from app_support import NATURAL_PERSON_CODE, Gateway


@pytest.mark.parametrize("header", ["content-type", "content-encoding"])
def test_a_415_quotes_no_run_of_an_id_numbers_digits(gateway: Gateway, header: str) -> None:
    # the first 80 characters of the header end 17 characters into the number
    value = "text/plain; x=" + "a" * (80 - 17 - len("text/plain; x=")) + NATURAL_PERSON_CODE
    headers = {"Content-Type": "application/json", header: value}
    reply = gateway.client.http.post("/v1/pushes", headers=headers, body=b"{}")

    assert reply.status_code == 415, reply.body
    assert NATURAL_PERSON_CODE[6:17] not in reply.body.decode()  # birth date and serial
