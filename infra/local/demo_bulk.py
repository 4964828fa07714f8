"""The demo's bulk act: 七台河市 uploads a file, then resyncs it — once refused, once applied."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gateway_client.cli.subject_table import render_upload
from gateway_client.push_client import PushClient
from gateway_client.uploader import BulkUploader, describe
from infra.local import scenario, synthetic
from infra.local.receiver import Receiver
from infra.local.stack import LocalStack

Check = tuple[str, bool]
REGION, DOMAIN = "230900", "fire_safety"
IDS = range(1, 41)
BAD = 7  # this line's credit code has a wrong check character


def run_bulk(
    stack: LocalStack,
    client: PushClient,
    receivers: dict[str, Receiver],
    say: Callable[[str], None],
) -> list[Check]:
    uploader = BulkUploader(client, lambda: datetime.now(UTC))
    rows = list(synthetic.entries(REGION, IDS, domain=DOMAIN))
    rows[BAD - 1] = {
        **rows[BAD - 1],
        "credit_code": scenario.wrong_check(rows[BAD - 1]["credit_code"]),
    }
    held = [i for i in IDS if i != BAD]
    with tempfile.TemporaryDirectory() as folder:

        def upload(name: str, content: list[Any], **options: Any) -> dict[str, Any]:
            path = synthetic.write_ndjson(Path(folder) / name, content)
            asked = uploader.request(describe(path), **options)
            uploader.put(asked.body["put"], path)
            if stack.pump is None:
                raise RuntimeError("the local stack is not started")
            stack.pump.drain(timeout=120)
            done = uploader.wait(asked.body["upload"]["manifest"]["upload_id"], timeout=5)
            result: dict[str, Any] = done.body["upload"]
            say(render_upload(result, shown_errors=3))
            return result

        say("· 七台河市 uploads its fire-safety list as one NDJSON file (presigned S3 PUT)")
        first = upload("fire.ndjson", rows)
        say("· 七台河市 resyncs it leaving a quarter out: over the 10% safety threshold")
        quarter = [i for i in held if i <= 30]
        refused = upload(
            "resync-25.ndjson",
            list(synthetic.entries(REGION, quarter, domain=DOMAIN)),
            domains=[DOMAIN],
        )
        say("· 七台河市 resyncs it leaving two out: applied, the two are removed everywhere")
        kept = held[:-2]
        applied = upload(
            "resync-2.ndjson",
            list(synthetic.entries(REGION, kept, domain=DOMAIN)),
            domains=[DOMAIN],
        )
    gone = {synthetic.credit_code(REGION, i) for i in held[-2:]}
    heard = {
        code
        for code, rx in receivers.items()
        if gone
        <= {
            r.payload.data.listing.credit_code
            for r in rx.received
            if r.payload.data.type == "revoked"
        }
    }
    return [
        (
            "a 40-line upload: 39 accepted, line 7 rejected with its field and code",
            (first["accepted"], first["rejected"]) == (len(held), 1)
            and [(e["line"], e["field"]) for e in first["errors"]] == [(BAD, "credit_code")],
        ),
        (
            "a resync removing over 10% is refused with resync_threshold_exceeded",
            refused["status"] == "refused"
            and refused["refusal"]["code"] == "resync_threshold_exceeded",
        ),
        (
            "a resync removing 2 of 39 is applied and the removals reach every province",
            applied["removed"] == 2 and heard == set(receivers),
        ),
    ]
