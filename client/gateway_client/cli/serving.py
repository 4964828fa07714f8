"""The CLI's long-running servers (`gateway listen`, `gateway witness serve`): say where they
listen, serve until stopped, and close the socket however they stop."""

from __future__ import annotations

import sys
from collections.abc import Callable
from http.server import HTTPServer

from gateway_client.cli.errors import CliError


def serve_until_stopped(
    start: Callable[[str, int], HTTPServer],
    address: tuple[str, int],
    banner: Callable[[str, int], str],
) -> int:
    """Bind ``start(*address)``, print ``banner(host, port)`` to stderr, then serve until
    interrupted. A port that cannot be bound is named: the generic error line blamed the
    gateway's URL for it (review 242)."""
    try:
        server = start(*address)
    except OSError as exc:
        where = f"{address[0]}:{address[1]}"
        raise CliError(f"cannot listen on {where}: {exc.strerror or exc}") from exc
    host, port = server.server_address[:2]
    print(banner(str(host), int(port)), file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0
