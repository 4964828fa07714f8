"""`gateway listen`'s core: a delivery is answered 2xx only once it is on disk, a webhook-id is
stored once (across restarts too), what does not verify or is not addressed to the listener is
refused and not stored, and a key published since the last look is fetched again."""

from __future__ import annotations

import json
from pathlib import Path

from builders import NOW, change, make_signer, subscription
from fakes import InMemoryDeliveryLog, InMemorySubscriptionStore, RecordingTransport

from gateway.delivery.planning import plan_deliveries
from gateway.delivery.sending import DeliveryService
from gateway_client.contract import AnyKey, FixedClock, load_public_key, public_key_text
from gateway_client.listener import KEYS_TTL_SECONDS, DeliveryStore, Listener
from gateway_client.log_verifier import read_deliveries
from gateway_client.receiver import Audience

GATEWAY = make_signer("gw-1")
GATEWAY_KEY = load_public_key(public_key_text(GATEWAY.private_key))
HUNAN = "430000"


def delivered(
    subscription_id: str = "sub-hunan", region: str = HUNAN
) -> tuple[dict[str, str], bytes]:
    """The headers and body the gateway posts for one change."""
    transport = RecordingTransport()
    target = subscription(subscription_id, region=region)
    service = DeliveryService(
        InMemorySubscriptionStore(target),
        InMemoryDeliveryLog(),
        transport,
        GATEWAY,
        FixedClock(NOW),
    )
    [delivery] = plan_deliveries(change(), [target], [])
    service.deliver(delivery, 1)
    [post] = transport.posts
    return post.headers, post.body


class Keys:
    def __init__(self, *keys: AnyKey) -> None:
        self.keys, self.fetches = list(keys), 0

    def __call__(self) -> list[AnyKey]:
        self.fetches += 1
        return self.keys


def listener(store: Path, keys: Keys, at: list[float] | None = None) -> tuple[Listener, list[str]]:
    said: list[str] = []
    moment = at if at is not None else [NOW.timestamp()]
    audience = Audience("sub-hunan", HUNAN)
    built = Listener(audience, DeliveryStore(store), keys, said.append, lambda: moment[0])
    return built, said


def test_a_delivery_is_stored_in_the_format_verify_log_reads_then_acknowledged(tmp_path):
    store = tmp_path / "deliveries.ndjson"
    headers, body = delivered()
    listening, said = listener(store, Keys(GATEWAY_KEY))

    status, _ = listening.handle(headers, body)

    assert status == 204
    [payload] = read_deliveries(store)
    assert payload.delivery_id == headers["webhook-id"]
    assert said[-1].startswith(f"stored {payload.delivery_id}")


def test_a_webhook_id_is_stored_once_even_after_a_restart(tmp_path):
    store = tmp_path / "deliveries.ndjson"
    headers, body = delivered()
    first, _ = listener(store, Keys(GATEWAY_KEY))
    first.handle(headers, body)
    restarted, said = listener(store, Keys(GATEWAY_KEY))

    status, _ = restarted.handle(headers, body)

    assert status == 204
    assert len(store.read_text().splitlines()) == 1
    assert said[-1].startswith("already stored")


def test_a_delivery_that_cannot_be_stored_is_not_acknowledged(tmp_path):
    store = tmp_path / "missing-directory" / "deliveries.ndjson"
    headers, body = delivered()
    listening, _ = listener(store, Keys(GATEWAY_KEY))

    status, _ = listening.handle(headers, body)

    assert status == 503  # the gateway keeps it and sends it again


def test_a_delivery_for_another_subscription_or_altered_is_refused_and_not_stored(tmp_path):
    store = tmp_path / "deliveries.ndjson"
    listening, _ = listener(store, Keys(GATEWAY_KEY))
    other_headers, other_body = delivered("sub-guangdong", "440000")
    headers, body = delivered()
    altered = json.dumps({**json.loads(body), "type": "listing.removed"}).encode()

    answers = [
        listening.handle(other_headers, other_body)[0],
        listening.handle(headers, altered)[0],
        listening.handle({**headers, "webhook-timestamp": "1"}, body)[0],
    ]

    assert answers == [401, 401, 401]
    assert not store.exists()


def test_a_key_published_since_the_last_look_is_fetched_again_once_the_cache_is_old(tmp_path):
    other = make_signer("gw-0")
    keys = Keys(load_public_key(public_key_text(other.private_key)))
    moment = [NOW.timestamp() - 200]  # both looks within the delivery's timestamp window
    listening, _ = listener(tmp_path / "d.ndjson", keys, moment)
    headers, body = delivered()

    assert listening.handle(headers, body)[0] == 401  # fetched just now: not looked up again
    keys.keys.append(GATEWAY_KEY)
    moment[0] += KEYS_TTL_SECONDS + 1

    assert listening.handle(headers, body)[0] == 204
    assert keys.fetches == 2


def test_a_test_notice_is_acknowledged_and_not_stored(tmp_path):
    store = tmp_path / "deliveries.ndjson"
    listening, said = listener(store, Keys(GATEWAY_KEY))
    notice = {
        "type": "subscription.test",
        "notice_id": "ntc_1",
        "timestamp": NOW.isoformat(),
        "subscription_id": "sub-hunan",
        "subscriber_region": HUNAN,
        "failing_since": None,
    }
    body = json.dumps(notice).encode()
    timestamp = int(NOW.timestamp())
    headers = {
        "webhook-id": "ntc_1",
        "webhook-timestamp": str(timestamp),
        "webhook-signature": GATEWAY.sign("ntc_1", timestamp, body),
    }

    status, _ = listening.handle(headers, body)

    assert status == 204
    assert not store.exists()
    assert said[-1].startswith("subscription.test")
