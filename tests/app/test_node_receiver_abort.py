"""Review 336: one anonymous request whose body breaks off killed the Node example receiver;
it is dropped and the receiver serves on.

createReceiver's handler is an async function that reads the body with `for await (const chunk
of request)` outside its try: when the peer closes before Content-Length bytes arrive, the
iterator rejects with `Error: aborted` (ECONNRESET), nobody handles the promise, and Node 20
ends the process on the unhandled rejection. Every later delivery finds the port closed until
someone restarts it (the gateway retries, warns after a day, disables after five)."""

from __future__ import annotations

import http.client
import socket
import time

from node_receiver_support import running_receiver


def test_a_body_that_breaks_off_does_not_bring_the_node_receiver_down() -> None:
    with running_receiver(GATEWAY_URL="http://127.0.0.1:9") as (server, port):
        with socket.create_connection(("127.0.0.1", port)) as peer:  # anyone, unsigned
            peer.sendall(
                b"POST /hooks/gateway HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789"
            )
            time.sleep(0.3)
        time.sleep(1.0)

        assert server.poll() is None, server.stderr.read() if server.stderr else ""
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("POST", "/hooks/gateway", b"{}", {"content-type": "application/json"})
        assert connection.getresponse().status == 401  # still there to refuse what is unsigned
