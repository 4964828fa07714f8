"""`gateway listen`'s core: a delivery is answered 2xx only once it is on disk, a webhook-id is
stored once (across restarts too), what does not verify or is not addressed to the listener is
refused and not stored, and a key published since the last look is fetched again."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from builders import NOW, RESIDENT_ID, change, gateway_signers, listing, make_signer, subscription
from fakes import InMemoryDeliveryLog, InMemorySubscriptionStore, RecordingTransport

from gateway.delivery.planning import plan_deliveries
from gateway.delivery.sending import DeliveryService
from gateway_client.contract import (
    AnyKey,
    Change,
    FixedClock,
    generate_hmac_secret,
    load_public_key,
    public_key_text,
    purged,
)
from gateway_client.delivery_store import DeliveryStore
from gateway_client.listener import KEYS_TTL_SECONDS, MAX_BODY, Listener, serve
from gateway_client.receiver import Audience
from gateway_client.subscriber_files import read_deliveries

GATEWAY = gateway_signers("gw-1")
GATEWAY_KEY = load_public_key(public_key_text(GATEWAY.ed25519.private_key))
HUNAN = "430000"


def delivered(
    subscription_id: str = "sub-hunan",
    region: str = HUNAN,
    made: Change | None = None,
    secret: str | None = None,
    restated: bool = False,
) -> tuple[dict[str, str], bytes]:
    """The headers and body the gateway posts for one change (``secret``: a v1 subscription;
    ``restated``: as a recognition change, unlogged)."""
    transport = RecordingTransport()
    scheme = "v1" if secret else "v1a"
    target = subscription(subscription_id, region=region, signature_scheme=scheme, secret=secret)
    service = DeliveryService(
        InMemorySubscriptionStore(target),
        InMemoryDeliveryLog(),
        transport,
        GATEWAY,
        FixedClock(NOW),
    )
    event = "recognition.changed" if restated else "listing.changed"
    [planned] = plan_deliveries(made or change(), [target], [], event)
    # logged, as every change is; a restatement is not (it restates a logged one)
    delivery = planned.model_copy(update={"log_sequence": None if restated else 1})
    service.deliver(delivery, 1)
    [post] = transport.posts
    return post.headers, post.body


class Keys:
    def __init__(self, *keys: AnyKey) -> None:
        self.keys, self.fetches = list(keys), 0

    def __call__(self) -> list[AnyKey]:
        self.fetches += 1
        return self.keys


def listener(
    store: Path,
    keys: Callable[[], Sequence[AnyKey]],
    at: list[float] | None = None,
    secret: str | None = None,
) -> tuple[Listener, list[str]]:
    said: list[str] = []
    moment = at if at is not None else [NOW.timestamp()]
    audience = Audience("sub-hunan", HUNAN, secret=secret)
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


def test_a_store_that_cannot_be_written_stops_the_listener_before_it_answers_anything(
    tmp_path,
):
    with pytest.raises(FileNotFoundError):
        DeliveryStore(tmp_path / "missing-directory" / "deliveries.ndjson")


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
    assert store.read_bytes() == b""


@pytest.mark.parametrize("name", ["webhook-id", "webhook-signature", "x-credit-key-id"])
def test_a_header_that_is_no_text_is_refused_not_raised_on(tmp_path, name):
    """Review 84: a lone surrogate a framework passed on raised UnicodeEncodeError."""
    store = tmp_path / "deliveries.ndjson"
    listening, said = listener(store, Keys(GATEWAY_KEY))
    headers, body = delivered()

    status, reply = listening.handle({**headers, name: "msg_\udc80"}, body)

    assert (status, store.read_bytes()) == (401, b"")
    assert name in reply.decode()
    assert said[-1].startswith("refused")


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
        "webhook-signature": GATEWAY.ed25519.sign("ntc_1", timestamp, body),
    }

    status, _ = listening.handle(headers, body)

    assert status == 204
    assert store.read_bytes() == b""
    assert said[-1].startswith("subscription.test")


def test_a_line_cut_short_by_a_crash_is_dropped_at_start_and_the_delivery_stored_again(tmp_path):
    store = tmp_path / "deliveries.ndjson"
    headers, body = delivered()
    store.write_bytes(body[: len(body) // 2])  # died mid-write: never acknowledged

    listening, _ = listener(store, Keys(GATEWAY_KEY))
    status, _ = listening.handle(headers, body)

    assert status == 204
    [payload] = read_deliveries(store)
    assert payload.delivery_id == headers["webhook-id"]


def test_a_failed_write_leaves_no_partial_line_behind(tmp_path, monkeypatch):
    store = tmp_path / "deliveries.ndjson"
    headers, body = delivered()
    listening, _ = listener(store, Keys(GATEWAY_KEY))

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("gateway_client.durable_files.os.fsync", disk_full)
    failed, _ = listening.handle(headers, body)
    monkeypatch.undo()
    retried, _ = listening.handle(headers, body)

    assert (failed, retried) == (503, 204)
    assert len(store.read_bytes().splitlines()) == 1
    assert read_deliveries(store)[0].delivery_id == headers["webhook-id"]


@pytest.mark.parametrize(
    ("length", "status"), [("abc", 400), ("-1", 400), ("0", 400), (str(MAX_BODY + 1), 413)]
)
def test_a_malformed_or_oversized_request_is_refused_and_the_listener_goes_on(
    tmp_path, length, status
):
    listening, _ = listener(tmp_path / "d.ndjson", Keys(GATEWAY_KEY))
    server = serve(listening, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}).start()
    try:
        port = server.server_address[1]
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.putrequest("POST", "/hook")
        connection.putheader("Content-Length", length)
        connection.endheaders()
        answer = connection.getresponse().status
        connection.close()
        after = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        headers, body = delivered()
        after.request("POST", "/hook", body, headers)
        then = after.getresponse().status
    finally:
        server.shutdown()
        server.server_close()

    assert (answer, then) == (status, 204)


def test_a_purged_tombstone_erases_the_listings_stored_deliveries_and_stays(tmp_path):
    store = tmp_path / "deliveries.ndjson"
    listening, _ = listener(store, Keys(GATEWAY_KEY))
    gone, other = listing(), listing(decision_number="(2025)粤1802执999号")

    for made in (change(gone), change(other), purged(gone, NOW)):
        headers, body = delivered(made=made)
        assert listening.handle(headers, body)[0] == 204

    kept = [(d.data.listing.listing_id, d.data.type) for d in read_deliveries(store)]
    assert kept == [(other.listing_id, "listed"), (gone.listing_id, "purged")]
    assert not (tmp_path / "deliveries.ndjson.tmp").exists()  # the rewrite swapped in


def test_only_a_logged_purge_erases_and_an_unlogged_one_goes_with_the_listing(tmp_path):
    """A signed restatement carrying a purge erases nothing (review 123); the real tombstone
    erases the listing's lines, that one among them (review 124)."""
    store = tmp_path / "deliveries.ndjson"
    listening, _ = listener(store, Keys(GATEWAY_KEY))
    gone = listing()

    for made, restated in ((change(gone), False), (purged(gone, NOW), True)):
        assert listening.handle(*delivered(made=made, restated=restated))[0] == 204
    before = [(d.type, d.data.type) for d in read_deliveries(store)]
    assert listening.handle(*delivered(made=purged(gone, NOW)))[0] == 204

    assert before == [("listing.changed", "listed"), ("recognition.changed", "purged")]
    kept = [(d.type, d.data.type, d.log_sequence) for d in read_deliveries(store)]
    assert kept == [("listing.changed", "purged", 1)]


def test_a_v1_listener_checks_the_secret_and_never_fetches_keys(tmp_path):
    secret, other = generate_hmac_secret(), generate_hmac_secret()
    keys = Keys(GATEWAY_KEY)
    listening, _ = listener(tmp_path / "d.ndjson", keys, secret=secret)

    signed_right = delivered(secret=secret)
    signed_wrong = delivered(secret=other)

    assert listening.handle(*signed_wrong)[0] == 401
    assert listening.handle(*signed_right)[0] == 204
    assert keys.fetches == 0


def test_a_line_that_is_not_a_delivery_does_not_stop_an_erasure(tmp_path):
    store = tmp_path / "deliveries.ndjson"
    listening, _ = listener(store, Keys(GATEWAY_KEY))
    gone = listing()
    listening.handle(*delivered(made=change(gone)))
    with store.open("ab") as out:
        out.write(b'{"note": "checked by hand"}\n')

    status, _ = listening.handle(*delivered(made=purged(gone, NOW)))

    assert status == 204
    lines = store.read_bytes().splitlines()
    assert lines[0] == b'{"note": "checked by hand"}'
    assert [json.loads(line)["data"]["type"] for line in lines[1:]] == ["purged"]


def test_a_refusal_is_reported_in_one_line_that_names_no_id_number(tmp_path):
    listening, said = listener(tmp_path / "d.ndjson", Keys(GATEWAY_KEY))
    body = json.dumps({"type": "listing.changed", "credit_code": RESIDENT_ID}).encode()
    timestamp = int(NOW.timestamp())
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(timestamp),
        "webhook-signature": GATEWAY.ed25519.sign("msg_1", timestamp, body),
    }

    status, _ = listening.handle(headers, body)

    assert status == 401
    assert said[-1].startswith("refused: the body is not a delivery")
    assert "\n" not in said[-1]
    assert RESIDENT_ID not in said[-1]


@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
def test_a_body_nested_too_deep_to_parse_is_refused_as_any_malformed_body(tmp_path, signed):
    """Its type is peeked before the signature is checked, so anyone can send it: parsing it
    runs out of recursion, and it is a 401 like a body that is no JSON, nothing stored."""
    listening, said = listener(tmp_path / "d.ndjson", Keys(GATEWAY_KEY))
    timestamp = int(NOW.timestamp())

    def posted(body: bytes) -> tuple[int, bytes]:
        headers = {"webhook-id": "msg_1", "webhook-timestamp": str(timestamp)}
        if signed:
            headers["webhook-signature"] = GATEWAY.ed25519.sign("msg_1", timestamp, body)
        return listening.handle(headers, body)

    deep, said_deep = posted(b"[" * 200_000), said[-1]
    garbled, said_garbled = posted(b"{not json"), said[-1]

    assert deep[0] == garbled[0] == 401
    assert said_deep.split(":")[:2] == said_garbled.split(":")[:2]
    assert (tmp_path / "d.ndjson").read_bytes() == b""
