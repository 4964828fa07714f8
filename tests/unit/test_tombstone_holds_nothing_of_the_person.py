"""A purge's tombstone holds nothing of the person — the masked code only, no commitment, no
salt, the erased marks for the words (``contract.change.tombstone``) — and ``gateway listen``
keeps it for ever. Its change digest is taken over its masked form, which masks the code again,
so a tombstone delivered with the erased person's ID number in full verified against its leaf,
was stored, and verify-log said OK (review 307): now verify-log reports it (the listener keeps
it: a tombstone is what erases the listing, review 313)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from builders import NOW, RESIDENT_ID
from logged_person import audited, delivered, person

from gateway_client.contract import Change, DeliveryPayload
from gateway_client.contract.change import purged
from gateway_client.contract.codes import mask

KEY = b"k" * 32


@pytest.fixture
def sent() -> tuple[DeliveryPayload, DeliveryPayload, Change]:
    """The honest tombstone of a person's listing, one carrying the full ID number, and the
    change as logged."""
    gone = purged(person(), NOW + timedelta(days=1))
    assert gone.listing.credit_code == mask(RESIDENT_ID)  # as logged: the masked code
    honest = delivered(gone)
    full = gone.listing.model_copy(update={"credit_code": RESIDENT_ID})
    leaky = honest.model_copy(update={"data": gone.model_copy(update={"listing": full})})
    return honest, leaky, gone


def test_verify_log_reports_a_tombstone_carrying_the_full_id_number(
    sent: tuple[DeliveryPayload, DeliveryPayload, Change],
) -> None:
    honest, leaky, gone = sent
    assert audited(gone, [honest]).ok
    report = audited(gone, [leaky])
    assert not report.ok
    assert any("tombstone" in problem for problem in report.problems), report.problems
