"""Review 336 (now the keys only for the challenge): the Node example serving a `v1` (HMAC)
subscription needs nothing but its secret to verify a delivery, yet createReceiver fetches GET
/v1/keys before every webhook it judges. While the key list cannot be fetched (the gateway's API
down, an egress firewall that lets the gateway's POSTs in but not the receiver's GETs out), every
genuine, correctly signed delivery is answered 503 and piles up in the gateway's retries until the
endpoint is disabled. `gateway listen` with --secret-file never fetches keys
(Listener._current_keys)."""

from __future__ import annotations

import http.client
import json
import socket
import subprocess

from node_receiver_support import node_binary, running_receiver

from gateway_client.contract import HmacSigner, generate_hmac_secret


def test_a_v1_receiver_accepts_a_genuine_delivery_while_the_key_list_is_out_of_reach() -> None:
    node = node_binary()
    secret = generate_hmac_secret()
    with socket.socket() as closed:  # a port nothing listens on once closed
        closed.bind(("127.0.0.1", 0))
        nowhere = closed.getsockname()[1]
    # nothing answers at GATEWAY_URL: /v1/keys out of reach
    with running_receiver(GATEWAY_URL=f"http://127.0.0.1:{nowhere}", WEBHOOK_SECRET=secret) as (
        _,
        port,
    ):
        # the real clock (the tests' may be frozen), as the receiver reads it
        clock = [node, "-e", "console.log(Math.floor(Date.now()/1000))"]
        now = int(subprocess.check_output(clock))  # noqa: S603 - the distribution's node
        body = json.dumps(
            {
                "type": "listing.changed",
                "timestamp": "2026-01-01T00:00:00Z",
                "delivery_id": "del_1",
                "subscription_id": "sub-hunan",
                "subscriber_region": "430000",
                "data": {},
                "recognition": {},
            }
        ).encode()
        headers = {
            "content-type": "application/json",
            "webhook-id": "del_1",
            "webhook-timestamp": str(now),
            "webhook-signature": HmacSigner(secret).sign("del_1", now, body),
        }
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("POST", "/hooks/gateway", body, headers)
        status = connection.getresponse().status

    assert status == 204  # the secret verifies it; the key list has no part in it
