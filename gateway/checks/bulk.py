"""Bulk checks through the upload path: up to 100,000 codes in one signed NDJSON file (one
``{"credit_code": "…"}`` a line), answered in a result file the platform downloads.

The upload's manifest (mode ``check``, signed like any upload) names the purpose and the
region whose recognition applies; the file is verified whole first (``BulkIngest``), then
checked a thousand codes at a time exactly as ``POST /v1/checks`` checks them, by the region
that signed the manifest. Every valid code leaves its trail entry, with the upload's id as the
check's. The result file holds one line per code line — ``{"line", "credit_code", "found",
"subject", "error"}`` — and is kept 30 days (the bucket's lifecycle rule for ``check-results/``):
it holds what the asker was shown, personal data included, so it is theirs to fetch, not ours
to keep. Beside it, for as long, the signed report (``report.BulkCheckReportContent``): who
asked, for what, the file's SHA-256 and line count, the summed summary and the log's position —
the file and the report together prove what the gateway answered.

A purge erases a listing's every copy, and a result file that answered with it is one: so
before the file is written, each listing in it that a purge may one day erase is noted with the
upload (``Answers.note``, kept as long as the file), and the purge destroys the files noted for
its listing. A purge that ran while this check was reading finds no file yet; the check asks
the log afterwards whether any of its listings was purged meanwhile, and destroys its own file
if so. Either way the upload says its results were withdrawn (the report stays).
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from itertools import islice
from typing import Protocol

from gateway.checks.batch import (
    MAX_CODES,
    CheckRequest,
    CheckSummary,
    check,
    compacted,
)
from gateway.checks.named import NamedReader
from gateway.checks.report import ReportSigning, ResultsFile
from gateway.checks.result_lines import CodeLine, codes_of, erasable, result_line
from gateway.intake import (
    LineError,
    Upload,
    UploadStatus,
    stamp,
    with_errors,
)
from gateway.ports import Archive
from gateway.recognition import (
    Agreement,
    Asked,
    TrailEntry,
    TryLimit,
    Viewer,
    keyed,
    mask_of,
    refusal_message,
    subject_key,
)
from gateway_client.contract import (
    BadRequest,
    Clock,
    Line,
    Listing,
    china_date,
    requested_code,
)

RESULTS_PREFIX = "check-results/"
RESULTS_KEPT = timedelta(days=30)
"""How long a result file is kept (the bucket's lifecycle rule ``CheckResults``)."""
NOTED_BEYOND = timedelta(days=7)
"""How much longer a file's answers stay noted for a purge: S3 expires an object at the UTC
midnight after its 30 days and removes it asynchronously, sometimes days later, and a purge
meanwhile must still find the file to destroy it."""


class TrailWriter(Protocol):
    def record_all(self, entries: Sequence[tuple[str, TrailEntry]]) -> None: ...


class Answers(Protocol):
    """Which bulk checks' result files answered with a listing a purge may erase
    (``chalicelib.check_answers``)."""

    def note(
        self, listing_ids: Sequence[str], region: str, upload_id: str, until: datetime
    ) -> None:
        """Remember that the upload's result file answers with these listings, until then."""
        ...

    def purged(self, listing_ids: Sequence[str]) -> Collection[str]:
        """Which of them a purge has erased."""
        ...

    def destroy(self, region: str, upload_id: str) -> int:
        """Destroy the upload's result files, every version; how many there were."""
        ...


class UsageCounter(Protocol):
    def add(
        self,
        region: str,
        month: str,
        counts: Mapping[str, int],
        now: datetime,
        once: str | None = None,
    ) -> None:
        """``once``: what is counted, counted once however often its run is repeated."""
        ...


def result_keys(region: str, upload_id: str, run: datetime) -> tuple[str, str]:
    """Where a run keeps its result file and its report. Objects are written once, and a run
    cut short is run again: each run has its own pair, so a report never names another run's
    file (the upload record points at the run that completed)."""
    stem = f"{RESULTS_PREFIX}{region}/{upload_id}/{run:%Y%m%dT%H%M%S%fZ}"
    return f"{stem}.ndjson", f"{stem}.report.json"


class BulkCheck:
    def __init__(
        self,
        read: Callable[[Sequence[str]], Mapping[str, Sequence[Listing]]],
        agreements: Callable[[], Sequence[Agreement]],
        trail: TrailWriter,
        trail_key: Callable[[], bytes],
        results: Archive,
        usage: UsageCounter,
        clock: Clock,
        keep: timedelta,
        reports: ReportSigning,
        answers: Answers,
        tries: TryLimit,
        opening_key: Callable[[str, str, str], bytes],
        named: NamedReader | None = None,
    ) -> None:
        """``opening_key``: a check's key to its openings (``report_codes``), by its kind
        (``bulk``), asking region and id; ``named``: the listings naming each person checked
        (``gateway.checks.named``)."""
        self._named = named
        self._tries = tries  # a day's tries at one masked number (review 48 F1)
        self._opening_key = opening_key
        self._read = read
        self._agreements = agreements
        self._trail = trail
        self._trail_key = trail_key
        self._results = results
        self._usage = usage
        self._clock = clock
        self._keep = keep
        self._reports = reports
        self._answers = answers

    def check(
        self,
        upload: Upload,
        lines: Iterator[Line],
        save: Callable[[Upload], None] = lambda _: None,
        permitted: Callable[[Upload], Upload] = lambda held: held,
    ) -> Upload:
        """Each block of codes is answered under the region's rules of its moment
        (``permitted``: refused once the manifest's key is revoked or its jurisdiction gone —
        then saved so, with no result file or report — else with the relay policy of then),
        and the agreements of then (review 311: a run held its start's for 100,000 codes),
        judged on the day of then: a run that crosses midnight no longer shows, after it, a
        number in full under an agreement that ended or a listing whose period did (review
        343)."""
        manifest = upload.manifest
        if manifest.purpose is None:
            raise ValueError("not a check")
        now = self._clock.now()
        asked = Asked(
            _viewer(upload),
            manifest.purpose,
            manifest.as_region or manifest.region,
            now,
            self._keep,
            manifest.upload_id,
        )
        out = io.StringIO()
        checked = distinct = 0
        summary = dict.fromkeys(CheckSummary.model_fields, 0)
        refused_lines: set[int] = set()  # the errors are kept with the upload, up to its caps
        held: set[str] = set()  # the listings answered with that a purge may erase
        opening_key = self._opening_key("bulk", manifest.region, manifest.upload_id)
        first: dict[str, str] = {}  # each valid code's line, so a repeat in a later block is one
        for block, chunk in enumerate(iter(lambda: list(islice(lines, MAX_CODES)), [])):
            upload = permitted(upload)
            if upload.status is UploadStatus.REFUSED:
                save(upload)
                return upload
            viewer, agreements, at = _viewer(upload), self._agreements(), self._clock.now()
            codes, bad = codes_of(chunk)
            once = f"{manifest.upload_id}#{block}"
            codes, over = self._within_tries(manifest.region, once, codes, at, first)
            refused_lines |= {e.line for e in bad + over}
            # folded in as it goes (100,000 lines' held 1 GB), counted with them (review 401)
            upload = with_errors(upload, bad + over, rejected=len(refused_lines))
            if not codes:
                continue
            request = CheckRequest(
                codes=tuple(code for _, code in codes),
                purpose=manifest.purpose,
                as_region=manifest.as_region,
            )
            places = [f"line {number}" for number, _ in codes]
            result = check(request, viewer, self._read, agreements, at, first, places, self._named)
            for index, code in result.codes.items():
                first[code] = places[index]
            key, looked = self._trail_key(), replace(asked, viewer=viewer, at=at)
            entries = result.trail(looked)
            self._trail.record_all([(subject_key(key, code), e) for code, e in entries])
            for (number, _), answer in zip(codes, result.outcome.results, strict=True):
                line = result_line(number, answer, result.codes.get(answer.index), opening_key)
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
                held |= erasable(answer, result.codes.get(answer.index))
            checked += len(codes)
            distinct += len(result.codes)
            for name, count in result.outcome.summary:
                summary[name] += count
        upload = permitted(upload)  # a key revoked while the last block was read (review 314)
        if upload.status is UploadStatus.REFUSED:
            save(upload)
            return upload
        content = out.getvalue().encode()
        where, signed = result_keys(manifest.region, manifest.upload_id, now)
        answered = sorted(held)
        if answered:  # noted first: a purge from now on finds the file
            until = now + RESULTS_KEPT + NOTED_BEYOND
            self._answers.note(answered, manifest.region, manifest.upload_id, until)
        self._results.put(where, content, {"kind": "check-result"})
        refused = len(refused_lines)
        report = self._reports.bulk(
            self._clock.now,
            report_id=manifest.upload_id,
            checked_from=now,
            asked_by=manifest.region,
            key_id=_viewer(upload).key_named,
            as_region=asked.as_region,  # the region applied, as a POST /v1/checks report says
            purpose=manifest.purpose,
            results_file=ResultsFile(sha256=hashlib.sha256(content).hexdigest(), lines=checked),
            refused_lines=refused,
            summary=CheckSummary.model_validate(summary),
        )
        self._results.put(signed, report.model_dump_json().encode(), {"kind": "check-report"})
        # valid codes, as POST /v1/checks counts them; and the report it issued
        counts = {"checks": 1, "codes_checked": distinct, "reports": 1}
        month = f"{china_date(now):%Y-%m}"
        once = f"bulk-check#{manifest.region}#{manifest.upload_id}"  # ids are each region's
        self._usage.add(manifest.region, month, counts, now, once=once)
        done = stamp(
            upload.model_copy(update={"rejected": refused}),
            self._clock.now(),
            status=UploadStatus.COMPLETED,
            lines=checked + refused,
            accepted=checked,
            found=summary["found"],
            result_key=where,
            report_key=signed,
            offset=manifest.size,
        )
        if answered and self._answers.purged(answered):  # a purge that ran while we read
            done = self._withdrawn(done)
        save(done)
        # asked again once saved: a purge whose withdrawal read the upload before the save found
        # no file named to withdraw (review 294: it was left naming a destroyed file)
        if done.result_key is not None and answered and self._answers.purged(answered):
            done = self._withdrawn(done)
            save(done)
        return done

    def _withdrawn(self, done: Upload) -> Upload:
        """``done`` with its result file destroyed and withdrawn."""
        self._answers.destroy(done.manifest.region, done.manifest.upload_id)
        update = {"result_key": None, "results_withdrawn_at": self._clock.now()}
        return done.model_copy(update=update)

    def _within_tries(
        self, region: str, once: str, codes: list[CodeLine], now: datetime, first: Mapping[str, str]
    ) -> tuple[list[CodeLine], list[LineError]]:
        """The block's lines whose codes the day's tries at their masks admit, and the others'
        errors. A repeat of a line an earlier block answered is no try (it is answered
        ``duplicate_code``), but any other line of a refused mask is refused however it repeats
        or spells its code (review 49: the repeat of a refused code was checked as a first).
        Counted once per block of the upload (``once``, its id and the block's number): a run
        cut short and run again finds its count, never a second."""
        valid, _ = compacted([code for _, code in codes], now, first)
        asked = [(str(i), x) for i, x in valid.items()]
        refused = self._tries.refused(region, asked, now, once=once)
        if not refused:
            return codes, []
        over = {
            i
            for i, (_, code) in enumerate(codes)
            if (compact := _compact(code, now)) is not None
            and compact not in first  # answered before: a repeat, no try (review 50 F3)
            and mask_of(compact) in refused
        }
        message = refusal_message(self._tries.per_day)
        errors = [
            LineError(line=codes[i][0], field="credit_code", code="rate_limited", message=message)
            for i in sorted(over)
        ]
        return [line for i, line in enumerate(codes) if i not in over], errors

    def sealed(self, sha256: str) -> str:
        """The digest a check's upload keeps of its codes file: keyed. Unkeyed, the SHA-256 of a
        file of one code gives the code back to whoever tries them all, and the record is
        kept (``gateway.intake.UploadDesk`` stores the manifest so, pass 1 compares so)."""
        return keyed(self._trail_key(), "check-file", sha256)


def _viewer(upload: Upload) -> Viewer:
    return Viewer(
        kind="region",
        region=upload.manifest.region,
        relays_subregions=upload.relays_subregions,
        key_id=upload.key_id,
    )


def _compact(code: str, now: datetime) -> str | None:
    """A code as written, compacted as the check compacts it (any spelling it accepts)."""
    try:
        return requested_code(code, china_date(now))
    except BadRequest:
        return None
