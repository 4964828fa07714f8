"""Agreement re-evaluation on AWS: the function that runs a job, and the tick's part (date
jobs, and jobs whose start was lost).

The job itself is written with its agreement revision (``DynamoReevaluations.save``); the
message only says "run it", so a lost message delays the job until the next tick, and a
message sent twice meets a job that has moved on (``ReevaluationRunner``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from chalicelib.bootstrap import Container, container
from chalicelib.observability import logger, note
from gateway.delivery import daily_reevaluations
from gateway_client.contract import china_date

# A page takes about a second (one index query, the subjects' reads in parallel, one send per
# ten deliveries); stopping this long before Lambda's limit leaves room for a slow one.
SAFETY_MARGIN_MS = 30_000


def job_ids(records: Sequence[dict[str, Any]]) -> list[str]:
    ids = []
    for record in records:
        try:
            found = json.loads(record["body"]).get("job_id")
        except (ValueError, AttributeError):
            found = None
        if isinstance(found, str):
            ids.append(found)
        else:
            logger.error("not a re-evaluation message: %s", record.get("messageId"))
    return ids


def run(records: Sequence[dict[str, Any]], context: Any) -> None:
    """Run each job until it finishes or the invocation nears its end; an unfinished one is
    queued again to go on where it stopped. Any failure raises: SQS delivers the message again
    and the job resumes from the last page it saved."""
    c = container()
    remaining = getattr(context, "get_remaining_time_in_millis", None)

    def running_out() -> bool:
        return remaining is not None and remaining() < SAFETY_MARGIN_MS

    for job_id in job_ids(records):
        job = c.reevaluation_runner.run(job_id, running_out)
        if job is None:
            note(job_id=job_id, state="taken over or unknown")
            continue
        note(job_id=job_id, pages=job.pages, deliveries=job.deliveries, finished=job.finished)
        if not job.finished:
            c.reevaluation_trigger.continue_later(job_id)


REPORTED = ("reevaluations_started", "reevaluations_triggered", "zero_counters_dropped")
"""What ``isolated_tick`` adds to the tick's report (0 for a step that failed)."""


def isolated_tick(c: Container, now: datetime) -> tuple[dict[str, int], Exception | None]:
    """``tick``, then the statistics' present counters fallen to 0 dropped, each failure kept
    for the caller to raise once the lifecycle's own work (expiry, purge, the checkpoint) is
    done: a re-evaluation that cannot be stored must not stop the day's purge, nor go
    unnoticed (the function still ends in an error)."""
    report = dict.fromkeys(REPORTED, 0)
    failed: Exception | None = None
    for what, step in (("agreement re-evaluations of the day", tick), ("counters", _drop_zeros)):
        try:
            report.update(step(c, now))
        except Exception as error:
            logger.exception("%s failed; the lifecycle goes on", what)
            failed = failed or error
    return report, failed


def _drop_zeros(c: Container, now: datetime) -> dict[str, int]:
    """The statistics' present counters that fell to 0, removed (``DynamoStatistics``)."""
    return {"zero_counters_dropped": c.statistics.drop_zeros()}


def tick(c: Container, now: datetime) -> dict[str, int]:
    """Today's date jobs, and a (re)start of every unfinished job: what the tick reports."""
    started, triggered = daily_reevaluations(
        c.agreements.all(), c.reevaluations, c.reevaluation_trigger, china_date(now), now
    )
    note(reevaluations_started=started, reevaluations_triggered=triggered)
    return {"reevaluations_started": started, "reevaluations_triggered": triggered}
