"""The words masking withholds (a repair's note, an objection's reason) are bound to the log only
through ``ids_commitment``, which only the version's ``id_salt`` lets a reader recompute. A copy
marked recognised that carried the words and the commitment but not the salt digested as the
logged change whatever the words said (review 307): verify-log now reports such a copy."""

from __future__ import annotations

from datetime import timedelta

from builders import (
    NOW,
    RESIDENT_ID,
    change,
    gateway_signers,
    listing,
    published_tiles,
    subscription,
    tile_reader,
    tree_root,
)

from gateway.delivery.planning import payload_for, plan_deliveries, stamped
from gateway_client.contract.listing import Transition, masked
from gateway_client.contract.log import log_entries, sign_checkpoint
from gateway_client.log_audit import audit

REGION = "430000"
GATEWAY = gateway_signers("gw-test-1")
SUB = subscription("sub-all", region=REGION)


def _steps(note: str) -> tuple[Transition, ...]:
    return (
        Transition(
            event="repaired",
            status="active",
            at=NOW - timedelta(days=2),
            by="230900",
            reason="repaired",
            note=note,
        ),
    )


def test_words_delivered_without_the_salt_that_binds_them_are_reported() -> None:
    full = listing(credit_code=RESIDENT_ID, subject_name="张某某").model_copy(
        update={"id_salt": "5a" * 16, "history": _steps("已全额缴纳罚款并完成整改")}
    )
    made = change(full)
    [planned] = plan_deliveries(made, [SUB], [])
    [one] = stamped([planned], {made.change_id: 1}, lambda _sub, _count: 1)
    body = payload_for(one, subscriber_region=REGION)
    recognised = body.recognition.model_copy(update={"recognised": True})
    invented = masked(full).model_copy(update={"history": _steps("拒不整改，情节恶劣")})
    assert invented.id_salt is None
    assert invented.ids_commitment is not None
    forged = body.model_copy(
        update={"recognition": recognised, "data": made.model_copy(update={"listing": invented})}
    )
    entries = log_entries(1, [made])
    checkpoint = sign_checkpoint(1, tree_root(entries), NOW, GATEWAY)
    reader = tile_reader(published_tiles(entries, [1]))
    keys = [GATEWAY.ed25519.private_key.public_key()]
    report = audit(
        entries, [checkpoint], keys, [forged], lambda _e: True, reader, NOW + timedelta(days=1), 1
    )
    assert not report.ok, "words the log cannot bind (no salt) passed as the logged change"
