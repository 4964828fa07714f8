"""`gateway listen` and the gateway's keys: the copy of `GET /v1/keys` is read again once it is
older than the list's max-age (5 minutes), so a withdrawn key stops verifying within that, and
no sooner, so not every webhook fetches; while the list cannot be read nothing is verified under
the stale copy (503, the gateway retries); an entry the client cannot read is left out."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from builders import NOW, change, listing, make_signer, make_uscc
from test_listener import GATEWAY, GATEWAY_KEY, delivered, listener

from gateway_client.contract import (
    AnyKey,
    PublishedKey,
    VerificationError,
    load_public_key,
    public_key_text,
)
from gateway_client.listener import KEYS_TTL_SECONDS
from gateway_client.receiver import fetch_gateway_keys

REPLACEMENT = load_public_key(public_key_text(make_signer("gw-2").private_key))


def another(serial: int) -> tuple[dict[str, str], bytes]:
    """A fresh delivery (its own webhook-id), signed by GATEWAY at NOW."""
    return delivered(made=change(listing(credit_code=make_uscc(serial))))


class Served:
    """The gateway's key list as the listener reads it: ``keys``, or ``error`` raised."""

    def __init__(self, *keys: AnyKey) -> None:
        self.keys, self.error, self.fetches = list(keys), None, 0

    def __call__(self) -> list[AnyKey]:
        self.fetches += 1
        if self.error is not None:
            raise self.error
        return self.keys


def test_a_withdrawn_key_verifies_until_the_copy_is_older_than_max_age_then_no_more(tmp_path):
    keys = Served(GATEWAY_KEY)
    moment = [NOW.timestamp() - 200]  # every look within the deliveries' timestamp window
    listening, _ = listener(tmp_path / "d.ndjson", keys, moment)
    assert listening.handle(*another(1))[0] == 204

    keys.keys = [REPLACEMENT]  # the gateway withdrew GATEWAY's key (say, it leaked)
    moment[0] += KEYS_TTL_SECONDS - 1
    assert listening.handle(*another(2))[0] == 204  # the copy is fresh: not fetched again
    assert keys.fetches == 1

    moment[0] += 2
    status, reply = listening.handle(*another(3))

    assert (status, keys.fetches) == (401, 2)
    assert b"signature" in reply


@pytest.mark.parametrize(
    "error",
    [OSError("connection refused"), VerificationError("GET /v1/keys → 500: None")],
    ids=["unreachable", "refused"],
)
def test_keys_that_cannot_be_read_again_are_a_503_not_a_stale_trust(tmp_path, error):
    keys = Served(GATEWAY_KEY)
    moment = [NOW.timestamp() - 200]
    listening, said = listener(tmp_path / "d.ndjson", keys, moment)
    assert listening.handle(*another(1))[0] == 204
    keys.error = error
    moment[0] += KEYS_TTL_SECONDS + 1

    answers = [listening.handle(*another(n)) for n in (2, 3)]

    assert answers == [(503, b"the gateway's keys are out of reach")] * 2
    assert keys.fetches == 3  # each webhook tries again; none is verified meanwhile
    assert said[-1].startswith("cannot fetch the gateway's keys: ")
    keys.error = None
    assert listening.handle(*another(4))[0] == 204


class _KeyList(BaseHTTPRequestHandler):
    server: Any

    def do_GET(self) -> None:
        raw = json.dumps(self.server.answer).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def keys_at() -> Iterator[Any]:
    """A gateway whose `GET /v1/keys` answers ``server.answer``; its URL is ``server.url``."""
    server: Any = ThreadingHTTPServer(("127.0.0.1", 0), _KeyList)
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


GW_1 = PublishedKey(key_id="gw-1", public_key=public_key_text(GATEWAY.ed25519.private_key))
UNREADABLE = [
    {"key_id": "gw-pq-1", "algorithm": "ml-dsa-65", "public_key": "mldsa_AAAA"},
    {"key_id": "gw-3", "public_key": "whpk_not-a-key"},
    "gw-4",
]


def test_entries_the_client_cannot_read_are_left_out_and_the_others_verify(tmp_path, keys_at):
    keys_at.answer = {"keys": [*UNREADABLE, GW_1.model_dump(mode="json", exclude_none=True)]}

    assert fetch_gateway_keys(keys_at.url, 5) == [GW_1]
    listening, _ = listener(tmp_path / "d.ndjson", lambda: fetch_gateway_keys(keys_at.url, 5))
    assert listening.handle(*another(1))[0] == 204


@pytest.mark.parametrize(
    "answer", [{"keys": UNREADABLE}, {"keys": []}, {"keys": "gw-1"}, {"gone": True}]
)
def test_a_list_without_one_readable_key_is_refused_and_the_listener_answers_503(
    tmp_path, keys_at, answer
):
    keys_at.answer = answer

    with pytest.raises(VerificationError, match="GET /v1/keys"):
        fetch_gateway_keys(keys_at.url, 5)
    listening, _ = listener(tmp_path / "d.ndjson", lambda: fetch_gateway_keys(keys_at.url, 5))
    assert listening.handle(*another(1))[0] == 503
