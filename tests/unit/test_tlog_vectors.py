"""The tree math and the note format against published vectors: RFC 6962's CT test data
(transparency-dev/merkle testonly), transparency-dev's proof verification vectors, Go's
sumdb/note PeterNeumann note and the C2SP signed-note and tlog-tiles examples."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gateway_client.tlog import (
    EMPTY_ROOT,
    Frontier,
    NoteError,
    NoteSigner,
    NoteVerifier,
    consistency_proof,
    entries_path,
    inclusion_proof,
    leaf_hash,
    open_note,
    parse_tile_path,
    root_of,
    sign_note,
    tile_path,
    tree_root,
    verify_consistency,
    verify_inclusion,
)

VECTORS = json.loads(
    (Path(__file__).parent / "data/tlog_transparency_dev_vectors.json").read_text()
)

# transparency-dev/merkle testonly/constants.go: LeafInputs, RootHashes (index = tree size).
LEAVES = [bytes.fromhex(h) for h in ("", "00", "10", "2021", "3031", "40414243")] + [
    bytes.fromhex("5051525354555657"),
    bytes.fromhex("606162636465666768696a6b6c6d6e6f"),
]
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
# NodeHashes: level → the complete subtrees of the 8-leaf tree.
NODES = {
    (1, 0): "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    (1, 1): "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
    (1, 2): "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
    (1, 3): "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    (2, 0): "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    (2, 1): "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    (3, 0): "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}
HASHES = [leaf_hash(leaf) for leaf in LEAVES]


def test_the_empty_root_and_leaf_hashes_are_rfc_6962s() -> None:
    assert EMPTY_ROOT.hex() == ROOTS[0]
    assert HASHES[0].hex() == ROOTS[1]
    assert HASHES[7].hex() == "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1"


@pytest.mark.parametrize("size", range(9))
def test_roots_of_every_prefix_match_the_ct_test_data(size: int) -> None:
    assert root_of(HASHES[:size]).hex() == ROOTS[size]
    frontier, _ = Frontier.empty().append(HASHES[:size])
    assert frontier.root().hex() == ROOTS[size]


def test_the_frontier_reports_every_complete_subtree_of_the_ct_tree() -> None:
    _, created = Frontier.empty().append(HASHES)
    found = {(h, n): v.hex() for h, n, v in created}
    assert {k: v for k, v in found.items() if k[0] > 0} == NODES
    assert [found[0, n] for n in range(8)] == [h.hex() for h in HASHES]


def _from_created() -> dict[tuple[int, int], bytes]:
    _, created = Frontier.empty().append(HASHES)
    return {(h, n): v for h, n, v in created}


def test_proofs_built_from_stored_subtrees_match_rfc_6962_paths() -> None:
    """RFC 6962 §2.1.3's example tree: PATH(0, D[8]), PROOF(6, D[7]) = [i, j, k], PROOF(6, D[8])."""
    stored = _from_created()

    def read(nodes: Any) -> list[bytes]:
        return [stored[node] for node in nodes]

    assert [h.hex() for h in inclusion_proof(0, 8, read)] == [
        HASHES[1].hex(),
        NODES[1, 1],
        NODES[2, 1],
    ]
    assert [h.hex() for h in consistency_proof(6, 7, read)] == [
        NODES[1, 2],
        HASHES[6].hex(),
        NODES[2, 0],
    ]
    assert [h.hex() for h in consistency_proof(6, 8, read)] == [
        NODES[1, 2],
        NODES[1, 3],
        NODES[2, 0],
    ]
    assert consistency_proof(4, 8, read) == [bytes.fromhex(NODES[2, 1])]
    assert [tree_root(n, read).hex() for n in range(9)] == ROOTS


def _b64(value: str) -> bytes:
    return base64.b64decode(value)


# The witness semantics (C2SP tlog-witness): the empty tree is consistent with any tree and
# needs no proof; transparency-dev calls that check "meaningless" and refuses it.
EMPTY_TREE_IS_CONSISTENT = {"consistency/additional/size1-is-zero-and-size2-is-not-zero.json"}


@pytest.mark.parametrize("case", VECTORS["inclusion"], ids=lambda c: c["file"])
def test_transparency_dev_inclusion_vectors(case: dict[str, Any]) -> None:
    proof = [_b64(p) for p in case["proof"] or []]
    ok = verify_inclusion(
        _b64(case["leafHash"]), case["leafIdx"], case["treeSize"], proof, _b64(case["root"])
    )
    assert ok is not case["wantErr"]


@pytest.mark.parametrize("case", VECTORS["consistency"], ids=lambda c: c["file"])
def test_transparency_dev_consistency_vectors(case: dict[str, Any]) -> None:
    proof = [_b64(p) for p in case["proof"] or []]
    ok = verify_consistency(
        case["size1"], case["size2"], _b64(case["root1"]), _b64(case["root2"]), proof
    )
    assert ok is (not case["wantErr"] or case["file"] in EMPTY_TREE_IS_CONSISTENT)


def test_the_vector_file_holds_both_kinds() -> None:
    assert len(VECTORS["inclusion"]) > 90
    assert len(VECTORS["consistency"]) > 90
    assert sum(not c["wantErr"] for c in VECTORS["consistency"]) >= 5


# golang.org/x/mod/sumdb/note note_test.go
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
PETER_SIG = (
    "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXg"
    "KvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
ENOCH_SIG = (
    "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01"
    "oOTGwnWLox33WWd1RvMc+QQ=\n"
)


def _peter() -> NoteSigner:
    seed = base64.b64decode(PETER_SKEY.split("+", 4)[4])[1:]
    return NoteSigner("PeterNeumann", Ed25519PrivateKey.from_private_bytes(seed))


def test_go_sumdb_note_peter_neumann_signs_byte_for_byte() -> None:
    signer = _peter()
    assert signer.key_id.hex() == "c74f20a3"
    assert signer.vkey == PETER_VKEY
    assert sign_note(TEXT, [signer]) == TEXT + "\n" + PETER_SIG


def test_go_sumdb_note_open_verifies_known_keys_and_skips_unknown_ones() -> None:
    peter, enoch = NoteVerifier.from_vkey(PETER_VKEY), NoteVerifier.from_vkey(ENOCH_VKEY)
    note = TEXT + "\n" + PETER_SIG + ENOCH_SIG
    assert open_note(note, [peter]) == (TEXT, ["PeterNeumann"])
    assert open_note(note, [peter, enoch]) == (TEXT, ["PeterNeumann", "EnochRoot"])
    with pytest.raises(NoteError):
        open_note(TEXT + "\n" + ENOCH_SIG, [peter])  # no known key signed
    bad = PETER_SIG.replace("x08go", "x08gp")
    with pytest.raises(NoteError):
        open_note(TEXT + "\n" + bad, [peter])  # a known key whose signature fails


def test_go_sumdb_note_every_mangled_vkey_is_refused() -> None:
    raw = PETER_VKEY.encode()
    mangled = {raw[i:j] for i in range(len(raw)) for j in range(i + 1, len(raw) + 1)} - {raw}
    mangled |= {raw[:i] + bytes([raw[i] + 1]) + raw[i + 1 :] for i in range(len(raw))}
    mangled |= {
        b"PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
        b"PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    }
    for vkey in mangled:
        with pytest.raises(NoteError):
            NoteVerifier.from_vkey(vkey.decode("utf-8", "replace"))


def test_c2sp_signed_note_example_verifies() -> None:
    vkey = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
    note = (
        "This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi"
        "2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
    )
    assert open_note(note, [NoteVerifier.from_vkey(vkey)]) == (
        "This is an example message.\n",
        ["example.com/foo"],
    )


@pytest.mark.parametrize(
    ("level", "index", "width", "path"),
    [
        (0, 1234067, 256, "tile/0/x001/x234/067"),
        (0, 1234, 256, "tile/0/x001/234"),
        (0, 1234, 17, "tile/0/x001/234.p/17"),
        (1, 0, 1, "tile/1/000.p/1"),
        (2, 999, 255, "tile/2/999.p/255"),
        (63, 1000, 256, "tile/63/x001/000"),
    ],
)
def test_tile_paths_follow_the_spec(level: int, index: int, width: int, path: str) -> None:
    assert tile_path(level, index, width) == path
    assert parse_tile_path(path) == (level, index, width)


def test_entry_bundle_paths_follow_the_spec() -> None:
    assert entries_path(1234067) == "tile/entries/x001/x234/067"
    assert entries_path(0, 112) == "tile/entries/000.p/112"
    assert parse_tile_path("tile/entries/x001/x234/067.p/3") == (None, 1234067, 3)


@pytest.mark.parametrize(
    "path",
    [
        "tile/0/1234",  # not 3-digit groups
        "tile/0/x001/x234",  # last group marked
        "tile/0/001/234",  # inner group unmarked
        "tile/0/x000/234",  # leading zero group
        "tile/00/000",  # level with leading zero
        "tile/64/000",  # level beyond 63
        "tile/0/000.p/256",  # a full tile written as partial
        "tile/0/000.p/0",
        "tile/0/000.p/07",
        "tile/entries/000.p/",
        "/tile/0/000",
        "tile/0/000/",
        "tile/8/0/000",  # sumdb's height element is not part of tlog-tiles
    ],
)
def test_non_canonical_tile_paths_are_refused(path: str) -> None:
    with pytest.raises(ValueError, match=r"tile path|canonical|within"):
        parse_tile_path(path)
