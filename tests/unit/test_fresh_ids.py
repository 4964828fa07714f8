"""The ids the client makes (a batch's, an upload's, a request's) never read as holding a
resident ID number, which the gateway refuses in any text: a uuid's hex digits did, about
once in 10⁵ pushes, and the push was refused 400 ``id_number_in_text`` (seen in CI runs)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from gateway_client import push_client
from gateway_client.contract.masking import resident_id_in

# the hex of a uuid holding a resident ID number (check character right), then of one that
# does not
UNLUCKY = uuid.UUID("11010519491231001" + "1" + "abcdef01234567")
PLAIN = uuid.UUID("0123456789abcdef0123456789abcdef")


def test_an_id_whose_digits_read_as_a_resident_id_number_is_drawn_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    drawn: Iterator[uuid.UUID] = iter([UNLUCKY, PLAIN])
    monkeypatch.setattr(push_client.uuid, "uuid4", lambda: next(drawn))
    assert resident_id_in(f"b-{UNLUCKY.hex}") is not None

    assert push_client.fresh_id("b-") == f"b-{PLAIN.hex}"
