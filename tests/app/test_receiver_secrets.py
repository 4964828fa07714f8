"""The Python receiver (``verify_delivery``, ``Audience``, ``gateway listen``) and a ``v1``
secret, as Standard Webhooks has them (review 144): an empty or short secret believes no one
(the reference libraries refuse an empty one; the spec's are 24 to 64 bytes) and ``gateway
listen`` refuses it at start; an unpadded one is the same secret (the references pad it); an
entry of the signature list that is no base64 is skipped, not a refusal of the valid one after
it; and whatever fails inside the listener is answered, never a dropped connection."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from app_support import HUNAN, black_entry
from delivery_support import push_and_fan_out, subscribe

from gateway_client.cli.errors import CliError
from gateway_client.cli.key_files import read_secret
from gateway_client.contract import VerificationError
from gateway_client.delivery_store import DeliveryStore
from gateway_client.listener import Listener
from gateway_client.receiver import Audience, verify_delivery


@pytest.fixture
def genuine(gateway: Any, stream: Any, queue: Any, hunan: Any, receiver: Any) -> Any:
    """A real v1 delivery as the gateway sent it, and its subscription."""
    created = subscribe(gateway, receiver.url, HUNAN, signature_scheme="v1")
    push_and_fan_out(gateway, stream, hunan, HUNAN, [black_entry()])
    queue.run()
    [delivery] = receiver.requests
    return created, delivery


def _at(delivery: Any) -> datetime:
    return datetime.fromtimestamp(int(delivery.headers["webhook-timestamp"]), UTC)


def _forged(delivery: Any, key: bytes) -> tuple[dict[str, str], bytes]:
    """The genuine body with the subject's name changed, signed under ``key``."""
    body = json.loads(delivery.body)
    body["data"]["listing"]["subject_name"] = "某某伪造公司"
    raw = json.dumps(body, ensure_ascii=False, sort_keys=True).encode()
    msg_id, stamp = delivery.headers["webhook-id"], delivery.headers["webhook-timestamp"]
    digest = hmac.new(key, f"{msg_id}.{stamp}.".encode() + raw, hashlib.sha256).digest()
    signed = {"webhook-signature": "v1," + base64.b64encode(digest).decode()}
    return {"webhook-id": msg_id, "webhook-timestamp": stamp, **signed}, raw


@pytest.mark.parametrize("key", [b"", b"short"], ids=["empty", "five-bytes"])
def test_a_secret_no_one_could_keep_believes_no_one(genuine: Any, key: bytes) -> None:
    created, delivery = genuine
    headers, raw = _forged(delivery, key)
    secret = "whsec_" + base64.b64encode(key).decode()

    with pytest.raises(VerificationError, match="whsec_ secret"):
        verify_delivery(
            headers, raw, _at(delivery), subscription_id=created["subscription_id"], secret=secret
        )


@pytest.mark.parametrize("held", ["whsec_", "whsec_c2VjcmV0", "whsec_no base64 !"])
def test_gateway_listen_refuses_such_a_secret_file_at_start(tmp_path: Any, held: str) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text(held + "\n")

    with pytest.raises(CliError, match="whsec_ secret"):
        read_secret(str(secret_file))


def test_an_unpadded_secret_is_the_same_secret(genuine: Any, tmp_path: Any) -> None:
    created, delivery = genuine
    unpadded = created["secret"].rstrip("=")
    assert unpadded != created["secret"]  # 32 bytes: base64 pads them
    secret_file = tmp_path / "secret"
    secret_file.write_text(unpadded)

    verified = verify_delivery(
        delivery.headers,
        delivery.body,
        _at(delivery),
        subscription_id=created["subscription_id"],
        secret=read_secret(str(secret_file)),
    )

    assert verified.delivery_id == delivery.headers["webhook-id"]


@pytest.mark.parametrize("junk", ["v1,!!!!", "v1,@@@="])
def test_an_entry_that_is_no_base64_hides_no_valid_signature_after_it(
    genuine: Any, junk: str
) -> None:
    created, delivery = genuine
    headers = {**delivery.headers}
    headers["webhook-signature"] = f"{junk} {headers['webhook-signature']}"

    verified = verify_delivery(
        headers,
        delivery.body,
        _at(delivery),
        subscription_id=created["subscription_id"],
        secret=created["secret"],
    )

    assert verified.delivery_id == delivery.headers["webhook-id"]


def test_a_failure_inside_the_listener_is_answered_and_said(genuine: Any, tmp_path: Any) -> None:
    created, delivery = genuine
    said: list[str] = []
    audience = Audience(created["subscription_id"], HUNAN, (), created["secret"])

    class Broken(DeliveryStore):
        def add(self, *args: Any) -> Any:
            raise RuntimeError("disk on fire at 11010519491231002X")

    listener = Listener(
        audience,
        Broken(tmp_path / "store.ndjson"),
        lambda: [],
        said.append,
        clock=_at(delivery).timestamp,
    )

    status, _ = listener.handle(delivery.headers, delivery.body)

    assert status == 500
    assert said == ["failed: RuntimeError: disk on fire at 110105***********X"]  # no ID said
