"""The exchange log binds the full resident ID numbers a subscriber was given: on the moto stack,
a delivery whose number was swapped for an innocent person's with the same mask (same region,
same check character) fails ``verify-log``; a region given masked numbers gets the commitment,
never the salt, and verifies the same leaf."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

from app_support import CITY, HUNAN, PROVINCE, Receiver, StreamReader
from lifecycle_support import PERSON_CODE, Lifecycle, fan_out_and_deliver, pushed, recent_entry
from stdnum.cn import ric

from gateway_client.contract.codes import mask
from gateway_client.contract.events import DeliveryPayload
from gateway_client.contract.keys import PublishedKey
from gateway_client.contract.log import Checkpoint, LogEntry
from gateway_client.log_audit import AuditReport, audit
from gateway_client.tlog import tile_hash_reader


def innocent(code: str) -> str:
    """Another valid number that masks like ``code``."""
    for sequence in range(1000):
        body = f"{code[:6]}19800101{sequence:03d}"
        other = body + ric.calc_check_digit(body + "0")
        if other[-1] == code[-1] and other != code:
            return other
    raise AssertionError("no number with that check character")


def audited(life: Lifecycle, gateway: Any, sub: dict[str, Any], *bodies: bytes) -> AuditReport:
    """``gateway verify-log``'s audit of ``bodies`` as ``sub`` stored them."""
    log = life.get("/v1/log?limit=1000").json_body
    checkpoints = life.get("/v1/log/checkpoints").json_body["checkpoints"]
    keys = gateway.client.http.get("/v1/keys").json_body["keys"]

    def tile(path: str) -> bytes:
        return base64.b64decode(life.get(f"/v1/log/tile?path={path}").json_body["data"])

    return audit(
        [LogEntry.model_validate(x) for x in log["entries"]],
        [Checkpoint.model_validate(x) for x in checkpoints],
        [PublishedKey.model_validate(k) for k in keys],
        [DeliveryPayload.model_validate_json(body) for body in bodies],
        lambda _entry: True,
        lambda size: tile_hash_reader(size, tile),
        datetime.now(UTC) + timedelta(days=1),
        from_sequence=1,
        audience=(sub["subscription_id"], sub["region"]),
    )


def test_a_full_id_swapped_for_one_with_the_same_mask_fails_verify_log(
    gateway: Any, aws: Any, stream: StreamReader, receiver: Receiver
) -> None:
    life = Lifecycle(gateway)
    gateway.put_region(PROVINCE)
    gateway.put_region(HUNAN)
    full = gateway.subscribe_as_operator(region=PROVINCE, url=receiver.url).json_body
    hidden = gateway.subscribe_as_operator(region=HUNAN, url=receiver.url).json_body
    city = gateway.register_platform(CITY)
    person = recent_entry(
        credit_code=PERSON_CODE,
        subject_name="黄某某",
        responsible_persons=[{"name": "黄某某", "role": "principal", "id_number": PERSON_CODE}],
    )
    pushed(gateway, city, CITY, person)
    fan_out_and_deliver(aws, stream)
    bodies = {
        DeliveryPayload.model_validate_json(r.body).subscription_id: r.body
        for r in receiver.requests
    }
    genuine, masked_body = bodies[full["subscription_id"]], bodies[hidden["subscription_id"]]
    listing = DeliveryPayload.model_validate_json(genuine).data.listing
    assert listing.credit_code == PERSON_CODE
    assert listing.id_salt is not None
    shown = DeliveryPayload.model_validate_json(masked_body).data.listing
    assert shown.credit_code == mask(PERSON_CODE)
    assert shown.ids_commitment is not None
    assert b"id_salt" not in masked_body
    forged = genuine.decode().replace(PERSON_CODE, innocent(PERSON_CODE)).encode()

    assert audited(life, gateway, full, genuine).problems == ()
    assert audited(life, gateway, hidden, masked_body).problems == ()
    report = audited(life, gateway, full, forged)
    assert not report.ok
    assert any("differs from log entry 1 (altered)" in p for p in report.problems)
