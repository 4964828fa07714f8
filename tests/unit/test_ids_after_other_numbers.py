"""A resident ID number in free text is found however it is written and whatever digits come
before it: the search tries each digit group, not each 18-digit candidate whole (review 135)."""

from __future__ import annotations

from builders import make_resident_id
from hypothesis import example, given, settings
from hypothesis import strategies as st

from gateway_client.contract import masking
from gateway_client.contract.masking import resident_id_in, resident_ids_masked

GROUPS = st.lists(st.text(alphabet="0123456789", min_size=1, max_size=8), max_size=4)


@settings(max_examples=200, deadline=None)
@given(before=GROUPS, separator=st.sampled_from([" ", "-", " - ", "/", "."]))
@example(before=["35330", "0", "19", "3702"], separator=" ")  # made a number with its 1st group
def test_an_id_in_groups_after_other_numbers_is_found_and_masked(
    before: list[str], separator: str
) -> None:
    person = make_resident_id("19491231", 2)
    written = separator.join([person[:6], person[6:14], person[14:]])
    text = "联系 " + " ".join(before) + (" " if before else "") + written + " 止"

    masked = resident_ids_masked(text)

    assert resident_id_in(text) is not None
    assert person[6:14] not in masked  # its birth date and sequence are shown nowhere


def test_text_longer_than_a_field_is_searched_a_candidate_at_a_time(monkeypatch) -> None:
    """Review 136: a candidate per digit over megabytes of spaced digits (a body's junk key,
    read before anything is authenticated) took 25 s; beyond twice the longest text field the
    search does not step back into a failed candidate."""
    asked: list[str] = []
    real = masking.classify

    def counted(code: str) -> object:
        asked.append(code)
        return real(code)

    monkeypatch.setattr(masking, "classify", counted)
    long = "3 " * 10_000  # 20,000 characters, 10,000 digits: one candidate per 18 of them

    masking.resident_ids_masked(long)
    masking.resident_ids_masked("3 " * 100)  # a field's length: every start tried

    # searched for 18 digits, then for a first-generation number's 15 (review 182)
    assert len(asked) == 10_000 // 18 + 10_000 // 15 + (100 - 17) + (100 - 14)
