"""The owner's verification note (核实) is the subject's case, as the objection's reason and the
decision note are: kept on the objection, withheld with them where a listing is shown masked,
bound by the masked form's ``ids_commitment`` — and not copied into the history, which every
view shows."""

from __future__ import annotations

import hashlib
import json

from builders import NOW, listing
from test_objection_rights import CITY, Rig

from gateway.lifecycle.requests import VerificationReport
from gateway_client.contract import Listing
from gateway_client.contract.listing import ids_commitment_of, masked

WORDS = "申请人称已于2024年清偿全部债务，并患有重病"
SALT = "00" * 16


def verified_with(note: str) -> Listing:
    rig = Rig()
    held = rig.seed(listing())
    rig.file(held, CITY)
    report = VerificationReport(source_updated_at=NOW, note=note)
    rig.service.report_verified(held.credit_code, held.listing_id, "obj-1", report, CITY)
    return rig.stored(held)


def test_the_note_is_kept_on_the_objection_and_not_in_the_history() -> None:
    stored = verified_with(WORDS)

    assert stored.objection is not None
    assert stored.objection.verification_note == WORDS
    assert stored.history[-1].event == "objection_verified"
    assert stored.history[-1].reason == "objection obj-1 verified"


def test_a_listing_shown_masked_holds_none_of_the_objection_s_words() -> None:
    shown = masked(verified_with(WORDS))

    assert WORDS not in shown.model_dump_json()
    assert shown.objection is not None
    assert shown.objection.verification_note == ""


def test_the_commitment_binds_the_note() -> None:
    a = verified_with(WORDS).model_copy(update={"id_salt": SALT})
    b = verified_with("已核实").model_copy(update={"id_salt": SALT})

    assert masked(a).ids_commitment != masked(b).ids_commitment


def test_a_commitment_made_before_the_note_was_kept_is_unchanged() -> None:
    """Objections verified without a note (and all made before): the hidden words hashed are
    the reason and the decision note alone, as ever, so logged commitments still verify."""
    held = verified_with("")
    assert held.objection is not None
    hidden = [
        held.credit_code,
        [p.id_number for p in held.responsible_persons],
        None,
        [held.objection.reason, held.objection.decision_note],
    ]
    text = json.dumps(hidden, ensure_ascii=False, separators=(",", ":"))
    expected = hashlib.sha256(bytes.fromhex(SALT) + text.encode()).hexdigest()

    assert ids_commitment_of(held, SALT) == expected
    assert "verification_note" not in held.objection.model_dump(mode="json")
