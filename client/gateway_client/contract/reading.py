"""The reading form of text: a number as a reader reads it, whatever its spelling, and where
each character of that form is written. ``masking`` searches text for resident ID numbers in
it: a number spelt in Chinese numerals, other scripts' digits or with a combining mark after
each digit reads as one to anyone, and was never found (review 362)."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from gateway_client.contract.reading_classes import X_LOOKS

_READ_AS: dict[str, str | None] = {
    "\u25cb": "0",  # ○ for 〇, as in 二○二四年
    "\u25ef": "0",  # ◯
    **dict.fromkeys(X_LOOKS, "X"),
    "\u2800": " ",  # the braille blank: a space to a reader
    "\U0001d159": " ",  # the null notehead: blank likewise
    **dict.fromkeys("\u115f\u1160\u3164\uffa0", None),  # Hangul fillers: invisible (Lo)
}
"""What a reader reads where Unicode says otherwise: ○ as zero, a Greek, Cyrillic or drawn X
(``X_LOOKS``) as X, blanks as what they look like (reviews 364, 366)."""
_UNREAD = frozenset({"Mn", "Me", "Cf"})  # marks and invisible formatting
_TABLE_LIMIT = 65536


class _ReadingTable(dict[int, "int | str | None"]):
    """``str.translate``'s table for the reading form, filled as characters come (every mark of
    every script would be thousands of code points) and emptied past ``_TABLE_LIMIT``, so text
    of every code point cannot grow it without bound."""

    def __missing__(self, point: int) -> int | str | None:
        if len(self) >= _TABLE_LIMIT:
            self.clear()
        self[point] = read = _read(chr(point))
        return read


def _read(char: str) -> int | str | None:
    """One character as a reader reads it: a digit of any script, a Chinese, Suzhou or other
    numeral worth 0–9 as its ASCII digit (``unicodedata.numeric``: 一 壹 〡 ❶ Ⅳ); a mark or
    invisible character as nothing; else itself (its code point)."""
    if char in _READ_AS:
        return _READ_AS[char]
    if char.isascii():
        return ord(char)
    if unicodedata.category(char) in _UNREAD:
        return None
    value = unicodedata.numeric(char, None)
    if value is not None and value.is_integer() and 0 <= value <= 9:
        return str(int(value))
    return ord(char)


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
    text: str, plain: str, read: Callable[[str], str], upto: int
) -> list[tuple[int, int]] | None:
    """For the first ``upto`` characters of ``plain``, ``text`` as ``read`` reads it, the span
    of ``text`` each comes from: a character with the combining marks after it, joined with
    the last piece that reads as something while the two read otherwise together than apart
    (review 364: Hangul jamo, ｶﾞ, which NFKC composes, sent all the text to a fallback; review
    366: so did a character read as nothing between them). None where the pieces still do not
    read as the whole (a composition longer than ``_JOINED_UP_TO``)."""
    starts = [i for i, c in enumerate(text) if i == 0 or not unicodedata.combining(c)]
    pieces: list[tuple[int, int]] = []
    reads: list[str] = []
    last = -1  # the last piece that reads as something
    length = 0
    for start, stop in zip(starts, [*starts[1:], len(text)], strict=True):
        if length >= upto and text[start].isascii():
            break  # nothing ASCII joins a piece before it
        here = read(text[start:stop])
        if last >= 0 and not text[start].isascii() and stop - pieces[last][0] <= _JOINED_UP_TO:
            joined = read(text[pieces[last][0] : stop])
            if joined != "".join(reads[last:]) + here:
                length -= sum(map(len, reads[last:]))
                pieces[last:], reads[last:] = [(pieces[last][0], stop)], [joined]
                length += len(joined)
                continue
        if length >= upto:
            break  # the last piece read is whole (review 368: ｶﾞ at the end was cut apart)
        pieces.append((start, stop))
        reads.append(here)
        length += len(here)
        last = len(pieces) - 1 if here else last
    if not plain.startswith("".join(reads)) or length < upto:
        return None
    return [span for span, piece in zip(pieces, reads, strict=True) for _ in piece]


_JOINED_UP_TO = 32
"""The longest run of characters joined as one piece: a composition is a few characters long."""
