"""What the CLI prints, made safe for a terminal. Errors, reports and tables quote text from
the network — a gateway's error message, a proxy's page, a subject's name, a listener's refusal
— and whoever answers at ``--url`` writes that text: an escape sequence in it would be obeyed
(a window title set, the screen cleared, a green "OK" drawn over a failure). Every control
character but a line break and a tab, and every bidirectional override, is shown as its escape
(``\\x1b``) instead; a progress line's own leading carriage return is kept."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO, cast

_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def plain(text: str) -> str:
    """``text`` with its control characters and bidirectional overrides written out."""
    return _CONTROLS.sub(lambda m: ascii(m.group())[1:-1], text)


class _PlainWriter:
    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        lead = "\r" if text.startswith("\r") else ""  # a progress bar redrawing its own line
        return self._stream.write(lead + plain(text[len(lead) :]))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextmanager
def plain_output() -> Iterator[None]:
    """``sys.stdout`` and ``sys.stderr`` written through ``plain`` while the block runs."""
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = cast(TextIO, _PlainWriter(out)), cast(TextIO, _PlainWriter(err))
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err
