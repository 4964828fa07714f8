"""Pass 1 of a bulk upload: the file's digest, size and line count, checked against its signed
manifest before any line is applied, and (for a resync) which listings the file holds, kept as
eight-byte fingerprints so a ten-million-line file's set fits in a Lambda's memory."""

from __future__ import annotations

import hashlib
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from typing import NamedTuple

from gateway.intake.bulk import MISMATCH, LineError, Refusal, UploadManifest, parse_line
from gateway.intake.push import MAX_REPORTED_ERRORS
from gateway_client.contract import (
    Line,
    SubjectType,
    classify,
    identity_of,
    lines_of,
    person_listing_id,
)


class Held(NamedTuple):
    """A listing the source index finds: its key, and the region it is of (a natural person's
    listing stored under its decision's id is told apart by it: ``FileCheck.holds``)."""

    credit_code: str
    listing_id: str
    origin_region: str


class FileCheck:
    """The first pass: the file's SHA-256 and line count, and (for a resync) which listings it
    holds — as a sorted array of 64-bit fingerprints, eight bytes a line; a person's line also
    holds its listing under the id of the region it is of (its ``origin_region``, else the
    uploading ``region``: ``gateway.intake.own_listings``), eight bytes more."""

    def __init__(self, collect_identities: bool, region: str) -> None:
        self._digest = hashlib.sha256()
        self._collect = collect_identities
        self._region = region
        self._fingerprints = array("Q")
        self._own = array("Q")
        self.lines = 0
        self.size = 0
        self.rejected = 0
        # the first rejected lines' errors, for a refusal they cause (review 128): the reporting
        # cap's worth, not a 10-million-line file's
        self.errors: list[LineError] = []
        self.errors_dropped = False

    def feed(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        """Pass chunks through while hashing them (so the splitter reads the same bytes)."""
        for chunk in chunks:
            self._digest.update(chunk)
            self.size += len(chunk)
            yield chunk

    def run(self, chunks: Iterable[bytes]) -> FileCheck:
        for line in lines_of(self.feed(chunks)):
            self.lines += 1
            if self._collect:
                self._take(line)
        self._finish()
        return self

    def _take(self, line: Line) -> int | None:
        """Collect the line's listing; its fingerprint (``None`` for a rejected line)."""
        parsed = parse_line(line, None)  # identity only: date rules are pass 2's
        if isinstance(parsed, list):
            self.rejected += 1
            room = MAX_REPORTED_ERRORS - len(self.errors)
            self.errors += parsed[: max(room, 0)]
            self.errors_dropped = self.errors_dropped or len(parsed) > room
            return None
        decision = identity_of(parsed)
        taken = fingerprint(decision)
        self._fingerprints.append(taken)
        if classify(parsed.credit_code)[1] is SubjectType.NATURAL_PERSON:
            own = person_listing_id(decision, parsed.origin_region or self._region)
            self._own.append(fingerprint(own))
        return taken

    def _finish(self) -> None:
        self._fingerprints = array("Q", sorted(self._fingerprints))
        self._own = array("Q", sorted(self._own))

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()

    def mismatch(
        self, manifest: UploadManifest, sealed: Callable[[str], str] | None = None
    ) -> Refusal | None:
        """How the file differs from its manifest; a check's digest compared ``sealed``, as its
        manifest keeps it (``UploadChecker.sealed``)."""
        digest = sealed(self.sha256) if sealed is not None else self.sha256
        found = {"count": self.lines, "sha256": digest, "size": self.size}
        signed = {"count": manifest.count, "sha256": manifest.sha256, "size": manifest.size}
        differ = sorted(name for name in found if found[name] != signed[name])
        if not differ:
            return None
        return Refusal(
            code=MISMATCH,
            message=f"the uploaded file differs from the signed manifest in {', '.join(differ)}",
            details={"signed": signed, "uploaded": found},
        )

    def holds(self, held: Held) -> bool:
        """Whether the file names ``held``. A natural person's listing stored under its
        decision's id (``gateway.intake.own_listings``) is named by a line of the region it is
        of only: another county's line of the same decision is not it (review 179 F5)."""
        if classify(held.credit_code)[1] is SubjectType.NATURAL_PERSON:
            own = person_listing_id(held.listing_id, held.origin_region)
            return _within(self._own, fingerprint(held.listing_id)) or _within(
                self._own, fingerprint(own)
            )
        return _within(self._fingerprints, fingerprint(held.listing_id))


def _within(ordered: array[int], wanted: int) -> bool:
    at = bisect_left(ordered, wanted)
    return at < len(ordered) and ordered[at] == wanted


def fingerprint(listing_id: str) -> int:
    return int.from_bytes(hashlib.blake2b(listing_id.encode(), digest_size=8).digest(), "big")
