"""Checkpoints, cosignatures and the witness: a province cosigns a checkpoint only if it extends
the last one it cosigned, so the gateway cannot show two provinces two histories."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gateway_client.tlog import (
    EMPTY_ROOT,
    CosignatureSigner,
    CosignatureVerifier,
    Cosigned,
    Frontier,
    NoteError,
    NoteSigner,
    NoteVerifier,
    TreeHead,
    Witness,
    WitnessConflict,
    WitnessRefusal,
    add_signatures,
    consistency_proof,
    cosigned_message,
    format_add_checkpoint,
    format_checkpoint,
    leaf_hash,
    open_note,
    parse_add_checkpoint,
    parse_checkpoint,
    sign_note,
)

ORIGIN = "gateway.example/exchange-log"
LOG = NoteSigner(ORIGIN, Ed25519PrivateKey.from_private_bytes(bytes(range(32))))
WITNESS = CosignatureSigner("province.example/w1", Ed25519PrivateKey.from_private_bytes(bytes(32)))
NOW = 1_767_225_600


class Log:
    """A log growing one tree (or a fork of it) and signing checkpoints of it."""

    def __init__(self, prefix: bytes = b"change") -> None:
        self.prefix = prefix
        self.frontier = Frontier.empty()
        self.stored: dict[tuple[int, int], bytes] = {}

    def grow_to(self, size: int, extensions: tuple[str, ...] = ()) -> str:
        leaves = [leaf_hash(self.prefix + b"%d" % i) for i in range(self.frontier.size, size)]
        self.frontier, created = self.frontier.append(leaves)
        self.stored.update({(h, n): v for h, n, v in created})
        text = format_checkpoint(ORIGIN, size, self.frontier.root(), extensions)
        return sign_note(text, [LOG])

    def proof(self, old: int) -> list[bytes]:
        return consistency_proof(
            old, self.frontier.size, lambda nodes: [self.stored[n] for n in nodes]
        )


State = dict[str, Cosigned]


def witness(state: State | None = None) -> Witness:
    logs = {ORIGIN: NoteVerifier.from_vkey(LOG.vkey)}
    return Witness(WITNESS, logs, {} if state is None else state)


def test_checkpoints_round_trip_and_only_canonical_text_parses() -> None:
    root = hashlib.sha256(b"root").digest()
    text = format_checkpoint(ORIGIN, 20852163, root, ["ext one"])
    assert text == f"{ORIGIN}\n20852163\n{base64.b64encode(root).decode()}\next one\n"
    assert parse_checkpoint(text) == TreeHead(ORIGIN, 20852163, root, ("ext one",))
    b64 = base64.b64encode(root).decode()
    for bad in (
        f"{ORIGIN}\n5\n{b64}",  # no final newline
        f"{ORIGIN}\n05\n{b64}\n",  # leading zero
        f"{ORIGIN}\n+5\n{b64}\n",
        f"{ORIGIN}\n5\n{b64[:-1]}\n",  # not base64
        f"{ORIGIN}\n5\n{base64.b64encode(root[:31]).decode()}\n",  # not 32 bytes
        f"{ORIGIN}\n5\n{b64}\n\n",  # empty extension line
        f"\n5\n{b64}\n",  # empty origin
        f"{ORIGIN}\n5\n",
        f"{ORIGIN}\t\n5\n{b64}\n",  # control character
    ):
        with pytest.raises(NoteError):
            parse_checkpoint(bad)
    with pytest.raises(NoteError):
        format_checkpoint(ORIGIN + "\n1", 5, root)


def test_the_cosigned_message_is_the_c2sp_example() -> None:
    text = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    assert cosigned_message(text, 1679315147) == (
        b"cosignature/v1\ntime 1679315147\n" + text.encode()
    )


def test_cosignature_keys_are_type_0x04_and_never_pass_for_note_keys() -> None:
    public = WITNESS.key.public_key().public_bytes_raw()
    expected = hashlib.sha256(WITNESS.name.encode() + b"\n\x04" + public).digest()[:4]
    assert WITNESS.key_id == expected
    assert (
        WITNESS.vkey
        == f"{WITNESS.name}+{expected.hex()}+" + base64.b64encode(b"\x04" + public).decode()
    )
    assert CosignatureVerifier.from_vkey(WITNESS.vkey).key_id == expected
    with pytest.raises(NoteError):
        NoteVerifier.from_vkey(WITNESS.vkey)
    with pytest.raises(NoteError):
        CosignatureVerifier.from_vkey(LOG.vkey)


def test_a_witness_cosigns_a_consistent_checkpoint_and_clients_verify_both_signatures() -> None:
    log, state = Log(), State()
    first = log.grow_to(5)
    line = witness(state).add_checkpoint(0, [], first, NOW)
    assert line.startswith(f"— {WITNESS.name} ")
    assert line.endswith("\n")
    assert state == {ORIGIN: Cosigned(5, log.frontier.root())}
    cosigned = add_signatures(first, [line, line])
    assert cosigned == first + line  # the same line is not added twice
    log_key, witness_key = (
        NoteVerifier.from_vkey(LOG.vkey),
        CosignatureVerifier.from_vkey(WITNESS.vkey),
    )
    text, names = open_note(cosigned, [log_key, witness_key])
    assert (parse_checkpoint(text).size, names) == (5, [ORIGIN, WITNESS.name])
    assert open_note(cosigned, [witness_key])[1] == [WITNESS.name]
    assert witness_key.timestamp_of(cosigned) == NOW
    with pytest.raises(NoteError):  # a cosignature over another checkpoint does not verify
        open_note(add_signatures(log.grow_to(6), [line]), [witness_key])

    second = log.grow_to(9)
    later = witness(state).add_checkpoint(5, log.proof(5), second, NOW + 60)
    assert state[ORIGIN] == Cosigned(9, log.frontier.root())
    assert CosignatureVerifier.from_vkey(WITNESS.vkey).timestamp_of(second + later) == NOW + 60
    again = witness(state).add_checkpoint(9, [], second, NOW + 120)  # same head: cosigned anew
    assert open_note(second + again, [witness_key])[1] == [WITNESS.name]


def test_a_witness_refuses_a_stale_old_size_a_rollback_and_a_fork() -> None:
    log, state = Log(), State()
    w = witness(state)
    w.add_checkpoint(0, [], log.grow_to(9), NOW)
    with pytest.raises(WitnessConflict) as conflict:
        w.add_checkpoint(5, [], log.grow_to(12), NOW)
    assert (conflict.value.status, conflict.value.size) == (409, 9)

    with pytest.raises(WitnessRefusal) as rollback:  # old size above the checkpoint's size
        w.add_checkpoint(9, [], Log().grow_to(7), NOW)
    assert rollback.value.status == 400

    fork = Log(b"forged")  # a different history, signed by the same log key
    forked = fork.grow_to(12)
    fork_from_9 = Log(b"forged")
    fork_from_9.grow_to(9)
    with pytest.raises(WitnessRefusal) as inconsistent:
        w.add_checkpoint(9, fork.proof(9), forked, NOW)
    assert inconsistent.value.status == 422
    with pytest.raises(WitnessRefusal) as same_size:  # the spec's 409 (review 195)
        w.add_checkpoint(9, [], fork_from_9.grow_to(9), NOW)
    assert same_size.value.status == 409
    assert state[ORIGIN] == Cosigned(9, _root_of_log(9))  # nothing refused was recorded


def test_a_witness_refuses_a_checkpoint_no_longer_stating_what_it_cosigned() -> None:
    """The log's statements are signed with the tree so that they never move: at the size it
    cosigned, or later, a checkpoint stating another instant is refused; one adding a new
    statement is cosigned (review 195: two series of one tree were cosigned alike)."""
    log, state = Log(), State()
    said = ("credit-gateway/salted-since 2026-01-01T00:00:00Z",)
    moved = ("credit-gateway/salted-since 2026-06-01T00:00:00Z",)
    w = witness(state)
    w.add_checkpoint(0, [], log.grow_to(5, said), NOW)

    refused = []
    for old, note in ((5, log.grow_to(5, moved)), (5, log.grow_to(5, ()))):
        with pytest.raises(WitnessRefusal) as refusal:
            w.add_checkpoint(old, [], note, NOW)
        refused.append(refusal.value.status)
    added = (*said, "credit-gateway/moves-since 2026-02-01T00:00:00Z")
    w.add_checkpoint(5, [], log.grow_to(5, added), NOW + 1)

    assert refused == [422, 422]
    assert state[ORIGIN] == Cosigned(5, log.frontier.root(), added)
    with pytest.raises(WitnessRefusal):
        w.add_checkpoint(5, log.proof(5), log.grow_to(8, moved), NOW + 2)
    assert state[ORIGIN].size == 5


def _root_of_log(size: int) -> bytes:
    log = Log()
    log.grow_to(size)
    return log.frontier.root()


def test_a_witness_refuses_unknown_logs_bad_signatures_and_bad_proofs() -> None:
    log = Log()
    note = log.grow_to(3)
    stranger = NoteSigner("elsewhere.example/log", Ed25519PrivateKey.generate())
    unknown = sign_note(format_checkpoint(stranger.name, 3, log.frontier.root()), [stranger])
    impostor = NoteSigner(ORIGIN, Ed25519PrivateKey.generate())
    unsigned = sign_note(format_checkpoint(ORIGIN, 3, log.frontier.root()), [impostor])
    tampered = _tamper(note)
    empty_wrong = sign_note(format_checkpoint(ORIGIN, 0, hashlib.sha256(b"x").digest()), [LOG])
    cases = [
        (0, [], unknown, 404),
        (0, [], unsigned, 403),
        (0, [], tampered, 403),
        (0, [EMPTY_ROOT], note, 422),  # no proof from the empty tree
        (0, [], empty_wrong, 409),  # the empty tree has the empty root: size 0, another root
        (0, [EMPTY_ROOT] * 64, note, 400),
        (0, [], "not a note", 400),
    ]
    for old, proof, body, status in cases:
        state = State()
        with pytest.raises(WitnessRefusal) as refused:
            witness(state).add_checkpoint(old, proof, body, NOW)
        assert refused.value.status == status
        assert state == {}


def _tamper(note: str) -> str:
    """The note with its log signature's last signature byte changed (name and key id kept)."""
    text, _, line = note.rpartition("\n— ")
    name, sig = line.rstrip("\n").split(" ")
    raw = bytearray(base64.b64decode(sig))
    raw[-1] ^= 1
    return f"{text}\n— {name} {base64.b64encode(bytes(raw)).decode()}\n"


def test_add_checkpoint_bodies_round_trip_and_malformed_ones_are_refused() -> None:
    log = Log()
    log.grow_to(5)
    note = log.grow_to(11)
    proof = log.proof(5)
    body = format_add_checkpoint(5, proof, note)
    assert body == "old 5\n" + "".join(base64.b64encode(h).decode() + "\n" for h in proof) + (
        "\n" + note
    )
    assert parse_add_checkpoint(body) == (5, proof, note)
    assert parse_add_checkpoint(format_add_checkpoint(0, [], note)) == (0, [], note)
    short = base64.b64encode(proof[0][:31]).decode()  # base64, but no SHA-256 (review 139)
    for bad in (
        f"old 05\n\n{note}",
        f"old 5\n{note}",
        f"old 5\n!!\n\n{note}",
        f"5\n\n{note}",
        f"old 5\n{short}\n\n{note}",
    ):
        with pytest.raises(WitnessRefusal):
            parse_add_checkpoint(bad)


def test_malformed_notes_are_refused() -> None:
    key = NoteVerifier.from_vkey(LOG.vkey)
    note = Log().grow_to(2)
    text, _, sigs = note.rpartition("\n\n")
    for bad in (
        text + "\n" + sigs,  # no blank line
        note + "garbage\n",  # not a signature line
        note.replace("— ", "- ", 1),  # not an em dash
        note[:-1],  # no final newline
        note + ("— other.example/x AAAAAAA=\n" * 100),  # too many signatures
        "\udcff" + note,  # a lone surrogate: not UTF-8
        "\x07" + note,  # a control character
    ):
        with pytest.raises(NoteError):
            open_note(bad, [key])
    with pytest.raises(NoteError):
        sign_note("no newline", [LOG])
    with pytest.raises(NoteError):
        NoteSigner("has space", LOG.key)


def test_a_key_id_of_decimal_digits_only_is_still_a_hex_key_id() -> None:
    key = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
    signer = next(
        s for i in range(2000) if (s := NoteSigner(f"log{i}.example", key)).key_id.hex().isdigit()
    )
    assert NoteVerifier.from_vkey(signer.vkey).key_id == signer.key_id
    assert open_note(sign_note("text\n", [signer]), [NoteVerifier.from_vkey(signer.vkey)])
