"""Bulk uploads through the whole local stack: signed manifest → presigned PUT → S3 notification
→ upload queue → ingest handler → listings → stream → fan-out to a subscriber."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gateway_client.cli import main as cli
from gateway_client.cli.errors import SOME_REFUSED
from gateway_client.contract.signing import (
    Ed25519Signer,
    generate_signing_key,
    load_private_key,
    public_key_text,
)
from gateway_client.push_client import PushClient, http_request
from gateway_client.uploader import BulkUploader, describe
from infra.local import synthetic
from infra.local.receiver import Receiver
from infra.local.stack import LocalStack

pytestmark = pytest.mark.e2e

CITY, PROVINCE, SUBSCRIBER = "430100", "430000", "440000"
# Ingest batches of 500: a full one and a partial second, so a batch boundary and a short last
# batch are crossed. Every listing write is a conditional request (moto answers one in ~10 ms),
# so the province-scale figures come from `make bench`, not here.
SIZE = 400


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack() as running:
        yield running


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    running = Receiver("广东省").start()
    yield running
    running.stop()


def operator(stack: LocalStack, method: str, path: str, body: Any) -> Any:
    reply = http_request(
        method,
        stack.url + path,
        json.dumps(body, ensure_ascii=False).encode(),
        {"authorization": f"Bearer {stack.operator_token}"},
    )
    assert reply.status < 300, reply.body
    return reply.body


def log_head(stack: LocalStack) -> int:
    reply = http_request(
        "GET",
        f"{stack.url}/v1/log?from=1&limit=1",
        headers={"authorization": f"Bearer {stack.operator_token}"},
    )
    head: int = reply.body["head"]
    return head


@pytest.fixture(scope="module")
def uploader(stack: LocalStack) -> BulkUploader:
    for code, name in ((CITY, "长沙市"), (PROVINCE, "湖南省"), (SUBSCRIBER, "广东省")):
        operator(stack, "PUT", f"/v1/regions/{code}", {"name": name})
    private = load_private_key(generate_signing_key())
    operator(
        stack,
        "POST",
        f"/v1/regions/{CITY}/keys",
        {"key_id": "cs-bulk", "public_key": public_key_text(private)},
    )
    client = PushClient(stack.url, CITY, Ed25519Signer("cs-bulk", private))
    return BulkUploader(client, lambda: datetime.now(UTC))


def bulk(stack: LocalStack, uploader: BulkUploader, path: Path, **options: Any) -> dict[str, Any]:
    facts = describe(path)
    asked = uploader.request(facts, **options)
    assert asked.status == 201, asked.body
    assert uploader.put(asked.body["put"], path) == 200
    assert stack.pump is not None
    stack.pump.drain()
    reply = uploader.wait(asked.body["upload"]["manifest"]["upload_id"], timeout=5)
    assert reply.status == 200, reply.body
    upload: dict[str, Any] = reply.body["upload"]
    return upload


def test_a_province_scale_resync_is_ingested(stack, uploader, tmp_path):
    """The city's first full resync of every domain it lists: nothing held yet, nothing to go."""
    path = synthetic.write_ndjson(tmp_path / "full.ndjson", synthetic.entries(CITY, range(SIZE)))
    domains = sorted({synthetic.domain_of(i) for i in range(SIZE)})

    upload = bulk(stack, uploader, path, domains=domains)

    assert upload["status"] == "completed"
    assert (upload["removal"], upload["removed"]) == ("applied", 0)
    assert (upload["lines"], upload["accepted"], upload["duplicate"], upload["rejected"]) == (
        SIZE,
        SIZE,
        0,
        0,
    )
    head = log_head(stack)
    assert head >= SIZE  # every change reached the exchange log through the stream


def test_the_same_file_again_changes_nothing(stack, uploader, tmp_path):
    path = synthetic.write_ndjson(tmp_path / "again.ndjson", synthetic.entries(CITY, range(SIZE)))
    before = log_head(stack)

    upload = bulk(stack, uploader, path)

    assert (upload["accepted"], upload["duplicate"]) == (0, SIZE)
    assert log_head(stack) == before


def test_bad_lines_are_reported_by_line_number_and_the_rest_is_ingested(stack, uploader, tmp_path):
    rows: list[Any] = list(synthetic.entries(CITY, range(SIZE, SIZE + 10), domain="work_safety"))
    rows[3] = {**rows[3], "credit_code": "91430100000000000X"}
    rows[6] = "not an entry"
    path = synthetic.write_ndjson(tmp_path / "bad.ndjson", rows)
    with path.open("a", encoding="utf-8") as out:
        out.write("{not json\n")

    upload = bulk(stack, uploader, path)

    assert (upload["accepted"], upload["rejected"]) == (8, 3)
    assert [(e["line"], e["field"], e["code"]) for e in upload["errors"]] == [
        (4, "credit_code", "invalid_check_character"),
        (7, "", "invalid_type"),
        (11, "", "malformed_json"),
    ]


def test_a_resync_removing_more_than_ten_percent_is_refused_unless_forced(
    stack, uploader, tmp_path
):
    """Court defaulters only: drop 20% of them — refused; forced — removed and fanned out."""
    court = [i for i in range(SIZE) if synthetic.domain_of(i) == "court_defaulter"]
    other = next(i for i in range(SIZE) if i not in set(court))
    held = synthetic.write_ndjson(
        tmp_path / "held.ndjson", synthetic.entries(CITY, [*court, other])
    )
    assert bulk(stack, uploader, held)["status"] == "completed"  # whatever ran before, or not
    kept = court[: int(len(court) * 0.8)]
    path = synthetic.write_ndjson(tmp_path / "resync.ndjson", synthetic.entries(CITY, kept))

    refused = bulk(stack, uploader, path, domains=["court_defaulter"])
    forced = bulk(stack, uploader, path, domains=["court_defaulter"], force=True)

    assert refused["status"] == "refused"
    assert refused["refusal"]["code"] == "resync_threshold_exceeded"
    assert refused["refusal"]["details"]["would_remove"] == len(court) - len(kept)
    assert forced["status"] == "completed"
    assert (forced["removed"], forced["removal"]) == (len(court) - len(kept), "applied")
    gone = synthetic.entry(CITY, court[-1])
    subject = http_request(
        "GET",
        f"{stack.url}/v1/subjects/{gone['credit_code']}",
        headers={"authorization": f"Bearer {stack.operator_token}"},
    )
    assert [v["listing"]["status"] for v in subject.body["listings"]] == ["revoked"]
    # Other domains were not part of the resync: untouched.
    kept_subject = http_request(
        "GET", f"{stack.url}/v1/subjects/{synthetic.entry(CITY, other)['credit_code']}"
    )
    assert [v["listing"]["status"] for v in kept_subject.body["listings"]] == ["active"]


def test_a_file_that_differs_from_its_manifest_is_refused_whole(stack, uploader, tmp_path):
    signed = synthetic.write_ndjson(
        tmp_path / "signed.ndjson", synthetic.entries(CITY, range(20_000, 20_010))
    )
    facts = describe(signed)
    asked = uploader.request(facts)
    tampered = synthetic.write_ndjson(
        tmp_path / "tampered.ndjson", synthetic.entries(CITY, range(20_000, 20_010), version=9)
    )
    put = dict(asked.body["put"])
    put["headers"] = {**put["headers"], "Content-Length": str(tampered.stat().st_size)}

    assert uploader.put(put, tampered) == 200  # moto does not check checksums; S3 would refuse
    assert stack.pump is not None
    stack.pump.drain()
    upload = uploader.wait(asked.body["upload"]["manifest"]["upload_id"], timeout=5).body["upload"]

    assert upload["status"] == "refused"
    assert upload["refusal"]["code"] == "upload_mismatch"
    assert upload["accepted"] == 0


def test_bulk_changes_reach_subscribers_as_webhooks(stack, uploader, receiver, tmp_path):
    receiver.subscribe(
        stack.url,
        {"region": SUBSCRIBER, "signature_scheme": "v1", "filters": {"domains": ["work_safety"]}},
        {"authorization": f"Bearer {stack.operator_token}"},
    )
    ids = range(30_000, 30_150)
    path = synthetic.write_ndjson(tmp_path / "more.ndjson", synthetic.entries(CITY, ids))

    upload = bulk(stack, uploader, path)

    assert upload["accepted"] == len(ids)
    expected = {
        synthetic.entry(CITY, i)["credit_code"]
        for i in ids
        if synthetic.domain_of(i) == "work_safety"
    }
    assert {r.payload.data.listing.credit_code for r in receiver.received} == expected
    assert receiver.rejected == []


def test_the_cli_uploads_with_a_progress_bar_and_prints_the_result(stack, tmp_path, capsys):
    """`gateway push --bulk` as a platform runs it (last here: it leaves the pump running)."""
    key_file = tmp_path / "cs.key"
    private = generate_signing_key()
    key_file.write_text(private + "\n", encoding="utf-8")
    operator(
        stack,
        "POST",
        f"/v1/regions/{CITY}/keys",
        {"key_id": "cs-cli", "public_key": public_key_text(load_private_key(private))},
    )
    rows = list(synthetic.entries(CITY, range(40_000, 40_050)))
    rows[9] = {**rows[9], "decided_on": "not a date"}
    path = synthetic.write_ndjson(tmp_path / "cli.ndjson", rows)
    stack.run_pump_in_background()

    code = cli.main(
        [
            "push",
            str(path),
            "--bulk",
            "--url",
            stack.url,
            "--region",
            CITY,
            "--key-id",
            "cs-cli",
            "--key-file",
            str(key_file),
            "--wait",
            "60",
        ]
    )

    out, err = capsys.readouterr()
    assert code == SOME_REFUSED  # completed, one line refused: a script notices
    assert "uploading [" in err
    assert "100.0%" in err
    assert ": completed" in out
    assert re.search(r"\b50\s+49\s+0\s+1\s+0\b", out)  # lines, accepted, dup, rejected, removed
    assert re.search(r"\b10\s+decided_on\s+invalid_date\b", out)
