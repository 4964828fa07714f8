"""A resident ID number written in groups right after another number (房间 1234 110105 19491231
002X): the other number and the ID's first groups made an 18-digit candidate of their own, which
failed, and the ID itself was never tried — a push carrying it in its reason was accepted and
shown unmasked (review 135). Refused now, and masked in every view."""

from __future__ import annotations

from app_support import CITY, black_entry

from gateway_client.contract.codes import SubjectType, classify
from gateway_client.contract.masking import resident_id_in, resident_ids_masked

PERSON = "11010519491231002X"  # GB 11643's own example: a valid resident ID
TEXT = "联系电话 0571-8888 110105 19491231 002X"
TEXT2 = "房间 1234 110105 19491231 002X"


def test_a_spaced_resident_id_after_another_number_is_found() -> None:
    assert classify(PERSON)[1] is SubjectType.NATURAL_PERSON
    # the same number alone is found; after "1234 " or "0571-8888 " it is not
    assert resident_id_in("身份证 110105 19491231 002X") is not None
    assert resident_id_in(TEXT2) is not None
    assert resident_id_in(TEXT) is not None
    assert "19491231" not in resident_ids_masked(TEXT2)


def test_a_push_with_such_a_number_in_its_reason_is_refused(gateway) -> None:
    city = gateway.register_platform(CITY)
    entry = black_entry(reason="有履行能力而拒不履行，被执行人 " + TEXT2)
    answer = gateway.push(city, CITY, [entry])
    body = answer.json_body
    assert body.get("accepted", 0) == 0, body  # accepted: a person's number stored and shown
