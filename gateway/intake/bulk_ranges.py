"""A large upload's entries ingested by several invocations at once, each taking a range of lines.

One invocation storing a million entries one batch after another takes about 40 minutes (CPU
and a DynamoDB round trip per batch); the entries do not depend on one another, so pass 2 is
split and the time divides by the invocations that run at once. What an upload guarantees
stays as it was:

* **Nothing before the whole file is verified.** Pass 1 (digest, line count, a resync's scope)
  runs once, in one invocation, as before; it also notes where each range of
  ``BulkPolicy.range_lines`` entries starts (the checkpoint a read resumes from: the line number
  and end offset of the line before it) and which lines name a listing that another line of the
  file names too. The ranges are stored and queued only with the verified upload.
* **Each range is its own checkpoint and lease.** A range is a ``RangeState`` item beside the
  upload record (the same table, key ``{region}#{upload id}#{index}``): its bounds, where it got
  to and its counts. It is leased like the upload (a duplicate message finds it held and is
  retried, or finds it done and does nothing) and saved every few batches, so a range cut short
  (Lambda's time limit, a crash) resumes where it stopped. Ranges never share a listing (below),
  so their writes commute.
* **The same listing on several lines is ingested in file order.** The compare-and-set by
  version makes the *newest* version win whichever range writes first, but not a tie: two lines
  of one listing with the same version and different contents are decided by which is stored
  first ("a version is written once": the second is a duplicate), and so is a commitment's
  outcome (the first one stored stands: ``dedup.plan``); that would depend on
  which invocation ran first. So pass 1 sets every line whose listing another line names too
  aside, out of the ranges, into one last range (``only``) that reads the file once more and
  ingests just those lines, in file order, one batch after another, as a single invocation does
  today — after every other range is done. A file with more than ``MAX_CONTESTED_LINES`` such
  lines keeps one range (today's path). The other lines each name a listing no other line of
  the file names, so the order the ranges run in cannot change what is stored.
* **Pass 3 once, after every range.** The range finishing last (or any duplicate of its
  message later) runs the upload's own step under the upload's lease: it queues the last range
  if that is still to run, and once every range is done it removes what a resync no longer
  holds — seeing every range's writes, since a range is marked done only after its writes
  answered — and completes the upload.
* **Counts and errors are sums.** While an upload is split, its record holds none of the
  per-line counts; reading it adds those of its ranges (``with_ranges``), errors merged by line
  number and capped as before, so the routes report what one invocation would have.

A range of 20,000 entries is a minute or two of one function at 1,024 MB (well inside Lambda's
15), 50 items and messages for a million entries, 500 for the largest file allowed.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Sequence
from itertools import pairwise

from gateway.intake.bulk import (
    LineError,
    Upload,
)
from gateway.intake.file_check import FileCheck
from gateway.intake.push import reported
from gateway_client.contract import Frozen, Line

RANGE_LINES = 20_000
MAX_CONTESTED_LINES = 5_000  # their numbers stay well inside one DynamoDB item
_PROGRESS = (
    "offset",
    "line",
    "lines",
    "accepted",
    "duplicate",
    "rejected",
    "set_aside",
    "errors",
)


class RangeState(Frozen):
    """One range of an upload's lines: its bounds (checkpoints: the line number and end offset
    of the line before it and of its last line), where it got to, and what it counted."""

    index: int
    start_offset: int
    start_line: int
    end_offset: int
    end_line: int
    skip: tuple[int, ...] = ()
    """Line numbers in this range that the last range ingests instead."""
    only: tuple[int, ...] = ()
    """The last range's: the lines it ingests (whose listing other lines name too)."""
    done: bool = False
    offset: int
    line: int
    lines: int = 0
    accepted: int = 0
    duplicate: int = 0
    rejected: int = 0
    set_aside: int = 0
    errors: tuple[LineError, ...] = ()
    errors_truncated: bool = False

    @property
    def last(self) -> bool:
        return bool(self.only)

    def keeps(self) -> Callable[[Line], bool]:
        """Which of the lines it reads the range ingests."""
        if self.only:
            only = frozenset(self.only)
            return lambda line: line.number in only
        skip = frozenset(self.skip)
        return lambda line: line.number not in skip


class RangeCheck(FileCheck):
    """Pass 1 for a file that may be split: ``FileCheck``, and where each range of ``size``
    entries starts, and the lines whose listing another line names too."""

    def __init__(self, size: int, region: str) -> None:
        super().__init__(collect_identities=True, region=region)
        self._size = size
        self.starts: list[tuple[int, int]] = [(0, 0)]
        self.last: tuple[int, int] = (0, 0)
        self._numbers = array("Q")
        self.contested: list[int] = []

    def _take(self, line: Line) -> int | None:
        if self.lines > 1 and (self.lines - 1) % self._size == 0:
            self.starts.append(self.last)
        self.last = (line.number, line.end)
        taken = super()._take(line)
        if taken is not None:
            self._numbers.append(line.number)
        return taken

    def _finish(self) -> None:
        ordered = sorted(self._fingerprints)
        repeated = {a for a, b in pairwise(ordered) if a == b}
        self.contested = [
            number
            for taken, number in zip(self._fingerprints, self._numbers, strict=True)
            if taken in repeated
        ]
        self._numbers = array("Q")
        self._fingerprints = array("Q", ordered)
        self._own = array("Q", sorted(self._own))

    def ranges(self, size: int) -> list[RangeState]:
        """The ranges of a verified file ``size`` bytes long; none when it keeps one range."""
        if len(self.starts) < 2 or len(self.contested) > MAX_CONTESTED_LINES:
            return []
        ends = [*self.starts[1:], (self.last[0], size)]
        contested = self.contested
        states = [
            _range(
                index,
                start,
                end,
                skip=tuple(n for n in contested if start[0] < n <= end[0]),
            )
            for index, (start, end) in enumerate(zip(self.starts, ends, strict=True))
        ]
        if contested:
            states.append(_range(len(states), (0, 0), ends[-1], only=tuple(contested)))
        return states


def _range(
    index: int, start: tuple[int, int], end: tuple[int, int], **lines: tuple[int, ...]
) -> RangeState:
    return RangeState(
        index=index,
        start_line=start[0],
        start_offset=start[1],
        end_line=end[0],
        end_offset=end[1],
        line=start[0],
        offset=start[1],
        **lines,
    )


def with_ranges(upload: Upload, states: Sequence[RangeState]) -> Upload:
    """The upload as the routes show it: its ranges' counts and errors added to the record's.
    ``offset`` and ``line`` say how far the ranges got together (the file's end once done)."""
    if upload.ranges <= 1:
        return upload
    spans = [s for s in states if not s.last]
    errors = sorted((e for s in states for e in s.errors), key=lambda error: error.line)
    listed, truncated = reported((), errors)
    return upload.model_copy(
        update={
            "offset": upload.offset + sum(s.offset - s.start_offset for s in spans),
            "line": upload.line + sum(s.line - s.start_line for s in spans),
            **{
                name: getattr(upload, name) + sum(getattr(s, name) for s in states)
                for name in ("lines", "accepted", "duplicate", "rejected", "set_aside")
            },
            "errors": listed,
            "errors_truncated": truncated or any(s.errors_truncated for s in states),
        }
    )


def upload_level(upload: Upload) -> Upload:
    """What the upload record of a split upload holds: no per-line counts (its ranges do)."""
    if upload.ranges <= 1:
        return upload
    return upload.model_copy(
        update={
            name: Upload.model_fields[name].default for name in (*_PROGRESS, "errors_truncated")
        }
    )


def as_upload(upload: Upload, state: RangeState) -> Upload:
    """The range as an upload of its own lines, for pass 2's loop."""
    fields = (*_PROGRESS, "errors_truncated")
    return upload.model_copy(update={name: getattr(state, name) for name in fields})


def progressed(state: RangeState, part: Upload) -> RangeState:
    """The range once pass 2's loop got ``part`` this far."""
    fields = (*_PROGRESS, "errors_truncated")
    done = part.offset >= state.end_offset
    return state.model_copy(
        update={
            **{name: getattr(part, name) for name in fields},
            "line": state.end_line if done else part.line,
            "done": done,
        }
    )
