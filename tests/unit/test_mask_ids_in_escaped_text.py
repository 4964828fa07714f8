"""``mask_ids_in`` runs over text that is already escaped: the log formatter masks the JSON line
it wrote, and an exception's text may quote a repr. An escape sequence before an ID (``\\n``
from a multi-line message, ``\\uXXXX`` or ``\\xXX`` for a character written escaped) ends in a
letter or a hex digit, and must not shield the ID from the mask."""

from __future__ import annotations

import json

import pytest

from gateway_client.contract.masking import mask_ids_in

RESIDENT_ID = "11010519491231002X"
MASKED = "110105***********X"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(f"line one\n{RESIDENT_ID}", id="after-a-line-break"),
        pytest.param(f"\t{RESIDENT_ID}", id="after-a-tab"),
        pytest.param(f"\x1b{RESIDENT_ID}", id="after-a-control-character"),
        pytest.param(f"身份证号{RESIDENT_ID}", id="after-chinese"),
        pytest.param(f'"{RESIDENT_ID}"\n{RESIDENT_ID}', id="quoted-and-after-a-line-break"),
    ],
)
@pytest.mark.parametrize("ascii_only", [False, True])
def test_an_id_in_json_text_is_masked_whatever_was_escaped_before_it(
    text: str, ascii_only: bool
) -> None:
    written = json.dumps({"message": text}, ensure_ascii=ascii_only)

    masked = mask_ids_in(written)

    assert RESIDENT_ID not in masked
    assert MASKED in masked


def test_an_id_after_an_escaped_byte_of_a_bytes_repr_is_masked() -> None:
    written = repr(f"张{RESIDENT_ID}".encode())

    assert RESIDENT_ID not in mask_ids_in(written)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("lst_1234567890123456789a", id="hex-with-a-long-digit-run"),
        pytest.param("seq 123456789012345678901", id="a-stream-sequence-number"),
        pytest.param("\\n1234567890123456789", id="19-digits-after-an-escape"),
    ],
)
def test_runs_that_are_not_id_shaped_stay(text: str) -> None:
    assert mask_ids_in(text) == text
