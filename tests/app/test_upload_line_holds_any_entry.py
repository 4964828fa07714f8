"""An entry a push takes is taken by an upload too, written as JSON writers do by default
(``json.dumps``: every character outside ASCII a \\uXXXX escape, twelve bytes for one outside
the BMP). Review 370: lines were refused ``line_too_long`` over 64 KiB, which such an entry
passes."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from app_support import CITY, Gateway
from lifecycle_support import recent_entry
from upload_support import Asked, put_and_ingest


def _entry() -> dict[str, Any]:
    return recent_entry(
        reason="𠀀" * 4000,  # 4000 characters: the field's limit
        legal_basis="𠀀" * 4000,  # 4000
        responsible_persons=[{"name": "𠀀" * 200, "role": "director"}] * 20,
    )


def test_an_entry_at_its_fields_limits_is_taken_by_an_upload_as_by_a_push(
    gateway: Gateway, aws: Any
) -> None:
    city = gateway.register_platform(CITY)
    entry = _entry()
    content = (json.dumps(entry) + "\n").encode()  # json.dumps' default: ASCII, \\u escapes
    assert len(content) > 128 * 1024
    upload_id = f"u-{uuid.uuid4().hex}"
    manifest = json.dumps(
        {
            "region": CITY,
            "upload_id": upload_id,
            "issued_at": datetime.now(UTC).isoformat(),
            "count": 1,
            "sha256": hashlib.sha256(content).hexdigest(),
            "size": len(content),
        }
    ).encode()
    asked = gateway.post_signed("/v1/uploads", city, upload_id, manifest)
    assert asked.status_code == 201, asked.json_body
    put_and_ingest(
        aws, Asked(upload_id, manifest, content, asked.json_body["upload"]["object_key"])
    )

    view = gateway.send_signed("GET", f"/v1/regions/{CITY}/uploads/{upload_id}", city)
    upload = view.json_body["upload"]
    assert (upload["accepted"], upload["rejected"]) == (1, 0), upload["errors"]
    pushed = gateway.push(city, CITY, [{**entry, "decision_number": "(2024)黑09执124号"}])
    assert pushed.json_body["accepted"] == 1, pushed.json_body
