"""The published exchange log: GET /v1/log, checkpoints, a subscription's view and its replay."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from app_support import (
    CITY,
    HUNAN,
    Gateway,
    StreamReader,
    black_entry,
    error_code,
    queued_messages,
)

import app as gateway_app
from chalicelib.bootstrap import container
from gateway.delivery.planning import Delivery
from gateway_client.contract.log import (
    Checkpoint,
    LogEntry,
    checkpoint_verifies,
    entry_hash,
    entry_leaf,
)
from gateway_client.contract.signing import Ed25519Signer, load_private_key, load_public_key
from gateway_client.tlog import (
    NoteSigner,
    NoteVerifier,
    inclusion_proof,
    open_note,
    parse_checkpoint,
    root_of,
    split_bundle,
    tile_hash_reader,
    verify_consistency,
    verify_inclusion,
)

DECISIONS = ["(2024)黑09执123号", "(2024)黑09执124号", "(2024)黑09执125号"]


@pytest.fixture
def city(gateway: Gateway) -> Ed25519Signer:
    return gateway.register_platform(CITY)


def push_and_fan_out(
    gateway: Gateway, stream: StreamReader, signer: Ed25519Signer, entries: list[dict[str, Any]]
) -> None:
    """Push listings and run the listings stream through the fan-out, which logs them."""
    response = gateway.push(signer, CITY, entries)
    assert response.json_body["accepted"] == len(entries), response.json_body
    gateway_app.fan_out_changes(stream.event(), None)


def listings(count: int, **overrides: Any) -> list[dict[str, Any]]:
    return [black_entry(decision_number=d, **overrides) for d in DECISIONS[:count]]


def signed_get(gateway: Gateway, signer: Ed25519Signer, path: str) -> Any:
    return gateway.send_signed("GET", path, signer)


def signed_post(gateway: Gateway, signer: Ed25519Signer, path: str, body: dict[str, Any]) -> Any:
    return gateway.post_signed(path, signer, None, json.dumps(body).encode())


def operator_get(gateway: Gateway, path: str) -> Any:
    return gateway.client.http.get(path, headers=gateway.operator())


def operator_post(gateway: Gateway, path: str, body: dict[str, Any] | None = None) -> Any:
    raw = json.dumps(body).encode() if body is not None else b""
    return gateway.client.http.post(path, headers=gateway.operator(), body=raw)


def log_entries(response: Any) -> list[LogEntry]:
    return [LogEntry.model_validate(x) for x in response.json_body["entries"]]


def subscribe(
    gateway: Gateway, url: str = "https://credit.hunan.example.cn/hooks", **extra: Any
) -> str:
    """A subscription of 湖南 (``pending`` unless ``url`` answers the challenge: a replay needs
    a verified endpoint, so the replay tests pass the ``receiver``'s)."""
    gateway.put_region(HUNAN)
    response = gateway.subscribe_as_operator(region=HUNAN, url=url, **extra)
    assert response.status_code == 201, response.json_body
    return str(response.json_body["subscription_id"])


def delivery_queue(gateway: Gateway, aws) -> list[Delivery]:  # type: ignore[no-untyped-def]
    """Read every queued delivery, and consume it (FIFO: unconsumed ones hold their group)."""
    return queued_messages(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"])


# -- GET /v1/log --


def test_a_platform_reads_the_log_entries_and_the_head_without_listing_content(
    gateway, stream, city
):
    push_and_fan_out(gateway, stream, city, listings(3))

    response = signed_get(gateway, city, "/v1/log")

    assert response.status_code == 200, response.json_body
    assert response.json_body["head"] == 3
    entries = log_entries(response)
    assert [e.sequence for e in entries] == [1, 2, 3]
    assert all(e.hash == entry_hash(e) for e in entries)
    assert {(e.kind, e.domain, e.origin_region) for e in entries} == {
        ("black", "court_defaulter", CITY)
    }
    assert "91110000600037341L" not in response.body.decode()
    assert "七台河某某建设工程有限公司" not in response.body.decode()


def test_the_operator_reads_the_log_in_pages_with_from_and_limit(gateway, stream, city):
    push_and_fan_out(gateway, stream, city, listings(3))
    whole = operator_get(gateway, "/v1/log")

    page = operator_get(gateway, "/v1/log?from=2&limit=1")

    assert whole.status_code == page.status_code == 200
    assert [e.sequence for e in log_entries(whole)] == [1, 2, 3]
    assert log_entries(page) == [log_entries(whole)[1]]
    assert page.json_body["head"] == 3


def test_a_page_past_the_head_reads_no_entry(gateway, stream, city):
    """Anyone signed may ask ``from=10^12&limit=1000``: it cost two thousand key reads."""
    push_and_fan_out(gateway, stream, city, listings(3))
    keys: list[int] = []

    def count(params: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name == "BatchGetItem":
            keys.extend(len(x["Keys"]) for x in params["RequestItems"].values())

    events = container().aws_clients["dynamodb"].meta.events
    events.register("before-parameter-build.dynamodb", count)
    try:
        past = operator_get(gateway, "/v1/log?from=1000000000000&limit=1000")
    finally:
        events.unregister("before-parameter-build.dynamodb", count)

    assert (past.status_code, log_entries(past), past.json_body["head"]) == (200, [], 3)
    assert keys == []


def test_an_unsigned_log_request_is_unauthorised(gateway):
    response = gateway.client.http.get("/v1/log")

    assert response.status_code == 401


BAD_PARAMETERS = {
    "from=0": "from",
    "from=abc": "from",
    "from=-1": "from",
    "from=%EF%BC%91": "from",  # a full-width digit one
    "limit=0": "limit",
    "limit=1001": "limit",
    "limit=1.5": "limit",
}


def test_a_bad_from_or_limit_is_refused_naming_the_parameter(gateway):
    answers = {}
    for query in BAD_PARAMETERS:
        response = operator_get(gateway, f"/v1/log?{query}")
        error = response.json_body.get("error", {})
        answers[query] = (response.status_code, error.get("code"), error.get("path"))

    assert answers == {q: (400, "invalid_schema", p) for q, p in BAD_PARAMETERS.items()}


# -- checkpoints: fan-out publishes before it queues --


def checkpoints_listed(gateway: Gateway) -> list[Checkpoint]:
    listed = gateway.client.http.get("/v1/log/checkpoints")
    assert listed.status_code == 200
    return [Checkpoint.model_validate(x) for x in listed.json_body["checkpoints"]]


def leaf_root(entries: list[LogEntry]) -> str:
    return root_of([bytes.fromhex(e.hash) for e in entries]).hex()


def test_fan_out_publishes_a_checkpoint_of_what_it_logged(gateway, stream, city):
    push_and_fan_out(gateway, stream, city, listings(2))
    entries = log_entries(operator_get(gateway, "/v1/log"))

    [published] = checkpoints_listed(gateway)
    again = operator_post(gateway, "/v1/log/checkpoints")

    assert (published.sequence, published.root) == (2, leaf_root(entries))
    assert published.key_id == "gw-test-1"
    assert again.status_code == 200  # nothing new to sign
    assert again.json_body == {"published": None}


def test_only_the_operator_publishes_checkpoints(gateway, stream, city):
    push_and_fan_out(gateway, stream, city, listings(1))

    response = signed_post(gateway, city, "/v1/log/checkpoints", {})

    assert response.status_code == 403
    assert error_code(response) == "operator_only"


def test_published_checkpoints_are_listed_and_verify_with_the_gateways_key(gateway, stream, city):
    push_and_fan_out(gateway, stream, city, listings(1))
    push_and_fan_out(gateway, stream, city, [listings(2)[1]])
    entries = log_entries(operator_get(gateway, "/v1/log"))

    checkpoints = checkpoints_listed(gateway)
    keys = gateway.client.http.get("/v1/keys").json_body["keys"]

    assert [(c.sequence, c.root) for c in checkpoints] == [
        (1, leaf_root(entries[:1])),
        (2, leaf_root(entries)),
    ]
    public = [load_public_key(k["public_key"]) for k in keys]
    assert all(checkpoint_verifies(c, public) for c in checkpoints)


def test_the_latest_checkpoint_is_served_as_a_c2sp_signed_note_to_anyone(gateway, stream, city):
    assert gateway.client.http.get("/v1/log/checkpoint").status_code == 404  # nothing logged
    push_and_fan_out(gateway, stream, city, listings(2))
    origin = checkpoints_listed(gateway)[-1].origin
    verifier = NoteVerifier.from_vkey(
        NoteSigner(origin, load_private_key(gateway.signing_key)).vkey
    )

    response = gateway.client.http.get("/v1/log/checkpoint")

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    text, names = open_note(response.body.decode(), [verifier])
    head = parse_checkpoint(text)
    assert (head.origin, head.size, names) == (origin, 2, [origin])


def tile_bytes(gateway: Gateway, signer: Ed25519Signer, path: str) -> bytes:
    response = signed_get(gateway, signer, f"/v1/log/tile?path={path}")
    assert response.status_code == 200, response.json_body
    return base64.b64decode(response.json_body["data"])


def test_a_platform_proves_each_entry_and_the_log_s_growth_from_the_tiles(gateway, stream, city):
    push_and_fan_out(gateway, stream, city, listings(1))
    push_and_fan_out(gateway, stream, city, listings(3)[1:])
    entries = log_entries(signed_get(gateway, city, "/v1/log"))
    first, latest = checkpoints_listed(gateway)
    read = tile_hash_reader(3, lambda path: tile_bytes(gateway, city, path))
    root = bytes.fromhex(latest.root)

    for entry in entries:
        served = signed_get(gateway, city, f"/v1/log/proof?size=3&index={entry.leaf_index}")
        proof = [bytes.fromhex(h) for h in served.json_body["proof"]]
        assert proof == inclusion_proof(entry.leaf_index, 3, read)  # the same from the tiles
        assert verify_inclusion(bytes.fromhex(entry.hash), entry.leaf_index, 3, proof, root)
    grown = signed_get(gateway, city, "/v1/log/proof?size=3&old=1").json_body
    assert grown["old"] == 1
    assert verify_consistency(
        1, 3, bytes.fromhex(first.root), root, [bytes.fromhex(h) for h in grown["proof"]]
    )
    bundle = split_bundle(tile_bytes(gateway, city, "tile/entries/000.p/3"))
    assert bundle == [entry_leaf(e) for e in entries]


BAD_TILE_AND_PROOF_QUERIES = {
    "/v1/log/tile?path=tile/0/001.p/0": (400, "path"),
    "/v1/log/tile?path=../../checkpoints/000000000001.json": (400, "path"),
    "/v1/log/tile?path=tile/0/x999/000": (404, "path"),
    # canonical, but longer than any log's: on S3 past its key limit (review 46b)
    "/v1/log/tile?path=tile/0/" + "x999/" * 300 + "000": (400, "path"),
    "/v1/log/tile": (400, "path"),
    "/v1/log/proof?size=2&index=0": (404, "size"),  # no checkpoint of size 2
    "/v1/log/proof?size=3&index=3": (400, "index"),
    "/v1/log/proof?size=3&index=0&old=1": (400, "index"),
    "/v1/log/proof?size=3": (400, "index"),
    "/v1/log/proof?index=0": (400, "size"),
    "/v1/log/proof?size=3&old=4": (400, "old"),
    "/v1/log/proof?size=3&old=x": (400, "old"),
}


def test_bad_tile_paths_and_proof_queries_are_refused_naming_the_parameter(gateway, stream, city):
    push_and_fan_out(gateway, stream, city, listings(3))
    answers = {}
    for query in BAD_TILE_AND_PROOF_QUERIES:
        response = signed_get(gateway, city, query)
        error = response.json_body.get("error", {})
        answers[query] = (response.status_code, error.get("path"))

    assert answers == BAD_TILE_AND_PROOF_QUERIES


def test_tiles_and_proofs_need_a_signed_caller(gateway, stream, city):
    push_and_fan_out(gateway, stream, city, listings(1))

    tile = gateway.client.http.get("/v1/log/tile?path=tile/0/000.p/1")
    proof = gateway.client.http.get("/v1/log/proof?size=1&index=0")

    assert (tile.status_code, proof.status_code) == (401, 401)


# -- a subscription's view --


def test_the_subscription_is_shown_to_the_operator_and_its_own_region_only(gateway, city):
    subscription_id = subscribe(gateway, filters={"kinds": ["black"]})
    hunan = gateway.register_platform(HUNAN)
    path = f"/v1/subscriptions/{subscription_id}"

    as_operator = operator_get(gateway, path)
    as_hunan = signed_get(gateway, hunan, path)
    as_city = signed_get(gateway, city, path)

    assert as_operator.status_code == as_hunan.status_code == 200
    assert as_operator.json_body == as_hunan.json_body
    assert as_hunan.json_body["filters"]["kinds"] == ["black"]
    assert "secret" not in as_hunan.json_body
    assert as_city.status_code == 403
    assert error_code(as_city) == "region_mismatch"


# -- replay --


def test_a_replay_queues_the_matching_changes_again_with_their_original_delivery_ids(
    gateway, aws, stream, city, receiver
):
    subscription_id = subscribe(gateway, receiver.url)
    push_and_fan_out(gateway, stream, city, listings(2))
    original = sorted(delivery_queue(gateway, aws), key=lambda d: d.log_sequence or 0)

    response = operator_post(
        gateway, f"/v1/subscriptions/{subscription_id}/replay", {"from_sequence": 1}
    )

    assert response.status_code == 202, response.json_body
    assert response.json_body == {
        "from_sequence": 1,
        "to_sequence": 2,
        "queued": 2,
        "next_from_sequence": None,
    }
    replayed = sorted(delivery_queue(gateway, aws), key=lambda d: d.log_sequence or 0)
    assert [d.delivery_id for d in replayed] == [d.delivery_id for d in original]
    assert [d.log_sequence for d in replayed] == [d.log_sequence for d in original] == [1, 2]
    assert all(d.replay for d in replayed)
    assert not any(d.replay for d in original)
    assert [d.change for d in replayed] == [d.change for d in original]
    assert {d.subscription_id for d in replayed} == {subscription_id}
    assert sorted(d.sequence or 0 for d in original + replayed) == [1, 2, 3, 4]


def test_the_subscribed_regions_platform_replays_from_a_later_sequence(
    gateway, aws, stream, city, receiver
):
    subscription_id = subscribe(gateway, receiver.url)
    hunan = gateway.register_platform(HUNAN)
    push_and_fan_out(gateway, stream, city, listings(3))
    delivery_queue(gateway, aws)

    response = signed_post(
        gateway, hunan, f"/v1/subscriptions/{subscription_id}/replay", {"from_sequence": 2}
    )

    assert response.status_code == 202, response.json_body
    assert response.json_body["queued"] == 2
    replayed = delivery_queue(gateway, aws)
    assert sorted(d.log_sequence or 0 for d in replayed) == [2, 3]
    assert all(d.replay for d in replayed)


def test_a_replay_from_after_the_head_is_refused_and_queues_nothing(
    gateway, aws, stream, city, receiver
):
    subscription_id = subscribe(gateway, receiver.url)
    push_and_fan_out(gateway, stream, city, listings(2))
    delivery_queue(gateway, aws)
    path = f"/v1/subscriptions/{subscription_id}/replay"

    refused = [
        operator_post(gateway, path, body)
        for body in (
            {"from_sequence": 3},
            {"from_sequence": 10**40},
            {"from_sequence": 1, "to_sequence": 10**40},
        )
    ]

    assert [
        (r.status_code, r.json_body["error"]["code"], r.json_body["error"]["path"]) for r in refused
    ] == [
        (400, "out_of_range", "from_sequence"),
        (400, "invalid_schema", "from_sequence"),
        (400, "invalid_schema", "to_sequence"),
    ]
    assert delivery_queue(gateway, aws) == []
    assert operator_post(gateway, path, {"from_sequence": 2}).json_body == {
        "from_sequence": 2,
        "to_sequence": 2,
        "queued": 1,
        "next_from_sequence": None,
    }


def test_a_replay_starts_no_earlier_than_what_was_logged_after_the_subscription(
    gateway, aws, stream, city, receiver
):
    push_and_fan_out(gateway, stream, city, listings(2))
    subscription_id = subscribe(gateway, receiver.url)  # log_start 2: owed entries from 3 on
    push_and_fan_out(gateway, stream, city, [listings(3)[2]])
    delivery_queue(gateway, aws)

    response = operator_post(
        gateway, f"/v1/subscriptions/{subscription_id}/replay", {"from_sequence": 1}
    )

    assert response.status_code == 202, response.json_body
    assert response.json_body == {
        "from_sequence": 3,
        "to_sequence": 3,
        "queued": 1,
        "next_from_sequence": None,
    }
    assert [d.log_sequence for d in delivery_queue(gateway, aws)] == [3]
    # a range that ends before what the subscription is owed: its end is what is wrong
    ended_early = operator_post(
        gateway,
        f"/v1/subscriptions/{subscription_id}/replay",
        {"from_sequence": 1, "to_sequence": 2},
    )
    assert (ended_early.status_code, ended_early.json_body["error"]["path"]) == (
        400,
        "to_sequence",
    )
    assert delivery_queue(gateway, aws) == []


def test_a_replay_leaves_out_changes_the_subscriptions_filters_do_not_want(
    gateway, aws, stream, city, receiver
):
    gateway.put_region("110000")  # 北京市: registered, pushes nothing here
    subscription_id = subscribe(gateway, receiver.url, filters={"source_regions": ["110000"]})
    push_and_fan_out(gateway, stream, city, listings(2))
    assert delivery_queue(gateway, aws) == []

    response = operator_post(
        gateway, f"/v1/subscriptions/{subscription_id}/replay", {"from_sequence": 1}
    )

    assert response.status_code == 202
    assert response.json_body["queued"] == 0
    assert delivery_queue(gateway, aws) == []


def test_another_regions_platform_cannot_replay_a_subscription(gateway, stream, city):
    subscription_id = subscribe(gateway)
    push_and_fan_out(gateway, stream, city, listings(1))

    response = signed_post(
        gateway, city, f"/v1/subscriptions/{subscription_id}/replay", {"from_sequence": 1}
    )

    assert response.status_code == 403
    assert error_code(response) == "region_mismatch"


def test_replaying_an_unknown_subscription_is_not_found(gateway):
    response = operator_post(gateway, "/v1/subscriptions/sub_unknown/replay", {"from_sequence": 1})

    assert response.status_code == 404
    assert error_code(response) == "not_found"


def test_a_replay_from_sequence_zero_is_refused(gateway):
    subscription_id = subscribe(gateway)

    response = operator_post(
        gateway, f"/v1/subscriptions/{subscription_id}/replay", {"from_sequence": 0}
    )

    assert response.status_code == 400
    assert error_code(response) == "invalid_schema"
    assert response.json_body["error"]["path"] == "from_sequence"
