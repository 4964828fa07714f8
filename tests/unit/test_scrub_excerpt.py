"""A failed attempt's stored excerpt (``scrub_excerpt``): whatever encoding an endpoint echoes a
resident ID number in — plain, percent-encoded (partly, wholly, twice), HTML references,
full-width, split into groups by spaces, dashes, dots or commas, a lower-case check character —
none of the digits the masked view hides survives, however the kept text is decoded again."""

from __future__ import annotations

import base64
import json
import re
import unicodedata
import urllib.parse

from hypothesis import given
from hypothesis import strategies as st

from gateway_client.contract.excerpts import EXCERPT_CHARS, scrub_excerpt

RESIDENT_IDS = ("11010519491231002X", "110108198506150478", "440301199001011234")
JOINERS = (" ", "-", "  ", " - ", "\u3000", "\u2014", "_", ".", "/", ", ")


def _percent(text: str, chars: set[int]) -> str:
    return "".join(f"%{ord(c):02X}" if i in chars else c for i, c in enumerate(text))


@st.composite
def written(draw: st.DrawFn, code: str) -> str:
    """``code`` as an endpoint might echo it back."""
    if draw(st.booleans()):
        code = code.lower()
    cuts = sorted(draw(st.sets(st.integers(1, 17), max_size=4)))
    joiner = draw(st.sampled_from(JOINERS))
    text = joiner.join(code[a:b] for a, b in zip([0, *cuts], [*cuts, 18], strict=True))
    form = draw(st.sampled_from(["plain", "full-width", "html", "percent", "twice", "json"]))
    if form == "full-width":
        return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in text)
    if form == "html":
        return "".join(f"&#{ord(c)};" if c.isdigit() else c for c in text)
    if form == "json":
        return urllib.parse.quote(f'{{"id": "{text}"}}')
    chosen = draw(st.sets(st.integers(0, len(text) - 1)))
    once = _percent(text, chosen if form == "percent" else set(range(len(text))))
    return once if form == "percent" else urllib.parse.quote(once)


def _readings(text: str) -> list[str]:
    """``text`` as a reader might decode it: as it is, percent-decoded once and repeatedly,
    NFKC-normalised; each also with every separator between digits removed."""
    readings = [text]
    for _ in range(3):
        readings.append(urllib.parse.unquote(readings[-1]))
    readings += [unicodedata.normalize("NFKC", r) for r in readings]
    return readings + [re.sub(r"[^0-9A-Za-z%&#;*]", "", r) for r in readings]


@given(
    code=st.sampled_from(RESIDENT_IDS),
    data=st.data(),
    before=st.text(alphabet=st.characters(exclude_categories=["Nd", "Cs"]), max_size=40),
    after=st.text(alphabet=st.characters(exclude_categories=["Nd", "Cs"]), max_size=40),
)
def test_no_encoding_of_an_id_number_survives(
    code: str, data: st.DataObject, before: str, after: str
) -> None:
    scrubbed = scrub_excerpt(before + data.draw(written(code)) + after)

    for reading in _readings(scrubbed):
        assert code[6:14] not in reading  # the birth date
        assert code[10:17] not in reading  # its day and sequence number
    assert len(scrubbed) <= EXCERPT_CHARS


@given(digits=st.text(alphabet="0123456789", min_size=6, max_size=30))
def test_every_run_of_six_digits_or_more_is_masked(digits: str) -> None:
    scrubbed = scrub_excerpt(f"refused: {digits} unknown")

    assert not re.search(r"[0-9]{6}", scrubbed) or re.fullmatch(
        r"refused: [0-9]{6}\*{11}[0-9X] unknown", scrubbed
    )  # an ID-shaped run shows only what the masked view shows


def test_an_answer_without_long_numbers_is_kept_as_it_is() -> None:
    answer = "HTTP 503: 维护中, retry in 30 s (host 10.0.0.1, id 12345)"

    assert scrub_excerpt(answer) == answer


def test_an_id_echoed_url_encoded_or_spaced_is_masked_as_the_masked_view_shows_it() -> None:
    echoed = (
        "accepted " + urllib.parse.quote('{"id": "11010519491231002X"}') + " 110105 19491231 002x"
    )

    assert scrub_excerpt(echoed) == ('accepted {"id": "110105***********X"} 110105***********X')


def test_text_that_keeps_decoding_loses_every_digit() -> None:
    nested = _percent(RESIDENT_IDS[0], set(range(18)))
    for _ in range(10):
        nested = urllib.parse.quote(nested)

    assert not re.search(r"[0-9]", scrub_excerpt(nested))


@given(code=st.sampled_from(RESIDENT_IDS), urlsafe=st.booleans(), padded=st.booleans())
def test_an_id_echoed_in_base64_does_not_survive(code: str, urlsafe: bool, padded: bool) -> None:
    """Many frameworks report a payload they refused base64-encoded (review 308)."""
    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    token = encode(json.dumps({"id": code, "name": "张某某"}).encode()).decode()
    scrubbed = scrub_excerpt(f"rejected payload {token if padded else token.rstrip('=')}")

    for candidate in re.findall(r"[A-Za-z0-9+/_=-]{8,}", scrubbed):
        decoded = base64.b64decode(candidate + "=" * (-len(candidate) % 4), altchars=b"-_")
        assert code[6:14].encode() not in decoded


def test_a_hex_id_in_an_answer_is_kept() -> None:
    answer = "upstream error, request ab12cd34ef56ab78cd90ef12ab34cd56"

    assert scrub_excerpt(answer) == answer
