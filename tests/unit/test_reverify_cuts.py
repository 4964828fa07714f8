"""The lines of a kept batch file an erasure cut (review 14): counted apart, as what the log's
`data` alone still binds, so `--require-signatures` keeps meaning something for a batched store
after its first purge; a cut no stored tombstone explains still fails; and the purged listings
are found once, not once per cut file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from batch_support import BatchGateway, batched, changes, numbered
from builders import NOW
from proof_support import ED25519, announced, edit_line, flip_recognition, listening, reverified
from proof_support import signed_singly as signed

from gateway_client.contract import DeliveryPayload, purged
from gateway_client.kept_proofs import BatchCut, record_line
from gateway_client.proof_audit import StoredCopy
from gateway_client.subscriber_files import read_copy


def batched_then_purged(store: Path, files_count: int = 1) -> list[str]:
    """``files_count`` batches of two subjects each, the first subject of each then purged;
    the ids of the lines left in the cut files."""
    left = []
    for n in range(files_count):
        gateway = BatchGateway()
        made = changes(2, first=1 + 2 * n)
        planned = numbered(made, [gateway.target], first_log=100 * n + 1)
        headers, body, files = announced(gateway, planned)
        listener = listening(store, files)
        assert listener.handle(headers, body)[0] == 204
        [tombstone] = numbered([purged(made[0].listing, NOW)], [batched()], 100 * n + 50)
        tombstone = tombstone.model_copy(update={"delivery_id": f"msg_tombstone_{n}"})
        assert listener.handle(*signed(tombstone))[0] == 204
        left.append(planned[1].delivery_id)
    return left


def test_a_batched_store_after_a_purge_passes_require_signatures_with_its_cut_lines_said(
    tmp_path: Path,
) -> None:
    store = tmp_path / "d.ndjson"
    left = batched_then_purged(store)

    found = reverified(store, required=True)

    assert found.problems == ()
    assert (found.reverified, found.cut) == (1, tuple(left))  # the tombstone; the line left


def test_a_cut_no_stored_tombstone_explains_still_fails_require_signatures(
    tmp_path: Path,
) -> None:
    store = tmp_path / "d.ndjson"
    gateway = BatchGateway()
    planned = numbered(changes(3), [gateway.target])
    headers, body, files = announced(gateway, planned)
    assert listening(store, files).handle(headers, body)[0] == 204
    [file] = (tmp_path / "d.ndjson.batches").iterdir()
    file.write_bytes(b"\n".join(file.read_bytes().split(b"\n")[1:]))
    cut = BatchCut(sha256=file.stem, listing_id=planned[0].change.listing.listing_id, lines=1)
    with (tmp_path / "d.ndjson.signatures").open("ab") as out:
        out.write(record_line(cut))

    found = reverified(store, required=True)

    cut_off, *others = found.problems  # the line cut off has no proof left
    assert cut_off.endswith("is not re-verified: it was stored without its signature")
    assert [p.split(" was altered")[0] for p in others] == [
        f"delivery {d.delivery_id}" for d in planned[1:]
    ]
    assert all("was cut, and not by an erasure" in p for p in others)


def test_a_line_of_a_cut_file_edited_in_the_store_alone_is_altered(tmp_path: Path) -> None:
    store = tmp_path / "d.ndjson"
    [left] = batched_then_purged(store)
    assert edit_line(store, 0, flip_recognition) == left

    found = reverified(store, required=True)

    [problem] = found.problems
    assert problem.startswith(f"delivery {left} was altered after it was stored: it differs")


class Counted(tuple[tuple[DeliveryPayload, bytes], ...]):
    """The stored lines, counting each pass over them."""

    passes = 0

    def __iter__(self) -> Iterator[tuple[DeliveryPayload, bytes]]:
        Counted.passes += 1
        return super().__iter__()


def test_the_purged_listings_are_found_once_not_once_per_cut_file(tmp_path: Path) -> None:
    """Each cut file asked which listings are purged of every stored line: cut files times
    lines, 47 s for 1,000 files in a 100,000-line store."""
    store = tmp_path / "d.ndjson"
    left = batched_then_purged(store, files_count=12)
    stored, kept = read_copy(store)
    Counted.passes = 0

    found = StoredCopy(Counted(stored), kept).reverify([ED25519])

    assert (found.problems, found.cut) == ((), tuple(left))
    assert Counted.passes == 1
