"""Fan-out's step between planning and queueing for ``batched`` subscriptions: each one's
file written (``gateway.delivery.batching`` says what a file is and why order holds), its
announcement queued in its first line's place, and an erased listing's lines kept out."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from concurrent.futures import ThreadPoolExecutor

from gateway.delivery.batching import (
    Batch,
    Shared,
    batch_id,
    described,
    file_of,
    gathered,
    key_of,
    without,
)
from gateway.delivery.planning import Delivery
from gateway.delivery.ports import BatchFiles
from gateway.delivery.subscription import Subscription
from gateway_client.contract import Clock

_WRITERS = 8  # files written at once (each its own object)


class Batcher:
    """Fan-out's step between planning and queueing: write each batched subscription's file,
    queue its announcement in its first line's place.

    A purge may run while fan-out writes: the stream can hand a change again (a retried batch)
    after its listing was erased, and a file written then would hold the erased content for
    as long as it waits. So the run's log range is looked up (``erased``: the sequences in
    ``[first, last]`` whose bodies a purge erased) before the files are written, and an erased
    listing's lines are never written; and once more after every write, for a purge that ran
    meanwhile, whose listing's lines are then taken out. The purge erases the log first and
    only then looks for files (``chalicelib.erasure``): whichever comes second sees the
    other's write, so a file is either found by the purge or cleaned here."""

    def __init__(
        self,
        files: BatchFiles,
        clock: Clock,
        erased: Callable[[int, int], Collection[int]] | None = None,
    ) -> None:
        self.files = files
        self.clock = clock
        self.erased = erased

    def batched(
        self, deliveries: Sequence[Delivery], subscriptions: Sequence[Subscription]
    ) -> list[Delivery | Batch]:
        regions = {
            s.subscription_id: s.region for s in subscriptions if s.delivery_mode == "batched"
        }
        if not regions:
            return list(deliveries)
        items = gathered(deliveries, regions)
        files = [item for item in items if isinstance(item, list)]
        every = [d for lines in files for d in lines]
        before = self._erased(every)
        shared: Shared = {}  # JSON of the changes the files share (``file_of``)
        with ThreadPoolExecutor(max_workers=_WRITERS) as pool:
            written = list(
                pool.map(
                    lambda lines: self._write(
                        lines, regions[lines[0].subscription_id], before, shared
                    ),
                    files,
                )
            )
        gone = before | self._erased(every)  # once more, after every write
        made = {
            id(lines): self._cleaned(lines, w, gone)
            for lines, w in zip(files, written, strict=True)
        }
        queued: list[Delivery | Batch] = []
        for item in items:
            if not isinstance(item, list):
                queued.append(item)
            elif (batch := made[id(item)]) is not None:
                queued.append(batch)
        return queued

    def discard(self, planned: Sequence[Delivery | Batch]) -> None:
        """Remove the files of a plan never queued, which fan-out is to make again: written
        once, a file kept under its key would be announced as the first plan made it."""
        for item in planned:
            if isinstance(item, Batch):
                self.files.remove(item.key)

    def _write(
        self, lines: Sequence[Delivery], region: str, gone: set[int], shared: Shared
    ) -> Written:
        """Write once, without an erased listing's lines (``without``, as a purge leaves a
        file); a file already there (a stream batch fanned out again) is the one kept. The key
        is every line's, erased or not: a run again finds the file an earlier run wrote.
        ``None``: no line left to write. Whether what is stored is ``file_of(lines)``."""
        logged = [d.log_sequence or 0 for d in lines]
        key = key_of(lines[0].subscription_id, min(logged), max(logged), batch_id(lines))
        purged = _purged(lines, gone)
        whole = file_of(lines, region, shared)
        body = without(whole, purged) if purged else whole
        stored = self.files.write(key, body) if body else None
        return key, stored, stored == whole

    def _erased(self, lines: Sequence[Delivery]) -> set[int]:
        """The log sequences of ``lines``' range whose bodies a purge erased."""
        if self.erased is None or not lines:
            return set()
        logged = [d.log_sequence or 0 for d in lines]
        return set(self.erased(min(logged), max(logged)))

    def _cleaned(self, lines: Sequence[Delivery], written: Written, gone: set[int]) -> Batch | None:
        """The file's message, once an erased listing's lines are out of it (of the file as
        stored: an earlier run's may hold them); ``None``: every line was of an erased listing
        (its tombstone goes instead)."""
        key, body, made = written
        purged = _purged(lines, gone)
        stored = self.files.without(key, purged) if purged else body
        if stored is None:
            return None
        mine = made and not purged  # stored exactly as this run made it: numbers off the lines
        return described(stored, key, lines[0].subscription_id, self.clock, lines if mine else None)


Written = tuple[str, bytes | None, bool]
"""A file's key, the bytes stored under it (``None``: none) and whether they are exactly the
``file_of`` its lines."""


def _purged(lines: Sequence[Delivery], gone: set[int]) -> set[str]:
    """The listings of ``lines`` a purge erased: those with a line at an erased sequence."""
    return {d.change.listing.listing_id for d in lines if d.log_sequence in gone}
