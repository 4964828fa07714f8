"""A manifest whose key is revoked before its file is judged: asked for again, signed by the
region's current key, the upload is judged by that key; left as it was, its file is refused
with advice that works (a new upload id)."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace

from app_support import CITY, Gateway, black_entry, new_signer
from upload_support import ask, put_and_ingest

from chalicelib.bootstrap import container
from gateway_client.contract.signing import Ed25519Signer


def _rotated(gateway: Gateway) -> Ed25519Signer:
    """The city's key ``qth-old`` replaced by ``qth-new`` and revoked; the new one's signer."""
    current = new_signer("qth-new")
    assert gateway.add_key(CITY, current).status_code == 201
    revoked = gateway.client.http.delete(
        f"/v1/regions/{CITY}/keys/qth-old", headers=gateway.operator()
    )
    assert revoked.status_code == 200, revoked.json_body
    return current


def test_an_upload_asked_again_under_the_current_key_is_judged_by_it(gateway, aws):
    asked = ask(gateway, gateway.register_platform(CITY, "qth-old"), [black_entry()])
    current = _rotated(gateway)

    again = gateway.post_signed("/v1/uploads", current, asked.upload_id, asked.manifest)
    put_and_ingest(aws, asked)

    assert again.status_code == 200, again.json_body
    assert again.json_body["upload"]["key_id"] == "qth-new"
    assert "put" in again.json_body
    done = container().uploads.get(CITY, asked.upload_id)
    assert done is not None
    assert (done.status.value, done.refusal, done.accepted) == ("completed", None, 1)


def test_an_upload_left_under_a_revoked_key_is_refused_and_told_to_start_anew(gateway, aws):
    asked = ask(gateway, gateway.register_platform(CITY, "qth-old"), [black_entry()])
    current = _rotated(gateway)

    put_and_ingest(aws, asked)
    again = gateway.post_signed("/v1/uploads", current, asked.upload_id, asked.manifest)

    done = container().uploads.get(CITY, asked.upload_id)
    assert done is not None
    assert done.refusal is not None
    assert (done.status.value, done.refusal.code, done.accepted) == ("refused", "key_revoked", 0)
    assert "new upload id" in done.refusal.message
    # asked again once judged, it stays as judged: no URL for a file that cannot pass
    assert again.status_code == 200, again.json_body
    assert again.json_body["upload"]["key_id"] == "qth-old"
    assert "put" not in again.json_body


def test_asked_again_while_an_ingest_runs_the_upload_stays_as_the_answer_says(
    gateway, aws, monkeypatch
):
    """The ingest holds the upload's lease while its pass 1 reads the file (the record still
    awaiting it): a rebind then is not made, and the answer names the key the upload keeps."""
    asked = ask(gateway, gateway.register_platform(CITY, "qth-old"), [black_entry()])
    current = new_signer("qth-new")
    assert gateway.add_key(CITY, current).status_code == 201
    put = aws.s3.put_object(
        Bucket=aws.env["CG_ARCHIVE_BUCKET"], Key=asked.object_key, Body=asked.content
    )
    ingest = container().bulk_ingest
    answers = []
    verify = ingest._verify

    def asked_again_meanwhile(upload, version_id):  # type: ignore[no-untyped-def]
        answers.append(gateway.post_signed("/v1/uploads", current, asked.upload_id, asked.manifest))
        return verify(upload, version_id)

    monkeypatch.setattr(ingest, "_verify", asked_again_meanwhile)
    done = ingest.process(CITY, asked.upload_id, put.get("VersionId"))

    [again] = answers
    held = container().uploads.get(CITY, asked.upload_id)
    assert done is not None
    assert held is not None
    assert (again.status_code, again.json_body["upload"]["key_id"]) == (200, "qth-old")
    assert (held.key_id, held.status.value) == ("qth-old", "completed")


def test_a_mismatched_upload_asked_again_under_the_current_key_is_judged_by_it(gateway, aws):
    """A file of other bytes was refused; the signing key is revoked since: asked again under
    the current key, the upload is judged by it, and the right file completes (review 221)."""
    asked = ask(gateway, gateway.register_platform(CITY, "qth-old"), [black_entry()])
    # a careless platform first puts another file: refused as not matching its manifest
    put_and_ingest(aws, replace(asked, content=asked.content + b"\n{}\n"))
    first = container().uploads.get(CITY, asked.upload_id)
    assert first is not None
    assert first.refusal is not None
    assert first.refusal.code == "upload_mismatch"
    # the key is rotated meanwhile
    current = new_signer("qth-new")
    assert gateway.add_key(CITY, current).status_code == 201
    revoked = gateway.client.http.delete(
        f"/v1/regions/{CITY}/keys/qth-old", headers=gateway.operator()
    )
    assert revoked.status_code == 200, revoked.json_body

    again = gateway.post_signed("/v1/uploads", current, asked.upload_id, asked.manifest)
    assert again.status_code == 200, again.json_body
    assert (again.json_body["upload"]["key_id"], "put" in again.json_body) == ("qth-new", True)
    put_and_ingest(aws, asked)  # the right file, where the URL handed out points

    done = container().uploads.get(CITY, asked.upload_id)
    assert done is not None
    assert (done.status.value, done.refusal, done.accepted) == ("completed", None, 1)


def test_a_file_refused_for_its_count_alone_is_not_offered_a_put_it_can_never_pass(gateway, aws):
    """The PUT URL takes only the bytes of the manifest's SHA-256 and size (S3 checks both):
    when those matched and only ``count`` did not, no file the URL accepts can ever match."""
    signer = gateway.register_platform(CITY)
    asked = ask(gateway, signer, [black_entry()])
    body = json.loads(asked.manifest)
    body["count"] = 2  # a careless count: the file holds one line
    upload_id = f"u-{uuid.uuid4().hex}"
    body["upload_id"] = upload_id
    manifest = json.dumps(body).encode()
    first = gateway.post_signed("/v1/uploads", signer, upload_id, manifest)
    assert first.status_code == 201, first.json_body
    key = first.json_body["upload"]["object_key"]
    put_and_ingest(aws, replace(asked, upload_id=upload_id, manifest=manifest, object_key=key))
    refused = container().uploads.get(CITY, upload_id)
    assert refused is not None
    assert refused.refusal is not None
    assert refused.refusal.code == "upload_mismatch"
    assert refused.refusal.details["uploaded"]["sha256"] == body["sha256"]

    again = gateway.post_signed("/v1/uploads", signer, upload_id, manifest)

    assert again.status_code == 200, again.json_body
    assert "put" not in again.json_body, again.json_body["put"]
