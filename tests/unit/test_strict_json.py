"""Signed JSON with a key twice in one object is refused with the path of that key; anything
else parses exactly as ``json.loads`` parses it, and the old protections still hold."""

from __future__ import annotations

import json
import tracemalloc
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway import strict_json
from gateway.intake.push import PushEnvelope
from gateway.strict_json import DuplicateKey
from gateway.validation import parse_json, parse_request
from gateway_client.contract.errors import MalformedJson


def duplicate_path(text: str) -> str:
    with pytest.raises(DuplicateKey) as caught:
        strict_json.loads(text)
    assert caught.value.code == "duplicate_key"
    return str(caught.value.context["path"])


def test_a_key_twice_at_the_top_is_named() -> None:
    assert duplicate_path('{"region": "441800", "batch_id": "b", "region": "441802"}') == "region"


def test_a_key_twice_in_an_entry_is_named_with_its_index() -> None:
    text = '{"entries": [{}, {}, {}, {"reason": "甲", "kind": "black", "reason": "乙"}]}'
    assert duplicate_path(text) == "entries.3.reason"


def test_a_key_twice_in_an_object_inside_an_entry_is_named_in_full() -> None:
    text = '{"entries": [{"responsible_persons": [{"name": "张某", "name": "李某"}]}]}'
    assert duplicate_path(text) == "entries.0.responsible_persons.0.name"


def test_a_key_twice_inside_a_top_level_array_is_named_from_its_index() -> None:
    assert duplicate_path('[1, {"a": 1}, {"b": 1, "b": 1}]') == "2.b"


def test_the_first_repeat_in_document_order_is_named() -> None:
    text = '{"a": {"x": 1, "x": 2}, "b": 0, "b": 1}'
    assert duplicate_path(text) == "b"  # the outer object's repeat comes before its children's
    assert duplicate_path('[{"x": 1, "x": 1}, {"y": 1, "y": 1}]') == "0.x"


def test_equal_values_under_a_repeated_key_are_still_refused() -> None:
    assert duplicate_path('{"kind": "black", "kind": "black"}') == "kind"


def test_keys_that_differ_only_by_escapes_are_the_same_key() -> None:
    assert duplicate_path('{"kind": 1, "\\u006bind": 2}') == "kind"


# --- property: the same value as json.loads, or the exact path of the one repeated key -------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=20,
)


@settings(max_examples=100, deadline=None)
@given(json_values)
def test_json_without_a_repeated_key_parses_as_json_loads_parses_it(value: Any) -> None:
    text = json.dumps(value, ensure_ascii=False)
    assert strict_json.loads(text) == json.loads(text)


@st.composite
def with_one_repeat(draw: st.DrawFn) -> tuple[str, str]:
    """JSON text with one object naming ``key`` twice, and that key's path (up to 8 levels deep,
    with up to 3 siblings a level: unbounded draws spent seconds generating, not testing)."""
    path: list[str | int] = draw(
        st.lists(
            st.one_of(st.integers(0, 3), st.text("abcdef", min_size=1, max_size=3)), max_size=8
        )
    )
    key = draw(st.text("xyz", min_size=1, max_size=2))
    node: Any = {"\x00here": 0}  # replaced below by key twice; no sibling is named key
    node.update(draw(st.dictionaries(st.text("pqr", max_size=2), json_values, max_size=2)))
    for part in reversed(path):
        if isinstance(part, int):
            node = [*draw(st.lists(json_values, min_size=part, max_size=part)), node]
        else:
            siblings = draw(st.dictionaries(st.text("pqr", max_size=2), json_values, max_size=3))
            node = {**siblings, part: node}
    text = json.dumps(node, ensure_ascii=False)
    pair = json.dumps({key: 1})[1:-1]
    return text.replace('"\\u0000here": 0', f"{pair}, {pair}"), ".".join(map(str, [*path, key]))


@settings(max_examples=100, deadline=None)
@given(with_one_repeat())
def test_a_repeated_key_anywhere_is_named_by_its_exact_path(case: tuple[str, str]) -> None:
    text, path = case
    assert duplicate_path(text) == path


# --- the body parser around it -----------------------------------------------------------------


def test_a_signed_body_with_a_repeated_key_is_a_duplicate_key_error_not_malformed_json() -> None:
    body = b'{"region": "441800", "entries": [{"kind": "black", "kind": "red"}]}'
    with pytest.raises(DuplicateKey) as caught:
        parse_json(body)
    assert caught.value.to_dict() == {
        "code": "duplicate_key",
        "message": "entries.0.kind: the key appears more than once in its object",
        "path": "entries.0.kind",
    }


def test_a_route_body_with_a_repeated_key_is_refused_before_its_schema() -> None:
    body = b'{"region": "441800", "region": "441802", "batch_id": "b"}'
    with pytest.raises(DuplicateKey) as caught:
        parse_request(PushEnvelope, body)
    assert caught.value.context["path"] == "region"


@pytest.mark.parametrize(
    "body",
    [b"\xff\xfe{}", b"[" * 100_000, b'{"a": 1', b"NaN garbage"],
    ids=["bad UTF-8", "deep nesting", "truncated", "not JSON"],
)
def test_what_was_malformed_json_still_is(body: bytes) -> None:
    with pytest.raises(MalformedJson):
        parse_json(body)


def test_a_deep_but_parsable_body_with_a_repeat_at_the_bottom_is_named() -> None:
    depth = 500
    text = '{"a": ' * depth + '{"k": 1, "k": 2}' + "}" * depth
    assert duplicate_path(text) == ".".join(["a"] * depth + ["k"])


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ('{"\\ud800": 1}', "(not a field name)"),
        ('{"entries": [{"a": 1}, {"a\\udfff": 1}]}', "entries.1.(not a field name)"),
    ],
)
def test_a_key_holding_a_lone_surrogate_is_malformed_json_at_its_object(
    text: str, path: str
) -> None:
    """Named by its object (review 385: at ``body``), the key itself no field name."""
    with pytest.raises(MalformedJson) as refused:
        parse_json(text.encode())

    assert refused.value.context["path"] == path


def test_a_lone_surrogate_key_twice_is_no_text_before_it_is_repeated() -> None:
    with pytest.raises(strict_json.NotText):
        strict_json.loads('{"\\ud800": 1, "\\ud800": 2}')


def test_a_wide_and_deep_body_is_walked_in_memory_linear_in_its_size() -> None:
    """Review 385: each node's path was a tuple of the whole path: 10⁵ values 400 deep held
    some 300 MB before the answer. Now one link a node."""
    depth, width = 400, 100_000
    text = '{"a": "\\ud83d\\ude00", "b": ' + "[" * depth + ",".join(["1"] * width)
    text += "]" * depth + ', "c": "\\ud800"}'
    tracemalloc.start()
    try:
        with pytest.raises(strict_json.NotText) as refused:
            strict_json.loads(text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert refused.value.context["path"] == "c"
    assert peak < 64 * 1024 * 1024, peak


def test_a_flat_body_is_walked_holding_one_path_at_a_time() -> None:
    """A million values beside a lone half: the walk holds no list of them all (some 100 MB
    more than the parsed value did, review 385)."""
    text = '{"a": [' + ",".join(["1"] * 1_000_000) + '], "c": "\\ud800"}'
    tracemalloc.start()
    try:
        with pytest.raises(strict_json.NotText):
            strict_json.loads(text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert peak < 40 * 1024 * 1024, peak


@pytest.mark.parametrize(
    "key", ["420281|19960702|0349", "420281\u200b199607020349", "a@b.c", "名字"]
)
def test_a_repeated_key_that_could_name_a_person_is_not_quoted(key: str) -> None:
    """Review 49: a number spelt with separators masking does not know (``|``, a zero-width
    space) was named in full; every key on the path is named as an unknown field is."""
    quoted = json.dumps(key, ensure_ascii=False)
    text = '{"entries": [{' + quoted + ': {"x": 1, "x": 2}}]}'
    assert duplicate_path(text) == "entries.0.(not a field name).x"


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_python_s_non_json_constants_are_no_json(constant: str) -> None:
    """``json.loads`` takes them; another reader of the signed bytes would not (review 113)."""
    with pytest.raises(ValueError, match=f"{constant} is not a JSON value"):
        strict_json.loads(f'{{"entries": [{{"amount": {constant}}}]}}')


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ('{"name": "\\ud800"}', "name"),
        ('{"entries": [{"reason": "ok"}, {"reason": "a\\udfffb"}]}', "entries.1.reason"),
        ('{"tags": ["x", "\\uDBFF"]}', "tags.1"),
        ('["\\ud83d"]', "0"),
        ('{"a": "\\ude00\\ud83d"}', "a"),  # the halves in the wrong order: two halves
    ],
)
def test_a_string_holding_half_a_surrogate_pair_is_refused_at_its_path(
    text: str, path: str
) -> None:
    """Review 384: refused at ``body`` before, the field unnamed."""
    with pytest.raises(strict_json.NotText) as refused:
        strict_json.loads(text)

    assert refused.value.context["path"] == path
    assert refused.value.code == "malformed_json"


@pytest.mark.parametrize(
    "text", ['{"a": "\\ud83d\\ude00"}', '{"a": "\\\\ud800"}', '["\\u00e9\\ud840\\udc00"]']
)
def test_a_whole_pair_or_an_escaped_backslash_is_text(text: str) -> None:
    assert strict_json.loads(text) == json.loads(text)


@settings(max_examples=100, deadline=None)
@given(json_values)
def test_json_written_ascii_only_parses_as_json_loads_parses_it(value: Any) -> None:
    """Astral characters written as escaped pairs: the walk they start finds nothing."""
    text = json.dumps(value)
    assert strict_json.loads(text) == json.loads(text)


_SURROGATE_OR_BACKSLASH = st.lists(  # halves, backslashes and text that reads like an escape
    st.sampled_from(["\\", "\\ud800", "\\udc00", "ud83d", "\ud800", "\udc00", "a", "\U0001f600"]),
    max_size=8,
).map("".join)


@settings(max_examples=400)
@given(_SURROGATE_OR_BACKSLASH)
def test_a_string_is_refused_exactly_when_it_holds_half_a_pair(text: str) -> None:
    """Whatever backslashes and escape-like text stand around it (review 387: an escaped
    backslash then ``ud800`` hid the lone low half after it), as JSON writes it."""
    body = json.dumps({"a": text})  # escaped: two halves side by side read as one pair
    read = json.loads(body)["a"]
    if any(0xD800 <= ord(c) <= 0xDFFF for c in read):
        with pytest.raises(strict_json.NotText):
            strict_json.loads(body)
    else:
        assert strict_json.loads(body) == {"a": read}
