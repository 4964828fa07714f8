"""JSON as the gateway reads it: an object that names a key twice is refused, with its path.

``json.loads`` silently keeps the last of two equal keys, while other parsers keep the first or
refuse. A signed body with ``"reason"`` twice could therefore mean one thing to the gateway and
another to whoever later reads the same archived bytes (an auditor, the platform's own tools),
so the signature would no longer pin down one meaning. Such a body is refused instead.

The check rides on the one parse the body gets anyway: a pairs hook builds each object and
marks the rare one that had a duplicate; only then is the parsed value walked to say where.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from gateway_client.contract import BadRequest, MalformedJson, quoted_field, shown_input

PATH_CHARS = 200
"""What a path quoted in an error keeps of its input at most."""


class DuplicateKey(BadRequest):
    """A JSON object names a key twice; ``path`` says where (``entries.3.reason``)."""

    code = "duplicate_key"


class NotText(MalformedJson):
    """A string holding half a UTF-16 surrogate pair (``"\\ud800"``: a client cutting text
    mid-pair): JSON lets it be written, but it is no text; ``path`` says where (review 384: the
    whole body was refused at ``body``)."""


_LONE_HALF = re.compile(  # a high half not followed by a low one, or a low one not after a high
    r"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F])"
    r"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F]"
    # or an escaped backslash then the text "ud8…", which the look-behind above takes for a
    # high half (``"\\ud800\udc00"`` hid its lone low half, review 387): the walk decides
    r"|\\\\u[dD][89abAB]"
)


class _Twice(dict[str, Any]):
    """An object that held ``key`` more than once (never leaves this module)."""

    key = ""


def loads(text: str) -> Any:
    """Parse JSON text like ``json.loads``.

    Raises
    ------
    DuplicateKey
        with ``path`` (``entries.3.reason``) of the first repeated key in document order.
    NotText
        with ``path`` of the first string holding half a surrogate pair.
    ValueError, RecursionError
        as ``json.loads`` does, for text that is not JSON (``NaN`` and ``Infinity`` too) or
        nests too deeply.
    """
    repeated = False

    def build(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal repeated
        built = dict(pairs)
        if len(built) == len(pairs):
            return built
        repeated = True
        marked = _Twice(built)
        marked.key = _repeated_key(pairs)
        return marked

    value = json.loads(text, object_pairs_hook=build, parse_constant=_no_constant)
    if _LONE_HALF.search(text) is not None:  # walked only then: an emoji's pair costs nothing
        half = next(((n, at) for n, at in _walk(value, keys=True) if _not_text(n)), None)
        if half is not None:
            joined = _joined(half[1]) or "body"  # a key's names its object, then "(not a …)"
            path = shown_input(joined, len(joined) + PATH_CHARS)
            raise NotText(f"{path}: half a UTF-16 surrogate pair is no text", path=path)
    if repeated:
        repeat = _first_repeat(value)
        path = shown_input(repeat, len(repeat) + PATH_CHARS)  # a key is input: masked, kept whole
        raise DuplicateKey(f"{path}: the key appears more than once in its object", path=path)
    return value


def _not_text(node: Any) -> bool:
    if not isinstance(node, str) or node.isascii():
        return False
    try:
        node.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _no_constant(name: str) -> Any:
    """``NaN``, ``Infinity`` and ``-Infinity``: Python's extension, no JSON (RFC 8259), and
    nothing another reader of the archived bytes would parse alike."""
    raise ValueError(f"{name} is not a JSON value")


def _repeated_key(pairs: list[tuple[str, Any]]) -> str:
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            return key
        seen.add(key)
    return ""


def _first_repeat(value: Any) -> str:
    """The path to the first marked object's repeated key."""
    # every key on the way is input: a name, or a placeholder (an ID number spelt with
    # separators masking does not know, ``|`` or a zero-width space: review 49)
    marked = ((node, at) for node, at in _walk(value) if isinstance(node, _Twice))
    node, at = next(marked, (None, None))
    return _joined((node.key, at)) if isinstance(node, _Twice) else ""  # always marked


_Link = tuple["str | int", "_Link"] | None
"""A path as its last part and the path of its parent: a node's costs one tuple, however deep
it sits (review 385: a tuple of the whole path per node held depth × width)."""


def _walk(value: Any, keys: bool = False) -> Iterator[tuple[Any, _Link]]:
    """Every node with its path, in document order, without recursion (the value may nest as
    deep as the parser allows) and holding no more than one path of them at a time; with
    ``keys``, each object's keys too, as nodes of their own."""
    yield value, None
    stack: list[tuple[Iterator[tuple[str | int, Any]], _Link]] = [(_children(value), None)]
    while stack:
        children, at = stack[-1]
        step = next(children, None)
        if step is None:
            stack.pop()
            continue
        part, child = step
        link: _Link = (part, at)
        if keys and isinstance(part, str):
            yield part, link
        yield child, link
        if isinstance(child, dict | list):
            stack.append((_children(child), link))


def _children(node: Any) -> Iterator[tuple[str | int, Any]]:
    if isinstance(node, dict):
        return iter(node.items())
    if isinstance(node, list):
        return enumerate(node)
    return iter(())


def _joined(at: _Link) -> str:
    parts: list[str] = []
    while at is not None:
        part, at = at
        parts.append(str(part) if isinstance(part, int) else quoted_field(part))
    return ".".join(reversed(parts))
