"""DynamoBatchLedger: one claim per (region, batch id), replays answered from the ledger."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import pytest
from integration_support import ACCEPTED_AT, OTHER_REGION, REGION

from chalicelib.dynamodb.batches import DynamoBatchLedger
from gateway.intake.push import MAX_ENTRIES, MAX_REPORTED_ERRORS, EntryOutcome, PushResult
from gateway.validation import PATH_CHARS, EntryError
from gateway_client.contract.errors import BatchIdReused, BatchInProgress

LEASE = timedelta(minutes=2)
BODY_HASH = hashlib.sha256(b'{"batch": 1}').hexdigest()
OTHER_HASH = hashlib.sha256(b'{"batch": 2}').hexdigest()


@pytest.fixture
def ledger(aws) -> DynamoBatchLedger:
    return DynamoBatchLedger(aws.dynamodb, aws.env["CG_BATCHES_TABLE"])


def result(batch_id: str = "b-1") -> PushResult:
    return PushResult(
        batch_id=batch_id,
        region=REGION,
        received_at=ACCEPTED_AT,
        accepted=1,
        duplicate=0,
        rejected=1,
        outcomes=(EntryOutcome(index=0, listing_id="lst_abc", outcome="accepted"),),
        errors=(EntryError(index=1, field="credit_code", code="invalid_credit_code", message="x"),),
    )


def test_the_first_claim_of_a_batch_returns_none(ledger):
    assert ledger.claim(REGION, "b-1", BODY_HASH, ACCEPTED_AT, LEASE) is None


def test_a_claim_after_finish_returns_the_stored_result(ledger):
    ledger.claim(REGION, "b-1", BODY_HASH, ACCEPTED_AT, LEASE)
    ledger.finish(REGION, "b-1", result())

    earlier = ledger.claim(REGION, "b-1", BODY_HASH, ACCEPTED_AT + timedelta(hours=1), LEASE)

    assert earlier == result()


def test_the_same_batch_id_with_a_different_body_is_refused(ledger):
    ledger.claim(REGION, "b-1", BODY_HASH, ACCEPTED_AT, LEASE)
    ledger.finish(REGION, "b-1", result())

    with pytest.raises(BatchIdReused) as raised:
        ledger.claim(REGION, "b-1", OTHER_HASH, ACCEPTED_AT, LEASE)

    assert raised.value.code == "batch_id_reused"


def test_the_same_batch_id_with_a_different_body_is_refused_while_in_progress(ledger):
    ledger.claim(REGION, "b-1", BODY_HASH, ACCEPTED_AT, LEASE)

    with pytest.raises(BatchIdReused):
        ledger.claim(REGION, "b-1", OTHER_HASH, ACCEPTED_AT + LEASE * 2, LEASE)


def test_a_second_claim_while_the_first_is_in_progress_is_refused(ledger):
    ledger.claim(REGION, "b-1", BODY_HASH, ACCEPTED_AT, LEASE)

    with pytest.raises(BatchInProgress):
        ledger.claim(REGION, "b-1", BODY_HASH, ACCEPTED_AT + timedelta(seconds=30), LEASE)


def test_the_same_body_can_be_claimed_again_after_the_lease_expires(ledger):
    ledger.claim(REGION, "b-1", BODY_HASH, ACCEPTED_AT, LEASE)
    later = ACCEPTED_AT + LEASE + timedelta(seconds=1)

    again = ledger.claim(REGION, "b-1", BODY_HASH, later, LEASE)

    assert again is None
    with pytest.raises(BatchInProgress):
        ledger.claim(REGION, "b-1", BODY_HASH, later + timedelta(seconds=1), LEASE)


def test_a_finished_batch_is_never_reclaimed_after_its_lease(ledger):
    ledger.claim(REGION, "b-1", BODY_HASH, ACCEPTED_AT, LEASE)
    ledger.finish(REGION, "b-1", result())

    earlier = ledger.claim(REGION, "b-1", BODY_HASH, ACCEPTED_AT + timedelta(days=1), LEASE)

    assert earlier == result()


def test_batch_ids_are_scoped_per_region(ledger):
    ledger.claim(REGION, "b-1", BODY_HASH, ACCEPTED_AT, LEASE)

    assert ledger.claim(OTHER_REGION, "b-1", OTHER_HASH, ACCEPTED_AT, LEASE) is None


def test_the_largest_result_a_push_can_make_is_kept_and_answered_again(ledger):
    """Review 45: 5,000 outcomes alone were over DynamoDB's 400 KB item, so a push of them was
    answered 500 after its listings were written, and its batch id could never succeed."""
    outcomes = [
        EntryOutcome(list=section, index=i, listing_id=f"lst_{secrets.token_hex(16)}", outcome=o)
        for section, o in (("entries", "accepted"), ("removals", "removed"))
        for i in range(MAX_ENTRIES)
    ]
    errors = [
        EntryError(index=i, field="f" * PATH_CHARS, code="unknown_field", message="m" * 300)
        for i in range(MAX_REPORTED_ERRORS)
    ]
    largest = result().model_copy(
        update={"outcomes": tuple(outcomes), "errors": tuple(errors), "errors_truncated": True}
    )
    ledger.claim(REGION, "b-big", BODY_HASH, ACCEPTED_AT, LEASE)

    ledger.finish(REGION, "b-big", largest)

    assert ledger.claim(REGION, "b-big", BODY_HASH, ACCEPTED_AT, LEASE) == largest
