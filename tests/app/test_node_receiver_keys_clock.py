"""Review 336 (now read again when its age is outside [0, max)): the Node example trusted its copy
of GET /v1/keys for as long as the clock, once stepped back, takes to catch up: `Date.now() -
fetchedAt > KEYS_MAX_AGE_MS` is never true while the difference is negative. After an NTP step back
of an hour, a key the gateway withdrew (leaked) keeps verifying forgeries, and a key it added is
unknown (its genuine deliveries refused), for that hour and five minutes. `gateway listen` reads the
keys again when the clock went back (Listener._current_keys: `not 0 <= age < TTL`)."""

from __future__ import annotations

import http.client
import os
import subprocess
from pathlib import Path

import time_machine
from node_receiver_support import NODE, key_list, node_binary

DRIVER = """
import { createReceiver } from "%s";
const real = Date.now;
let offset = 0;
Date.now = () => real() + offset;  // the machine's clock, which NTP may step
const server = createReceiver({
  gatewayUrl: process.env.GATEWAY_URL, subscriptionId: "sub-hunan", region: "430000",
  onDelivery: () => {},
});
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
process.stdin.setEncoding("utf8");
process.stdin.on("data", (text) => {
  for (const line of text.split("\\n").filter(Boolean)) offset += Number(line);
  console.log("ok");
});
"""


def test_a_clock_stepped_back_does_not_freeze_the_node_receivers_copy_of_the_keys(
    tmp_path: Path,
) -> None:
    node = node_binary()
    fetches: list[str] = []
    with key_list(fetches) as gateway:
        driver = tmp_path / "driver.mjs"
        driver.write_text(DRIVER % (NODE / "receiver.mjs").as_uri())
        env = {
            "PATH": os.environ.get("PATH", ""),
            "GATEWAY_URL": gateway,
        }
        server = subprocess.Popen(  # noqa: S603 - the distribution's node on our own module
            [node, str(driver)],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

        offset_ms = 0

        def post() -> int:
            """A delivery signed by no listed key (none is), stamped by the receiver's clock: its
            keys are read (an unsigned or stale request is refused before that)."""
            real_now = (
                time_machine.escape_hatch.time.time()
            )  # the node process's clock, not the test's
            stamp = str(int(real_now + offset_ms / 1000))
            headers = {
                "content-type": "application/json",
                "webhook-id": "dlv_0",
                "webhook-timestamp": stamp,
                "webhook-signature": "v1a,AAAA",
            }
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("POST", "/hooks", b"{}", headers)
            return connection.getresponse().status

        def step(ms: int) -> None:
            nonlocal offset_ms
            offset_ms += ms
            assert server.stdin is not None
            assert server.stdout is not None
            server.stdin.write(f"{ms}\n")
            server.stdin.flush()
            assert server.stdout.readline().strip() == "ok"

        try:
            assert server.stdout is not None
            port = int(server.stdout.readline())
            assert post() == 401  # refused, after reading the keys once
            assert len(fetches) == 1
            step(-3_600_000)  # NTP steps the clock back an hour
            step(10 * 60_000)  # ten minutes go by: twice the list's max-age
            assert post() == 401
            assert len(fetches) == 2, "the keys were not read again ten minutes on"
        finally:
            server.kill()
            server.wait(timeout=10)
