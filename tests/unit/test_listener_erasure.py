"""`gateway listen` erases a purged listing whatever the interleaving (review 14): a tombstone
handled while a batch is fetched or stored, a delivery of the listing arriving after it, an
erasure a full disk or a crash stopped half way (finished at the next start, and meanwhile an
erasure to verify-log, not an edit), a tombstone sent again, and the copy the listener before
this one left as `<store>.erasing`."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from batch_support import BatchGateway, batched, changes, numbered
from builders import NOW, change, evolved
from proof_support import ED25519, announced, listening, reverified, signed_singly

from gateway.delivery import Delivery
from gateway_client.contract import Change, change_digest, log_entry, purged
from gateway_client.delivery_audit import unerased_problems
from gateway_client.delivery_store import DeliveryStore
from gateway_client.durable_files import replace_durably
from gateway_client.log_verifier import erasures_held
from gateway_client.proof_audit import StoredCopy
from gateway_client.subscriber_files import LocalFileError, read_copy, read_deliveries


def mentioning(root: Path, change: Change) -> list[str]:
    """Every file under ``root`` holding anything of the change (its id is in each copy)."""
    needle = change.change_id.encode()
    return sorted(p.name for p in root.rglob("*") if p.is_file() and needle in p.read_bytes())


def in_a_batch(count: int = 3) -> tuple[list[Change], tuple[Any, bytes, dict[str, bytes]]]:
    """``count`` changes, and the batch webhook carrying them with its file."""
    made = changes(count)
    return made, in_a_batch_of(made)


def in_a_batch_of(made: list[Change]) -> tuple[Any, bytes, dict[str, bytes]]:
    """The batch webhook carrying ``made`` with its file."""
    gateway = BatchGateway()
    return announced(gateway, numbered(made, [gateway.target]))


def tombstone_of(change: Change) -> Delivery:
    [tombstone] = numbered([purged(change.listing, NOW)], [batched()], first_log=90)
    return tombstone


def test_a_tombstone_handled_while_a_batch_file_is_fetched_leaves_nothing_of_the_listing(
    tmp_path: Path,
) -> None:
    """The file is fetched outside the store's lock; the tombstone handled meanwhile is
    remembered, so the file is kept without the listing's line and its line not stored."""
    store = tmp_path / "d.ndjson"
    made, (headers, body, files) = in_a_batch()
    listener = listening(store, files)
    fetch = listener._fetch_file
    answered = []

    def fetch_while_purged(url: str, size: int) -> bytes:
        file = fetch(url, size)
        answered.append(listener.handle(*signed_singly(tombstone_of(made[0])))[0])
        return file

    listener._fetch_file = fetch_while_purged

    assert listener.handle(headers, body)[0] == 204
    assert answered == [204]
    assert mentioning(tmp_path, made[0]) == []
    assert [d.data.listing.listing_id for d in read_deliveries(store)][1:] == [
        made[1].listing.listing_id,
        made[2].listing.listing_id,
    ]
    found = reverified(store, required=True)
    assert (found.problems, len(found.cut)) == ((), 2)


def test_a_tombstone_arriving_while_a_batch_is_stored_waits_for_it_then_erases(
    tmp_path: Path,
) -> None:
    """The store's lock is held from keeping the file to storing its last line: a tombstone
    on another handler thread erases after the batch, never between."""
    store = tmp_path / "d.ndjson"
    made, (headers, body, files) = in_a_batch()
    listener = listening(store, files)
    keep = listener.store.keep_batch
    answered: list[int] = []
    tombstone = signed_singly(tombstone_of(made[0]))
    other = threading.Thread(target=lambda: answered.append(listener.handle(*tombstone)[0]))

    def keep_then_purge(*args: Any) -> None:
        keep(*args)
        other.start()
        other.join(0.5)  # it would have erased by now, were the lock not held
        assert other.is_alive()

    listener.store.keep_batch = keep_then_purge  # type: ignore[method-assign]
    assert listener.handle(headers, body)[0] == 204
    other.join(5)

    assert answered == [204]
    assert mentioning(tmp_path, made[0]) == []


def test_a_delivery_of_a_purged_listing_arriving_after_its_tombstone_is_not_stored(
    tmp_path: Path,
) -> None:
    """A purged listing is never listed again: a change of it sent late (a re-drive of an
    older delivery) is acknowledged, not stored — nor its line in a batch file kept since."""
    store = tmp_path / "d.ndjson"
    made, (headers, body, files) = in_a_batch(2)
    listener = listening(store, files)
    assert listener.handle(*signed_singly(tombstone_of(made[0])))[0] == 204
    [late] = numbered(made[:1], [batched()])

    assert listener.handle(*signed_singly(late))[0] == 204
    assert listener.handle(headers, body)[0] == 204

    assert mentioning(tmp_path, made[0]) == []
    assert len(read_deliveries(store)) == 2  # the tombstone, the other listing's line


def test_a_line_stored_after_its_listings_tombstone_is_reported_and_erased_at_start(
    tmp_path: Path,
) -> None:
    """What the listener before this fix could leave (a line stored after the tombstone) is a
    problem for verify-log, and erased when the listener starts."""
    store = tmp_path / "d.ndjson"
    made = changes(2)
    listener = listening(store)
    for delivery in numbered(made, [batched()]):
        assert listener.handle(*signed_singly(delivery))[0] == 204
    before = store.read_bytes()
    tombstone = tombstone_of(made[0])
    assert listener.handle(*signed_singly(tombstone))[0] == 204
    with store.open("ab") as out:  # stored after the tombstone, by a race
        out.write(before.split(b"\n")[0] + b"\n")

    [problem] = unerased_problems(read_deliveries(store))
    assert f"is stored after its tombstone {tombstone.delivery_id}" in problem
    DeliveryStore(store)  # a start

    assert mentioning(tmp_path, made[0]) == []
    assert unerased_problems(read_deliveries(store)) == []


def test_a_tombstone_sent_again_after_its_erasure_failed_erases_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tombstone is stored before the erasure fails (503): sent again, it is already
    stored, and erases again; sent again once that erasure succeeded (a replay sends every
    tombstone), it does not read the store and every kept file once more."""
    store = tmp_path / "d.ndjson"
    made = changes(2)
    listener = listening(store)
    for delivery in numbered(made, [batched()]):
        assert listener.handle(*signed_singly(delivery))[0] == 204
    tombstone = signed_singly(tombstone_of(made[0]))

    def full(path: Path, data: bytes) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("gateway_client.delivery_store.replace_durably", full)
    assert listener.handle(*tombstone)[0] == 503
    monkeypatch.undo()
    assert mentioning(tmp_path, made[0]) != []

    assert listener.handle(*tombstone)[0] == 204
    assert mentioning(tmp_path, made[0]) == []

    def again(store: DeliveryStore, listing_id: str) -> None:
        pytest.fail("a replayed tombstone read the whole store again")

    monkeypatch.setattr(DeliveryStore, "_erase", again)
    assert listener.handle(*tombstone)[0] == 204  # a replay


def test_an_erasure_stopped_after_the_cut_is_an_erasure_to_verify_log_and_finished_at_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tombstone is stored before anything is cut, and the listing's lines in the store go
    last: a full disk after the kept file was cut leaves the cut excused by the stored
    tombstone (the other subjects' lines are not reported altered; the listing's own line,
    its proof cut, is listed as stored without one), and the next start finishes the
    erasure."""
    store = tmp_path / "d.ndjson"
    made, (headers, body, files) = in_a_batch()
    assert listening(store, files).handle(headers, body)[0] == 204
    rewrites: list[str] = []

    def full_on_the_store(path: Path, data: bytes) -> None:
        rewrites.append(path.parent.name if path.parent != tmp_path else path.name)
        if path == store:
            raise OSError(28, "No space left on device")
        replace_durably(path, data)

    monkeypatch.setattr("gateway_client.delivery_store.replace_durably", full_on_the_store)
    assert listening(store, files).handle(*signed_singly(tombstone_of(made[0])))[0] == 503
    monkeypatch.undo()

    assert rewrites == ["d.ndjson.batches", "d.ndjson"]  # cut, then the store: not reached
    found = reverified(store)
    assert found.problems == ()
    assert len(found.cut) == 2
    assert found.unsigned == (read_deliveries(store)[0].delivery_id,)

    DeliveryStore(store)

    assert mentioning(tmp_path, made[0]) == []
    assert reverified(store, required=True).problems == ()


def test_the_copy_the_previous_listener_left_mid_erasure_is_removed_at_start(
    tmp_path: Path,
) -> None:
    """The listener before this one wrote an erasure to `<store>.erasing` and renamed it over
    the store: one left behind was never swapped in, the store holds everything and its
    tombstone comes again. The copy goes at start, and the purge leaves nothing anywhere."""
    store = tmp_path / "d.ndjson"
    made = changes(2)
    listener = listening(store)
    for delivery in numbered(made, [batched()]):
        assert listener.handle(*signed_singly(delivery))[0] == 204
    erasing = tmp_path / "d.ndjson.erasing"
    erasing.write_bytes(store.read_bytes())

    restarted = listening(store)

    assert not erasing.exists()
    assert restarted.handle(*signed_singly(tombstone_of(made[0])))[0] == 204
    assert mentioning(tmp_path, made[0]) == []


def test_the_previous_listeners_copy_without_its_store_is_refused_not_removed(
    tmp_path: Path,
) -> None:
    store = tmp_path / "d.ndjson"
    erasing = tmp_path / "d.ndjson.erasing"
    erasing.write_bytes(b"{}\n")

    with pytest.raises(
        LocalFileError, match=r"d\.ndjson\.erasing is a copy .*/d\.ndjson is missing"
    ):
        DeliveryStore(store)

    assert erasing.read_bytes() == b"{}\n"


def test_verify_log_excuses_only_the_erased_entries_this_subscriber_can_vouch_for(
    tmp_path: Path,
) -> None:
    """The gateway's list of erased entries is not signed, and leaves name no listing: an
    entry counts as erased only if the store held and erased its line (the erasure records
    the log sequences it took) or the stored tombstone names it (the purged listing's last
    version). Review 41: a lying list hid a dropped delivery."""
    store = tmp_path / "d.ndjson"
    made = changes(4)
    gateway = BatchGateway()
    lines = numbered(made[:2], [gateway.target])
    headers, body, files = announced(gateway, lines)
    listener = listening(store, files)
    assert listener.handle(headers, body)[0] == 204
    held = {d.change.change_id: d.log_sequence for d in lines}
    for purged_change in (made[0], made[2]):  # made[2] never reached this subscriber
        assert listener.handle(*signed_singly(tombstone_of(purged_change)))[0] == 204

    stored, kept = read_copy(store)
    sequences = {made[0].change_id: held[made[0].change_id], made[2].change_id: 42}
    sequences |= {made[1].change_id: held[made[1].change_id], made[3].change_id: 43}
    entries = [log_entry(sequences[c.change_id], c) for c in made]

    assert kept.erased == {held[made[0].change_id]: {change_digest(made[0])}}
    vouched, unvouched = erasures_held(
        entries, set(sequences.values()), [d for d, _ in stored], StoredCopy(tuple(stored), kept)
    )
    assert vouched == {held[made[0].change_id], 42}
    # made[1] (stored) and made[3]: no record or tombstone of theirs, but later tombstones of
    # the same kind, domain and origin: listed, not excused in silence
    assert unvouched == tuple(sorted((held[made[1].change_id], 43)))


def test_a_line_stamped_with_another_entrys_sequence_vouches_for_nothing(
    tmp_path: Path,
) -> None:
    """The gateway signs listing B's change with the sequence of entry X it dropped, then B's
    tombstone: the erasure records B's digest under X's sequence, which X's leaf does not
    match (review 41c: the record held sequences only)."""
    store = tmp_path / "d.ndjson"
    dropped, other = changes(2)
    listener = listening(store)
    [forged] = numbered([other], [batched()], first_log=7)  # 7: the dropped entry's
    assert listener.handle(*signed_singly(forged))[0] == 204
    assert listener.handle(*signed_singly(tombstone_of(other)))[0] == 204
    stored, kept = read_copy(store)
    entries = [log_entry(7, dropped), log_entry(8, other)]

    vouched, _ = erasures_held(
        entries, {7, 8}, [d for d, _ in stored], StoredCopy(tuple(stored), kept)
    )

    assert kept.erased == {7: {change_digest(other)}}
    assert 7 not in vouched


def test_a_kept_file_an_erasure_emptied_is_reverified_without_error(tmp_path: Path) -> None:
    """A batch holding only the purged listing's lines is cut to nothing; its announcement's
    time was then bounded by datetime.min, which overflowed (review 41c)."""
    store = tmp_path / "d.ndjson"
    [first] = changes(1)
    second = change(
        evolved(first.listing, version="v-2-" + first.listing.version[:8]), first.listing
    )
    made, (headers, body, files) = [first, second], in_a_batch_of([first, second])
    listener = listening(store, files)
    assert listener.handle(headers, body)[0] == 204
    assert listener.handle(*signed_singly(tombstone_of(made[1])))[0] == 204

    stored, kept = read_copy(store)

    assert [content for content in kept.files.values()] == [b""]
    found = StoredCopy(tuple(stored), kept).reverify([ED25519])
    assert found.problems == ()
