"""What a failed delivery keeps of the endpoint's answer: an excerpt scrubbed of anything that
could be a resident ID number, in whatever encoding an endpoint echoes it (percent-escapes,
HTML references, base64, full-width). Apart from ``masking``, which reads text as a person
reads it, because here the text is a machine's answer and any run of digits is suspect."""

from __future__ import annotations

import base64
import html
import re
import unicodedata
import urllib.parse

EXCERPT_CHARS = 200
"""What a failed attempt keeps of the endpoint's answer (``scrub_excerpt``)."""

# Digits with spaces, dashes, underscores, pluses, dots, commas, slashes or colons between them
# are one run: "110105 1949-1231", "1101.0519.4912.3100.2X".
_DIGIT_RUN = re.compile(r"\d(?:[\s\-\u2010-\u2015\u2212_+.,/:]*\d)*[Xx]?")
_DECODING_ROUNDS = 8


def _decoded(text: str) -> str | None:
    """``text`` with percent-escapes, HTML character references and compatibility forms
    (full-width digits) undone, over and over (an echo may encode twice); None if it still
    changes after ``_DECODING_ROUNDS``."""
    for _ in range(_DECODING_ROUNDS):
        plain = unicodedata.normalize("NFKC", html.unescape(urllib.parse.unquote(text)))
        if plain == text:
            return text
        text = plain
    return None


_BASE64 = re.compile(r"[A-Za-z0-9+/_-]{16,}={0,2}")
_DIGITS_IN_IT = re.compile(r"\d(?:\D{0,3}\d){5}")


def _unbased(match: re.Match[str]) -> str:
    """A token that decodes (base64 or base64url) to text with six digits or more in it,
    masked whole: an answer echoing the body it refused in base64, as many frameworks report a
    payload (review 308). Tokens that decode to no text (hex ids, keys) stay."""
    token = match.group()
    padded = token.rstrip("=") + "=" * (-len(token.rstrip("=")) % 4)
    for decode in (base64.b64decode, base64.urlsafe_b64decode):
        try:
            text = decode(padded).decode()
        except (ValueError, UnicodeDecodeError):
            continue
        if _DIGITS_IN_IT.search(text):
            return "*" * len(token)
    return token


def _masked_run(match: re.Match[str]) -> str:
    run = match.group()
    compact = re.sub(r"[^\dXx]", "", run)
    if sum(c.isdigit() for c in compact) < 6:
        return run
    if re.fullmatch(r"[0-9]{17}[0-9Xx]", compact):
        return compact[:6] + "*" * 11 + compact[17].upper()  # as ``mask`` shows an ID
    return re.sub(r"[\dXx]", "*", run)


def scrub_excerpt(text: str) -> str:
    """What a failed attempt keeps of the endpoint's answer, which may echo the body it got
    (a person's ID number and name) in any encoding: the answer decoded (``_decoded``), a
    base64 token holding digits masked whole (``_unbased``), every run of six or more digits
    masked (an ID-shaped one as ``mask`` shows it), then cut to
    ``EXCERPT_CHARS`` — masked before the cut, so a run the cut goes through is masked whole.
    Text that will not decode has every digit masked instead. Names are not recognised here:
    successful answers are not kept at all, and the purge blanks what its listing's deliveries
    kept (``chalicelib.erasure``)."""
    plain = _decoded(text)
    if plain is not None:
        plain = _BASE64.sub(_unbased, plain)
    masked = re.sub(r"\d", "*", text) if plain is None else _DIGIT_RUN.sub(_masked_run, plain)
    return masked[:EXCERPT_CHARS]
