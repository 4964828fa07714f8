"""Saves of a refused split upload landing in the reverse order of their reads — two ranges in
flight when it was refused, or the upload's own run refusing late after a range counted more —
no longer put the month's pushes back below the lines stored (review 230)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from app_support import CITY, Gateway
from upload_support import (
    four_lines_in_two_ranges,
    pushes,
    revoke,
)

from chalicelib.bootstrap import container
from gateway.intake.bulk_terms import UploadBusy


@pytest.mark.roles_unchecked("it sets the ingest function's range size on its container")
def test_two_ranges_saving_a_refused_upload_out_of_order_count_every_stored_line(
    gateway: Gateway, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    split = four_lines_in_two_ranges(gateway, aws, monkeypatch)
    ingest, asked, before = split.ingest, split.asked, split.before

    b_in_flight, go_b = threading.Event(), threading.Event()
    main = threading.get_ident()

    def hook_b() -> bool:  # range 1 has its first batch in flight, past its start check
        if not b_in_flight.is_set():
            b_in_flight.set()
            assert go_b.wait(30)
        return False

    errors: list[BaseException] = []

    def run_b() -> None:
        try:
            ingest.process_range(CITY, asked.upload_id, 1, hook_b)
        except BaseException as exc:
            errors.append(exc)

    thread_b = threading.Thread(target=run_b)
    thread_b.start()
    assert b_in_flight.wait(30)

    revoked = [False]

    def hook_a() -> bool:  # range 0's first batch in flight: the key is revoked, and a
        if not revoked[0]:  # duplicate message refuses the upload at its start
            revoked[0] = True
            revoke(gateway, "qth-old")
            assert ingest.process_range(CITY, asked.upload_id, 0) is None
        return False

    store = ingest._uploads
    save = store.save

    def save_late(upload: Any) -> None:
        # range 0 read the refused upload (range 1's lines not yet in its range item); range 1
        # finishes its batch, reads and saves, then range 0's save lands
        ours = threading.get_ident() == main and upload.status.value == "refused"
        if ours and upload.lines:  # not the duplicate message's refusal (nothing stored yet)
            go_b.set()
            thread_b.join(30)
        save(upload)

    monkeypatch.setattr(store, "save", save_late)
    ingest.process_range(CITY, asked.upload_id, 0, hook_a)
    go_b.set()
    thread_b.join(30)
    assert not errors, errors

    done = container().uploads.get(CITY, asked.upload_id)
    assert done is not None
    assert done.status.value == "refused"
    after = pushes(gateway)
    assert done.accepted == 2, done
    assert after["accepted"] - before["accepted"] == done.accepted, (before, after, done.accepted)


@pytest.mark.roles_unchecked("it sets the ingest function's range size on its container")
def test_the_upload_s_own_run_refusing_late_does_not_take_back_a_range_s_count(
    gateway: Gateway, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The upload's own run (a duplicate notice) read the upload at its lease; a range stored
    lines and saved the refused upload with them meanwhile; the run, finding the key revoked
    at its end, saves its own read refused: the month loses the range's lines."""
    split = four_lines_in_two_ranges(gateway, aws, monkeypatch)
    ingest, asked, before = split.ingest, split.asked, split.before
    version = split.version
    assert ingest.process_range(CITY, asked.upload_id, 0) is not None  # 2 lines stored

    revoked = [False]

    def hook_1() -> bool:  # range 1's first line in flight: key revoked, a duplicate refuses
        if not revoked[0]:
            revoked[0] = True
            revoke(gateway, "qth-old")
            with pytest.raises(UploadBusy):  # the upload's own run holds it: comes again
                ingest.process_range(CITY, asked.upload_id, 0)
        return False

    waiting = ingest._waiting
    fired = [False]

    def range_1_meanwhile(upload: Any) -> Any:
        if not fired[0]:
            fired[0] = True
            ingest.process_range(CITY, asked.upload_id, 1, hook_1)
        return waiting(upload)

    monkeypatch.setattr(ingest, "_waiting", range_1_meanwhile)
    ingest.process(CITY, asked.upload_id, version)  # a duplicate notice's run
    monkeypatch.setattr(ingest, "_waiting", waiting)

    done = container().uploads.get(CITY, asked.upload_id)
    assert done is not None
    assert done.status.value == "refused"
    after = pushes(gateway)
    assert done.accepted == 3, done
    assert after["accepted"] - before["accepted"] == done.accepted, (before, after, done.accepted)
