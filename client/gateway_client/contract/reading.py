"""The reading form of text: a number as a reader reads it, whatever its spelling, and where
each character of that form is written. ``masking`` searches text for resident ID numbers in
it: a number spelt in Chinese numerals, other scripts' digits or with a combining mark after
each digit reads as one to anyone, and was never found (review 362)."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from gateway_client.contract.model import CHINESE_NUMERALS

_READ_AS: dict[str, str] = {
    **dict(zip(CHINESE_NUMERALS, "00123456789122334566789", strict=True)),
    **dict.fromkeys("\u03a7\u03c7\u0425\u0445\u00d7", "X"),  # Greek Χ χ, Cyrillic Х х, ×
}
_UNREAD = frozenset({"Mn", "Me", "Cf"})  # marks and invisible formatting
_TABLE_LIMIT = 4096


class _ReadingTable(dict[int, "int | str | None"]):
    """``str.translate``'s table for the reading form, filled as characters come (every mark of
    every script would be thousands of code points) and emptied past ``_TABLE_LIMIT``, so text
    of every code point cannot grow it without bound."""

    def __missing__(self, point: int) -> int | str | None:
        if len(self) >= _TABLE_LIMIT:
            self.clear()
        char = chr(point)
        read: int | str | None = _READ_AS.get(char)
        if read is None and unicodedata.category(char) not in _UNREAD:
            digit = unicodedata.digit(char, None)
            read = point if digit is None or char.isascii() else str(digit)
        self[point] = read
        return read


_READING = _ReadingTable()


def reading_form(text: str) -> str:
    """``text`` as a reader reads a number in it: digits of any script, dingbat and Chinese
    numerals as ASCII digits, a Greek or Cyrillic X as X, combining marks and invisible
    characters gone, then NFKC (full-width forms, ①) — and marks NFKC makes gone too. A
    number spelt so was never found in text (review 362): 〇-九 digits, a mark after each."""
    read = unicodedata.normalize("NFKC", text.translate(_READING))
    return read if read.isascii() else read.translate(_READING)


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def written_spans(
    text: str, plain: str, read: Callable[[str], str]
) -> list[tuple[int, int]] | None:
    """For each character of ``plain``, ``text`` as ``read`` reads it, the span of ``text`` it
    comes from: a character with the combining marks after it. None where the text does not
    read so piece by piece (a composition across pieces)."""
    starts = [i for i, c in enumerate(text) if i == 0 or not unicodedata.combining(c)]
    spans: list[tuple[int, int]] = []
    for start, stop in zip(starts, [*starts[1:], len(text)], strict=True):
        spans += [(start, stop)] * len(read(text[start:stop]))
    if len(spans) != len(plain):
        return None
    pieces = (read(text[a:b]) for a, b in dict.fromkeys(spans))
    return spans if "".join(pieces) == plain else None
