"""A subscriber's store or the signatures kept beside it edited so that no webhook could have
carried them (a change dated in year 1; a kept body that is no JSON) is reported altered,
naming the delivery: verify-log ended on an unexpected OverflowError or JSONDecodeError that
named nothing (review 355)."""

from __future__ import annotations

import base64
import json

from test_verify_log_signatures import listened, verify_log


def test_a_line_dated_year_one_is_reported_altered(  # type: ignore[no-untyped-def]
    gateway, aws, stream, hook, monkeypatch, tmp_path, capsys
):
    sub = listened(gateway, aws, stream, hook, monkeypatch, tmp_path)
    assert verify_log(sub, tmp_path, capsys)[0] == 0
    store = tmp_path / "d.ndjson"
    stored = json.loads(store.read_bytes())
    stored["data"]["occurred_at"] = "0001-01-01T00:00:00Z"
    store.write_text(json.dumps(stored, ensure_ascii=False) + "\n")

    status, said = verify_log(sub, tmp_path, capsys)

    assert status == 1, said
    assert f"delivery {stored['delivery_id']}" in said, said
    assert "altered" in said, said


def test_a_kept_body_that_is_no_json_is_reported_altered(  # type: ignore[no-untyped-def]
    gateway, aws, stream, hook, monkeypatch, tmp_path, capsys
):
    sub = listened(gateway, aws, stream, hook, monkeypatch, tmp_path)
    assert verify_log(sub, tmp_path, capsys)[0] == 0
    kept = tmp_path / "d.ndjson.signatures"
    [record] = [json.loads(x) for x in kept.read_text().splitlines() if x.strip()]
    record["body"] = base64.b64encode(b"not\njson").decode()
    kept.write_text(json.dumps(record) + "\n")

    status, said = verify_log(sub, tmp_path, capsys)

    assert status == 1, said
    assert f"delivery {record['delivery_id']} was altered" in said, said
