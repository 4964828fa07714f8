"""A private file is its owner's alone, whether it is new or was there before, wider."""

from __future__ import annotations

import os
from pathlib import Path

from gateway_client.delivery_store import DeliveryStore
from gateway_client.durable_files import append_durably, replace_durably
from gateway_client.kept_proofs import batches_dir, signatures_path
from gateway_client.private_files import write_private


def test_a_new_or_an_existing_file_is_left_readable_by_its_owner_alone(tmp_path: Path) -> None:
    old = tmp_path / "old.json"
    old.write_text("a longer earlier content\n", encoding="utf-8")
    old.chmod(0o644)

    for path in (tmp_path / "new.json", old):
        write_private(path, "[]\n")

    assert [(p.read_text(), p.stat().st_mode & 0o777) for p in (tmp_path / "new.json", old)] == [
        ("[]\n", 0o600),
        ("[]\n", 0o600),
    ]


def test_the_listener_s_store_is_its_owner_s_alone_whatever_the_umask(tmp_path: Path) -> None:
    """``gateway listen`` keeps what was delivered in full (review 209): its files are 0600, the
    batch files' folder 0700, and a store an earlier release left wider is made so at start."""
    earlier = tmp_path / "earlier.ndjson"
    earlier.write_bytes(b"")
    earlier.chmod(0o644)
    batches = batches_dir(earlier)
    batches.mkdir(mode=0o755)
    umask = os.umask(0o022)
    try:
        DeliveryStore(earlier)
        store = DeliveryStore(tmp_path / "new.ndjson")
        append_durably(store.path, b"{}\n")
        replace_durably(tmp_path / "rewritten.ndjson", b"{}\n")
    finally:
        os.umask(umask)

    modes = {
        p.name: p.stat().st_mode & 0o777
        for p in (earlier, signatures_path(earlier), store.path, tmp_path / "rewritten.ndjson")
    }
    assert set(modes.values()) == {0o600}, modes
    assert batches.stat().st_mode & 0o777 == 0o700
