"""A subscription's webhook URL: refused unless the gateway may call it (SSRF), or when it
holds a resident ID number; quoted back masked when refused."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote, unquote, unquote_plus, urlsplit, urlunsplit

from gateway.delivery.addresses import parse_address, refusal
from gateway_client.contract import (
    InvalidWebhookUrl,
    invisible_dropped,
    resident_ids_masked,
    shown_input,
)

_URI_CHARACTERS = ":/?#[]@!$&'()*+,;=%~"
"""What RFC 3986 lets a URI hold besides letters, digits and ``-._``: kept as they are when an
IRI's other characters are percent-encoded for the refusal's hint."""


def _as_uri(iri: str) -> str:
    """The URI an IRI stands for (RFC 3987): its host name in IDNA form, the rest
    percent-encoded — the refusal's hint, itself a URL the gateway accepts (review 239: a host
    percent-encoded was refused in turn)."""
    try:
        parts = urlsplit(iri)
        host = (parts.hostname or "").encode("idna").decode("ascii")
        port = f":{parts.port}" if parts.port is not None else ""
    except (UnicodeError, ValueError):  # no URL, a name IDNA cannot spell, a port that is none
        return quote(iri, safe=_URI_CHARACTERS)
    if ":" in host:
        host = f"[{host}]"
    path, query, fragment = (quote(x, safe=_URI_CHARACTERS) for x in parts[2:])
    return urlunsplit((parts.scheme, host + port, path, query, fragment))


def check_webhook_url(url: str, *, allow_loopback_http: bool) -> str:
    """Refuse URLs a gateway should never call (SSRF).

    Production needs https to a public host name or a public IP literal; local mode may also
    call loopback over http. Numeric host spellings the resolver would still accept
    (``127.1``, ``2130706433``, ``0x7f000001``) are refused outright.

    Raises
    ------
    InvalidWebhookUrl
    """
    if not url.isprintable() or any(c.isspace() for c in url):
        raise InvalidWebhookUrl(
            "the webhook URL holds a space, control or invisible character", path="url"
        )
    held = _holding_resident_id(url)
    if held is not None:
        # stored and shown to the region, the operator and console sessions, and a host label
        # goes to resolvers: an ID number sits there as in any text (review 317); judged before
        # any refusal that quotes the URL (review 320), and quoted as read, masked
        raise InvalidWebhookUrl(
            f"the webhook URL holds a resident ID number: {_quoted(held)}", path="url"
        )
    if not url.isascii():  # an IRI: HTTP sends none of it (review 238: accepted, never reached)
        raise InvalidWebhookUrl(  # quoted masked: a refusal repeats no person (review 263)
            f"the webhook URL must be ASCII: send it as {_quoted(_as_uri(url))}", path="url"
        )
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".").lower()
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError as exc:
        raise InvalidWebhookUrl(
            f"the webhook URL cannot be parsed: {_quoted(str(exc))}", path="url"
        ) from exc
    if parts.port == 0:
        raise InvalidWebhookUrl("the webhook URL's port is 1–65535", path="url")
    if parts.scheme not in {"https", "http"} or not host:
        raise InvalidWebhookUrl("the webhook URL must be an absolute http(s) URL", path="url")
    if parts.username or parts.password:
        raise InvalidWebhookUrl("the webhook URL must not carry credentials", path="url")
    address = parse_address(host)
    hostport = parts.netloc.rpartition("@")[2]
    if ("[" in hostport or "]" in hostport) and not (
        _BRACKETED.fullmatch(hostport) and address is not None and address.version == 6
    ):
        # urlsplit strips the brackets of any literal and drops what surrounds them: [v1.fe]
        # read as the name v1.fe, name[::1] as ::1, neither what a client would call; a zone
        # id names an interface of the gateway's own host (reviews 263, 264)
        raise InvalidWebhookUrl(
            "a bracketed host must be an IPv6 address alone, with no zone id", path="url"
        )

    if address is None and (len(host) > _HOST_NAME_MOST or not _HOST_NAME.fullmatch(host)):
        raise InvalidWebhookUrl(
            f"{_quoted(host)!r} is not a host name or a canonical IP", path="url"
        )
    loopback = (
        host == "localhost" or host.endswith(".localhost") or bool(address and address.is_loopback)
    )
    if loopback and allow_loopback_http:
        return url
    if parts.scheme != "https":
        raise InvalidWebhookUrl("webhook URLs must use https", path="url")
    if loopback:
        raise InvalidWebhookUrl("webhook URLs must not target non-public addresses", path="url")
    why = refusal(address) if address is not None else None
    if why is not None:
        raise InvalidWebhookUrl(
            f"webhook URLs must not target non-public addresses: {_quoted(why)}", path="url"
        )
    return url


def _holding_resident_id(url: str) -> str | None:
    """The URL as its receiver reads it, if it holds a resident ID number: percent-decoded, a
    query's ``+`` read as a space or not, invisible characters dropped (review 320:
    ``4202811995+03150210``, or one split by an encoded U+200B, passed; review 323: U+034F and
    the Hangul fillers too), judged whole — split at its delimiters, ``/cb/420281/19950315/0210``
    passed (review 325) — but for an IP literal host, whose digits joined a dated path into a
    first-generation number (``150.220.56.112/2025``: review 323)."""
    for decoded in (unquote(url), unquote_plus(url)):
        seen = invisible_dropped("".join(c for c in decoded if unicodedata.category(c) != "Cf"))
        judged = _ip_host_left_out(seen)
        if resident_ids_masked(judged) != judged:
            return judged  # quoted as judged: the host's digits joined the number's (review 327)
    return None


def _ip_host_left_out(url: str) -> str:
    try:
        host = urlsplit(url).hostname
    except ValueError:  # judged whole
        return url
    if host is None or parse_address(host) is None:
        return url
    return url.replace(host, "ip", 1)


def _quoted(text: str) -> str:
    """Part of a refused URL as a refusal quotes it: any resident ID number in it masked."""
    return shown_input(text, _QUOTED_CHARS)


_QUOTED_CHARS = 300
_BRACKETED = re.compile(r"\[[0-9A-Fa-f:.]+\](?::[0-9]*)?")
_HOST_NAME_MOST = 253  # DNS: a name resolves only within 253 characters (RFC 1035 §2.3.4)
# Labels of letters, digits and hyphens, and a top-level label that is not all digits.
_HOST_NAME = re.compile(
    r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$"
)
