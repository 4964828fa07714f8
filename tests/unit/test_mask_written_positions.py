"""Resident ID numbers are found in the NFKC form of a text and masked where they are written:
whatever characters around them NFKC lengthens (ﬁ, ……), shortens (e + U+0301) or rewrites
(full-width punctuation), no number is left whole and the rest reads as written (review 357)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from gateway_client.contract import resident_ids_masked
from gateway_client.contract.masking import resident_id_in

NUMBER = "420281199503150210"
PIECES = [
    "ﬁ",
    "e\u0301",
    "……",
    "（",
    "）",
    "：",
    "承",
    " ",
    "１",
    "⑴",
    "x",
    NUMBER,
    "420281 19950315 0210",
]


@given(st.lists(st.sampled_from(PIECES), max_size=12))
def test_no_number_is_left_whole(pieces: list[str]) -> None:
    assert resident_id_in(resident_ids_masked("".join(pieces))) is None


def test_the_rest_reads_as_written() -> None:
    text = "ﬁ" * 3 + "法定代表人（" + NUMBER + "）" + "e\u0301" * 3

    assert resident_ids_masked(text) == "ﬁ" * 3 + "法定代表人（420281***********0）" + "e\u0301" * 3


def test_a_number_written_in_full_width_digits_is_masked_where_it_stands() -> None:
    wide = "".join(chr(ord(d) + 0xFEE0) for d in NUMBER)  # ４２０２８１…

    assert resident_ids_masked(f"号码（{wide}）") == "号码（420281***********0）"
