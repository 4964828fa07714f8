"""A manifest whose key is revoked before its file is judged: asked for again, signed by the
region's current key, the upload is judged by that key; left as it was, its file is refused
with advice that works (a new upload id)."""

from __future__ import annotations

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
