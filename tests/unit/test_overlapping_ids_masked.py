"""Two numbers found overlapping are both masked, and the earlier one's masked form shows no
character inside the later one (review 401: spaced digits ``6 5 4 3 6 2 8 2`` before ``110105
19491231 002X`` read as 654362821101051949, valid, whose last character shown was the ``9`` of
the person's 1949)."""

from __future__ import annotations

import re

from stdnum.cn import ric

from gateway_client.contract import classify
from gateway_client.contract.codes import SubjectType
from gateway_client.contract.masking import resident_ids_masked

PREFIX = "65436282"
PERSON = "11010519491231002X"


def test_an_id_overlapping_another_shows_none_of_its_digits() -> None:
    body = PREFIX + PERSON[:9]
    earlier = body + ric.calc_check_digit(body + "0")
    assert earlier == PREFIX + PERSON[:10]  # its check character is the person's 10th digit
    assert classify(earlier)[1] is SubjectType.NATURAL_PERSON
    assert classify(PERSON)[1] is SubjectType.NATURAL_PERSON
    text = "号码 " + " ".join(PREFIX + PERSON) + " 止"

    masked = resident_ids_masked(text)

    # the earlier number's division (all of it before the person's) may show; no digit of
    # the person's birth date or sequence may
    assert "".join(re.findall(r"\d", masked)) == PREFIX[:6], masked
