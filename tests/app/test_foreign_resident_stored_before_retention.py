"""A foreign permanent resident listed before review 282 under a number that also passed the
USCC check was stored as an organisation's (subject_type legal_person). Retention reads it as a
person's now, as masking and lookups do (review 283): once the listing ends, the person's name
and number are erased when retention ends, as any person's."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from app_support import DAYE, Gateway
from lifecycle_support import push_with_removals, removal_of
from personal_support import person_entry

from chalicelib.bootstrap import container
from gateway.lifecycle.retention import may_be_purged, purge_due
from gateway_client.contract import codes
from gateway_client.contract.clock import china_date

FOREIGN_PR = "911840198001010291"  # the review-282 test's number: passes both checks


def stored_by_the_release_before(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch, signer: Any, region: str, entry: Any
) -> None:
    """``entry`` pushed as the release before review 282 stored it: no permanent-resident
    form, so a number passing the USCC check is an organisation's."""
    monkeypatch.setattr(codes, "permanent_residence_look", lambda code: False)
    codes.forget_classified()
    stored = gateway.push(signer, region, [entry])
    assert stored.json_body.get("accepted") == 1, stored.json_body
    monkeypatch.undo()
    codes.forget_classified()


def test_a_pre_upgrade_foreign_residents_listing_is_erased_when_retention_ends(
    gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    daye = gateway.register_platform(DAYE)
    entry = person_entry(credit_code=FOREIGN_PR, subject_name="John SMITH")
    stored_by_the_release_before(gateway, monkeypatch, daye, DAYE, entry)
    removed = push_with_removals(gateway, daye, DAYE, [removal_of(entry, "revoked")])
    assert removed.status_code == 200, removed.json_body
    assert removed.json_body.get("removed") == 1, removed.json_body

    [held] = container().listings.subject(FOREIGN_PR)
    later = china_date(container().clock.now()) + timedelta(days=6 * 366 + 400)

    assert codes.classify(FOREIGN_PR)[1] is codes.SubjectType.NATURAL_PERSON  # read as a person
    # correct: a person's listing ends in erasure
    assert may_be_purged(held), held.subject_type
    assert purge_due(held, later, evidence_days=365), held.subject_type
