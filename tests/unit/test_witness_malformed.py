"""A witness, and whoever reads cosignatures, answer a malformed note as malformed (review 33):
a tree size of thousands of digits (``int`` refuses past 4,300) or a character that is not
ASCII where base64 belongs (``b64decode`` raises ``ValueError`` for it, not
``binascii.Error``) was an exception out of the parser — a witness dropped the connection
instead of answering 400, and a garbled cosignature line broke whoever read it."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from test_log_audit import CHECKPOINT
from test_witness_audit import BOTH, HUBEI, cosigned
from test_witness_server import LOG, ORIGIN, WITNESS, note, post, witness  # noqa: F401

from gateway_client.tlog import NoteVerifier, parse_checkpoint
from gateway_client.tlog.note import NoteError
from gateway_client.witness_audit import cosigners
from gateway_client.witness_server import WitnessService, WitnessState

ROOT = base64.b64encode(b"\x01" * 32).decode()
HUGE = f"{ORIGIN}\n{'9' * 5000}\n{ROOT}\n"
SIGNATURE = "— " + ORIGIN + " " + base64.b64encode(b"\0" * 68).decode() + "\n"
MALFORMED = {
    "a size of 5,000 digits": "old 0\n\n" + HUGE + "\n" + SIGNATURE,
    "a proof line not ASCII": "old 0\nAAAé\n\n" + note(2),
    "a root not ASCII": "old 0\n\n" + note(2).replace("\n2\n", "\n2\né", 1),
    "a signature line not ASCII": "old 0\n\n" + note(2).rstrip("\n") + "é\n",
}


def test_a_tree_size_of_thousands_of_digits_is_not_a_checkpoint() -> None:
    with pytest.raises(NoteError, match="is not a tree size"):
        parse_checkpoint(HUGE)


@pytest.mark.parametrize("what", sorted(MALFORMED))
def test_the_witness_answers_400_and_records_nothing(tmp_path: Path, what: str) -> None:
    state = tmp_path / "w.json"
    service = WitnessService(WITNESS, NoteVerifier.from_vkey(LOG.vkey), WitnessState(state), print)

    status, _, _ = service.add_checkpoint(MALFORMED[what].encode())

    assert status == 400
    assert not state.exists()


def test_over_http_the_caller_gets_its_400(witness: tuple[str, Path]) -> None:  # noqa: F811
    url, state = witness

    status, _, _ = post(url, MALFORMED["a size of 5,000 digits"])

    assert status == 400
    assert not state.exists()


def test_a_garbled_cosignature_line_counts_for_no_witness() -> None:
    garbled = cosigned(CHECKPOINT, f"— {HUBEI.name} AAAAé\n")

    assert cosigners(garbled, BOTH) == set()
