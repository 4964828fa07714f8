"""A line refused keeps its first ``LINE_ERRORS`` problems, not every one: a line of 256 KiB of
unknown keys made 30,000 errors, kept while its block was counted (19 MB a line), and sixty
such lines took the ingest function past its memory at every retry, the upload stuck and its
other lines never stored (review 397). Which lines are set aside is worked out in one pass."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from gateway.intake.bulk import LINE_ERRORS, LineError, parse_line
from gateway.intake.bulk_batches import SET_ASIDE, set_aside
from gateway_client.contract import Line


def _line(fields: dict[str, object], number: int = 1) -> Line:
    text = json.dumps(fields).encode()
    return Line(number, len(text) + 1, text)


def test_a_line_of_many_unknown_keys_keeps_its_first_problems() -> None:
    keys = {f"k{i:05d}": 0 for i in range(5000)}

    errors = parse_line(_line(keys), None)

    assert isinstance(errors, list)
    assert len(errors) == LINE_ERRORS
    assert [e.line for e in errors] == [1] * LINE_ERRORS


CODES = st.sampled_from([*sorted(SET_ASIDE), "unknown_field", "missing"])


@given(st.lists(st.tuples(st.integers(1, 6), CODES), max_size=40))
def test_the_lines_set_aside_are_those_whose_every_error_sets_aside(
    found: list[tuple[int, str]],
) -> None:
    errors = [LineError(line=n, field="f", code=code, message="m") for n, code in found]

    expected = {n for n, _ in found if all(code in SET_ASIDE for m, code in found if m == n)}
    assert set_aside(errors) == expected
