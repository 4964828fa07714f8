"""A commitment's outcome sent twice in one push or one file, the newer version first: the
entries are taken in the order given, as separate pushes are, so the first outcome stands
however an upload's batches are cut (review 374 F5: one batch kept the older version's
outcome, while the same lines in two batches, or two pushes, kept the first line's)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from app_support import CITY, Gateway
from test_commitment_routes import TODAY, city, commitment, push, shown  # noqa: F401
from upload_support import uploaded

from gateway.intake import bulk_batches
from gateway_client.contract.signing import Ed25519Signer


def _at(minutes_ago: int, outcome: str) -> dict[str, Any]:
    stamp = (datetime.now(UTC) - timedelta(minutes=minutes_ago)).isoformat()
    made = commitment(1, outcome=outcome, outcome_on=TODAY.isoformat())
    return {**made, "source_updated_at": stamp}


NEWER_BROKEN_THEN_OLDER_KEPT = [_at(1, "broken"), _at(2, "kept")]


def _outcome(gateway: Gateway, signer: Ed25519Signer) -> str:
    [held] = shown(gateway, signer)["listings"]
    return str(held["listing"]["commitment"]["outcome"])


def test_one_push_stores_what_two_pushes_store(gateway, city):  # noqa: F811
    reply = push(gateway, city, CITY, *NEWER_BROKEN_THEN_OLDER_KEPT)

    assert (reply["accepted"], reply["duplicate"], reply["errors"]) == (1, 1, [])
    assert [x["outcome"] for x in reply["outcomes"]] == ["accepted", "duplicate"]
    assert _outcome(gateway, city) == "broken"


@pytest.mark.parametrize("lines_per_batch", [500, 1])
def test_an_upload_stores_the_same_wherever_its_batches_are_cut(
    gateway: Gateway,
    aws: Any,
    city: Ed25519Signer,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    lines_per_batch: int,
) -> None:
    monkeypatch.setattr(bulk_batches, "LINES_PER_BATCH", lines_per_batch)

    upload_id = uploaded(gateway, aws, city, NEWER_BROKEN_THEN_OLDER_KEPT)

    done = gateway.send_signed("GET", f"/v1/regions/{CITY}/uploads/{upload_id}", city)
    counts = done.json_body["upload"]
    assert (counts["status"], counts["accepted"], counts["duplicate"], counts["rejected"]) == (
        "completed",
        1,
        1,
        0,
    )
    assert _outcome(gateway, city) == "broken"
