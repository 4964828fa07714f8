"""Review 394: what the console (a browser session) is shown of text stored before input refused
resident ID numbers is masked only in the fields ``console_masking`` names (uploads: upload_id,
object_key, result/report keys, message; overdue lists) and in listings. Other stored text
reaches the browser in full, though a browser is shown no resident ID number in full,
whoever's (README, *The console*): a platform key id registered before review 317 (the
session's own view and the uploads it signed), a line error's ``field``, a
subscription's ``description``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app_support import HUNAN, Gateway, new_signer
from session_support import as_session, open_session

from chalicelib import bootstrap
from gateway.intake import Upload, UploadManifest, UploadStatus
from gateway.registry import PlatformKey
from gateway_client.contract.signing import public_key_text

OFFICIAL_ID = "420281199503150210"
KEY_ID = f"k-{OFFICIAL_ID}"


def _key_registered_before(gateway: Gateway):  # type: ignore[no-untyped-def]
    gateway.put_region(HUNAN)
    signer = new_signer(KEY_ID)
    bootstrap.container().registry.put_key(
        PlatformKey(
            key_id=KEY_ID,
            region=HUNAN,
            public_key=public_key_text(signer.private_key),
            valid_from=bootstrap.container().clock.now() - timedelta(days=1),
        )
    )
    return signer


def test_the_console_session_view_masks_an_id_number_in_its_key_id(gateway: Gateway) -> None:
    signer = _key_registered_before(gateway)
    opened = open_session(gateway, signer, handoff=True)
    assert opened.status_code == 201, opened.json_body
    redeemed = gateway.client.http.post(
        "/v1/console/handoffs",
        headers={"Content-Type": "application/json"},
        body=f'{{"code": "{opened.json_body["handoff"]}"}}'.encode(),
    )
    assert redeemed.status_code == 201, redeemed.json_body
    assert OFFICIAL_ID not in redeemed.body.decode()  # what the page redeems, in the browser

    shown = as_session(gateway, redeemed.json_body["token"], "GET", "/v1/console/session")
    assert shown.status_code == 200
    assert OFFICIAL_ID not in shown.body.decode()
    assert shown.json_body["key_id"].startswith("k-420281")  # named, masked


def test_the_console_uploads_page_masks_an_id_number_in_the_signing_key_id(
    gateway: Gateway,
) -> None:
    signer = _key_registered_before(gateway)
    now = datetime.now(UTC)
    manifest = UploadManifest(
        region=HUNAN, upload_id="u-old-1", issued_at=now, count=1, sha256="0" * 64, size=10
    )
    bootstrap.container().uploads.create(
        Upload(
            manifest=manifest,
            key_id=KEY_ID,
            object_key="uploads/430000/u-old-1.ndjson",
            status=UploadStatus.COMPLETED,
            created_at=now,
            updated_at=now,
        )
    )
    token = open_session(gateway, signer).json_body["token"]

    one = as_session(gateway, token, "GET", f"/v1/regions/{HUNAN}/uploads/u-old-1")
    listed = as_session(gateway, token, "GET", f"/v1/regions/{HUNAN}/uploads")

    assert (one.status_code, listed.status_code) == (200, 200), (one.body, listed.body)
    assert OFFICIAL_ID not in one.body.decode()
    assert OFFICIAL_ID not in listed.body.decode()


def test_the_console_uploads_page_masks_an_id_number_in_a_stored_line_errors_field(
    gateway: Gateway,
) -> None:
    """A line error kept before review 287 holds its field as the line wrote it (a slipped
    column: a JSON key that is a person's number); ``UPLOAD_TEXT`` masks its ``message`` only."""
    from gateway.intake.bulk import LineError

    signer = _key_registered_before(gateway)
    now = datetime.now(UTC)
    manifest = UploadManifest(
        region=HUNAN, upload_id="u-old-2", issued_at=now, count=1, sha256="0" * 64, size=10
    )
    slipped = LineError(
        line=3, field="11010519491231002X", code="extra_forbidden", message="not a field"
    )
    bootstrap.container().uploads.create(
        Upload(
            manifest=manifest,
            key_id="k-hunan-ok",
            object_key="uploads/430000/u-old-2.ndjson",
            status=UploadStatus.COMPLETED,
            created_at=now,
            updated_at=now,
            rejected=1,
            errors=(slipped,),
        )
    )
    token = open_session(gateway, signer).json_body["token"]

    one = as_session(gateway, token, "GET", f"/v1/regions/{HUNAN}/uploads/u-old-2")

    assert one.status_code == 200, one.body
    assert one.json_body["upload"]["errors"][0]["line"] == 3
    assert "19491231002" not in one.body.decode()


def test_the_console_subscriptions_page_masks_an_id_number_in_a_stored_description(
    gateway: Gateway,
) -> None:
    """A subscription's ``description`` (free text its region wrote; ONE_LINE refuses ID
    numbers in it now) kept from before is shown to the console as stored."""
    from session_support import subscribe

    signer = _key_registered_before(gateway)
    sid = subscribe(gateway, HUNAN, "https://hunan.example/hook")
    subs = bootstrap.container().subscriptions
    held = subs.get(sid)
    assert held is not None
    subs.put(held.model_copy(update={"description": "经办人 11010519491231002X 的接收端"}))
    token = open_session(gateway, signer).json_body["token"]

    one = as_session(gateway, token, "GET", f"/v1/subscriptions/{sid}")
    listed = as_session(gateway, token, "GET", "/v1/subscriptions")

    assert (one.status_code, listed.status_code) == (200, 200), (one.body, listed.body)
    assert "19491231002" not in one.body.decode()
    assert "19491231002" not in listed.body.decode()
