"""The words masking withholds (a repair's note, an objection's reason) are bound to the log only
through ``ids_commitment``, which only the version's ``id_salt`` lets a reader recompute; the
digest covers the masked form (review 307). So verify-log reports a copy marked recognised that
carries the words and the commitment but not the salt (it digested as the logged change
whatever the words said), and words in a copy to a region without purpose whatever its event —
not only a ``listing.changed`` (review 246), also a ``recognition.changed`` restatement and a
``subject.intensified`` flag."""

from __future__ import annotations

from builders import NOW, change
from logged_person import audited, delivered, person, repaired

from gateway_client.contract.change import restated
from gateway_client.contract.events import Intensified
from gateway_client.contract.listing import masked

WORDS = "本人已全额还款，联系电话一三八〇〇〇〇〇〇〇〇"


def test_words_delivered_without_the_salt_that_binds_them_are_reported() -> None:
    full = person(repaired("已全额缴纳罚款并完成整改"))
    made = change(full)
    body = delivered(made)
    recognised = body.recognition.model_copy(update={"recognised": True})
    invented = masked(full).model_copy(update={"history": repaired("拒不整改，情节恶劣")})
    assert invented.id_salt is None
    assert invented.ids_commitment is not None
    forged = body.model_copy(
        update={"recognition": recognised, "data": made.model_copy(update={"listing": invented})}
    )

    assert not audited(made, [forged]).ok, "words the log cannot bind passed as logged"


def test_withheld_words_in_a_restatement_or_flag_to_a_region_without_purpose_are_reported() -> None:
    full = person(repaired(WORDS))
    made = change(full)
    logged = delivered(made)
    assert not logged.recognition.recognised
    assert logged.data.listing.history[0].note is None  # withheld, as it should be
    worded = masked(full).model_copy(update={"history": full.history})  # the words put back
    restatement = logged.model_copy(
        update={
            "type": "recognition.changed",
            "delivery_id": "msg_" + "e" * 32,
            "log_sequence": None,
            "sequence": 2,
            "data": restated(worded, "agr_1@2", NOW),
        }
    )
    flag = logged.model_copy(
        update={
            "type": "subject.intensified",
            "delivery_id": "msg_" + "f" * 32,
            "sequence": 2,
            "data": made.model_copy(update={"listing": worded}),
            "intensified": Intensified(
                credit_code=worded.credit_code, intensified=True, domains=("a", "b")
            ),
        }
    )
    direct = logged.model_copy(update={"data": made.model_copy(update={"listing": worded})})

    assert audited(made, [logged]).ok
    assert not audited(made, [direct]).ok  # review 246
    assert not audited(made, [logged, restatement]).ok, "words in a restatement: OK"
    assert not audited(made, [logged, flag]).ok, "words in an intensified flag: OK"
