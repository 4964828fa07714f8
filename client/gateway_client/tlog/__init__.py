"""The transparency-log math: RFC 9162 Merkle trees in C2SP tlog-tiles, signed-note checkpoints."""

from gateway_client.tlog.checkpoint import TreeHead, format_checkpoint, parse_checkpoint
from gateway_client.tlog.cosignature import (
    COSIGNATURE_V1,
    CosignatureSigner,
    CosignatureVerifier,
    cosigned_message,
)
from gateway_client.tlog.ed25519_points import sound_public_key, weakness
from gateway_client.tlog.frontier import Frontier
from gateway_client.tlog.hashing import EMPTY_ROOT, HASH_SIZE, leaf_hash, node_hash, root_of
from gateway_client.tlog.note import (
    ED25519,
    NoteError,
    NoteSigner,
    NoteVerifier,
    add_signatures,
    open_note,
    sign_note,
)
from gateway_client.tlog.proofs import (
    HashReader,
    complete_subtrees,
    consistency_proof,
    inclusion_proof,
    tree_root,
    verify_consistency,
    verify_inclusion,
)
from gateway_client.tlog.tiles import (
    TILE_HEIGHT,
    TILE_WIDTH,
    entries_path,
    entry_bundles_for,
    parse_tile_path,
    split_bundle,
    tile_hash_reader,
    tile_path,
    tiles_for,
    tiles_needed,
)
from gateway_client.tlog.witness import (
    Witness,
    WitnessConflict,
    WitnessError,
    WitnessRefusal,
    format_add_checkpoint,
    parse_add_checkpoint,
)

__all__ = [
    "COSIGNATURE_V1",
    "ED25519",
    "EMPTY_ROOT",
    "HASH_SIZE",
    "TILE_HEIGHT",
    "TILE_WIDTH",
    "CosignatureSigner",
    "CosignatureVerifier",
    "Frontier",
    "HashReader",
    "NoteError",
    "NoteSigner",
    "NoteVerifier",
    "TreeHead",
    "Witness",
    "WitnessConflict",
    "WitnessError",
    "WitnessRefusal",
    "add_signatures",
    "complete_subtrees",
    "consistency_proof",
    "cosigned_message",
    "entries_path",
    "entry_bundles_for",
    "format_add_checkpoint",
    "format_checkpoint",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "open_note",
    "parse_add_checkpoint",
    "parse_checkpoint",
    "parse_tile_path",
    "root_of",
    "sign_note",
    "sound_public_key",
    "split_bundle",
    "tile_hash_reader",
    "tile_path",
    "tiles_for",
    "tiles_needed",
    "tree_root",
    "verify_consistency",
    "verify_inclusion",
    "weakness",
]
