"""The reading form of text: a number as a reader reads it, whatever its spelling, and where
each character of that form is written. ``masking`` searches text for resident ID numbers in
it: a number spelt in Chinese numerals, other scripts' digits or with a combining mark after
each digit reads as one to anyone, and was never found (review 362)."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

_READ_AS: dict[str, str | None] = {
    "\u25cb": "0",  # ○ for 〇, as in 二○二四年
    "\u25ef": "0",  # ◯
    **dict.fromkeys("\u03a7\u03c7\u0425\u0445\u00d7\u2715\u2716\u2573\u2a2f", "X"),
    "\u2800": " ",  # the braille blank: a space to a reader
    **dict.fromkeys("\u115f\u1160\u3164\uffa0", None),  # Hangul fillers: invisible (Lo)
}
"""What a reader reads where Unicode says otherwise: ○ as zero, a Greek, Cyrillic or drawn X
(Χ χ Х х × ✕ ✖ ╳ ⨯) as X, blanks as what they look like (review 364)."""
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


def spelling_forms(text: str) -> list[Callable[[str], str]]:
    """Where ``text`` writes digits more than one way (ASCII, full-width, circled, Chinese, an
    other script's), one reading form per way, with the digits of every other way read as a
    letter: a number beside a digit written otherwise (…0210①, ٤٢…٠ 一案) is 19 digits in the
    reading and NFKC forms alike, and was found in neither (review 364)."""
    ways: dict[str, list[str]] = {}
    for char in set(text):
        if _reads_as_digit(char):
            ways.setdefault(_way(char), []).append(char)
    if len(ways) < 2:
        return []
    return [
        _reading_apart(
            {ord(c): "Z" for other, chars in ways.items() if other != way for c in chars}
        )
        for way in ways
    ]


def _reading_apart(apart: dict[int, str]) -> Callable[[str], str]:
    return lambda text: reading_form(text.translate(apart))


def _reads_as_digit(char: str) -> bool:
    return any("0" <= c <= "9" for c in reading_form(char))


def _way(char: str) -> str:
    """How a digit is written: its name's first word (DIGIT, FULLWIDTH, CIRCLED, ARABIC-INDIC,
    KANGXI…), CJK for Chinese numerals and the circles written as their zero."""
    name = unicodedata.name(char, "")
    return "CJK" if name.startswith("CJK") or char in "〇○◯" else name.split(" ", 1)[0]


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def written_spans(
    text: str, plain: str, read: Callable[[str], str]
) -> list[tuple[int, int]] | None:
    """For each character of ``plain``, ``text`` as ``read`` reads it, the span of ``text`` it
    comes from: a character with the combining marks after it, joined with the next while
    the two read otherwise together than apart (review 364: Hangul jamo, ｶﾞ, which NFKC
    composes, sent all the text to a fallback). None where the pieces still do not read as the
    whole (a composition longer than ``_JOINED_UP_TO``)."""
    starts = [i for i, c in enumerate(text) if i == 0 or not unicodedata.combining(c)]
    pieces: list[tuple[int, int]] = []
    for start, stop in zip(starts, [*starts[1:], len(text)], strict=True):
        if pieces and stop - pieces[-1][0] <= _JOINED_UP_TO:
            before = pieces[-1][0]
            if read(text[before:stop]) != read(text[before:start]) + read(text[start:stop]):
                pieces[-1] = (before, stop)
                continue
        pieces.append((start, stop))
    spans: list[tuple[int, int]] = []
    read_pieces = []
    for start, stop in pieces:
        read_piece = read(text[start:stop])
        read_pieces.append(read_piece)
        spans += [(start, stop)] * len(read_piece)
    return spans if "".join(read_pieces) == plain else None


_JOINED_UP_TO = 32
"""The longest run of characters joined as one piece: a composition is a few characters long."""
