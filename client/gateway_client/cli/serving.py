"""The CLI's long-running servers (`gateway listen`, `gateway witness serve`): say where they
listen, serve until stopped, and close the socket however they stop."""

from __future__ import annotations

import sys
from collections.abc import Callable
from http.server import HTTPServer


def serve_until_stopped(server: HTTPServer, banner: Callable[[str, int], str]) -> int:
    """Print ``banner(host, port)`` to stderr, then serve until interrupted."""
    host, port = server.server_address[:2]
    print(banner(str(host), int(port)), file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0
