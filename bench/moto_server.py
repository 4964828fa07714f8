"""moto as a process of its own, so that the bench process's memory is the gateway's alone.

``python -m bench.moto_server`` prints ``PORT <n>`` once it listens on 127.0.0.1 and serves until
its standard input closes (so it never outlives the bench that started it). The local stack's
TransactWriteItems speed-up (``infra.local.moto_speedup``) is installed here, where moto runs,
exactly as ``LocalStack`` installs it in-process.
"""

from __future__ import annotations

import logging
import sys

from moto.server import ThreadedMotoServer

from infra.local import moto_speedup


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    moto_speedup.install()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    _, port = server.get_host_and_port()
    print(f"PORT {port}", flush=True)
    try:
        sys.stdin.read()  # returns when the parent closes the pipe or exits
    finally:
        server.stop()


if __name__ == "__main__":
    main()
