"""The texts besides a text itself whose reading forms the search for resident ID numbers
reads (``masking``): each as long as the text, characters replaced one for one, so a number
found in one is masked where it is written. A number is 18 digits with none beside it, and a
digit beside it that a reader reads apart is no part of it (review 364, 366):

- where digits are written more than one way (ASCII, full-width, circled, Chinese, an other
  script's), one text per way with every other way's digits as a letter: …0210①, ٤٢…٠ 一案;
- a numeral after a letter, before one, or both, as a letter: a numeral word (一案, 第一, 李四)
  beside a number in Chinese numerals;
- a letter O in a run of digits as a zero (二O二四), in the text and each of the above."""

from __future__ import annotations

import re
import unicodedata

from gateway_client.contract.reading import reading_form
from gateway_client.contract.reading_classes import READ_AS_DIGITS, X_LOOKS, ZERO_LOOKS

_LETTER = rf"[^\W\d_{READ_AS_DIGITS}Xx{X_LOOKS}{ZERO_LOOKS}]"
_NUMERAL_AFTER_A_LETTER = re.compile(rf"(?<={_LETTER})[{READ_AS_DIGITS}]")
_NUMERAL_BEFORE_A_LETTER = re.compile(rf"[{READ_AS_DIGITS}](?={_LETTER})")
_RUN = re.compile(rf"[\W\d{READ_AS_DIGITS}{ZERO_LOOKS}]+")
"""Digits, zero look-alikes and all else but letters (separators, marks): one run."""
_DIGIT = re.compile(rf"[\d{READ_AS_DIGITS}]")
_AS_ZERO = str.maketrans(dict.fromkeys(ZERO_LOOKS, "0"))


def search_texts(text: str) -> list[str]:
    """The texts (``text``'s length) whose reading forms are searched besides its own."""
    texts = [text.translate(apart) for apart in _ways_apart(text)]
    after = _NUMERAL_AFTER_A_LETTER.sub("Z", text)
    before = _NUMERAL_BEFORE_A_LETTER.sub("Z", text)
    both = _NUMERAL_BEFORE_A_LETTER.sub("Z", after)  # the number itself beside letters: text's
    texts += [after, before, both]
    texts += [_zeros(t) for t in (text, *texts)]  # O for zero in any of them (review 368)
    return [t for t in dict.fromkeys(texts) if t != text]


def _ways_apart(text: str) -> list[dict[int, str]]:
    ways: dict[str, list[str]] = {}
    for char in set(text):
        if _reads_as_digit(char):
            ways.setdefault(_way(char), []).append(char)
    if len(ways) < 2:
        return []
    return [
        {ord(c): "Z" for other, chars in ways.items() if other != way for c in chars}
        for way in ways
    ]


def _zeros(text: str) -> str:
    return _RUN.sub(_run_zeros, text)


def _run_zeros(run: re.Match[str]) -> str:
    written = run.group()
    return written.translate(_AS_ZERO) if _DIGIT.search(written) else written


def _reads_as_digit(char: str) -> bool:
    return any("0" <= c <= "9" for c in reading_form(char))


def _way(char: str) -> str:
    """How a digit is written: its name without the digit's word, CJK for Chinese numerals and
    the circles written as their zero."""
    name = unicodedata.name(char, "")
    if name.startswith("CJK") or char in "〇○◯":
        return "CJK"
    return " ".join(word for word in name.split(" ") if word not in _DIGIT_WORDS)


_DIGIT_WORDS = frozenset(
    ["ZERO", "ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE"]
)
"""A digit's name without them names its way: DIGIT, DIGIT FULL STOP (⒈), DIGIT COMMA (🄂),
FULLWIDTH DIGIT, CIRCLED DIGIT… (review 368: ⒈ was ASCII's way, beside an ASCII number)."""
