"""`make dev` (`gateway dev`): the local stack in the foreground prints where the console is,
and the address it prints serves the console page."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gateway_client.push_client import http_request

pytestmark = pytest.mark.e2e


def _as_from_a_terminal() -> None:
    """Ctrl-C reaches a command started from a terminal. A suite started in the background of a
    shell without job control has SIGINT ignored, which its children would inherit."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_gateway_dev_prints_the_console_address_and_it_serves_the_page() -> None:
    command = [str(Path(sys.executable).with_name("gateway")), "dev"]
    dev = subprocess.Popen(  # noqa: S603 - our own command
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        preexec_fn=_as_from_a_terminal,
    )
    try:
        assert dev.stdout is not None
        printed: list[str] = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not any("GATEWAY_URL=" in x for x in printed):
            line = dev.stdout.readline()
            assert line, "gateway dev stopped:\n" + "".join(printed)
            printed.append(line)
        found = re.search(r"console:\s+(\S+/console)\b", "".join(printed))
        assert found, "".join(printed)
        page = http_request("GET", found.group(1), None, {})
        assert page.status == 200
    finally:
        dev.send_signal(signal.SIGINT)
        dev.wait(timeout=30)
