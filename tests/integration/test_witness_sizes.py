"""What each witness last cosigned: moved forward only, and read for all witnesses at once."""

from __future__ import annotations

import pytest

from chalicelib.dynamodb.witness_sizes import DynamoWitnessSizes


@pytest.fixture
def sizes(aws) -> DynamoWitnessSizes:  # type: ignore[no-untyped-def]
    return DynamoWitnessSizes(aws.dynamodb, aws.env["CG_EXCHANGE_LOG_TABLE"])


def test_a_size_moves_forward_from_the_size_read_only(sizes) -> None:  # type: ignore[no-untyped-def]
    assert sizes.advance("hubei", 0, 10)
    assert not sizes.advance("hubei", 0, 12)  # another tick moved it first
    assert sizes.advance("hubei", 10, 12)

    assert sizes.size("hubei") == 12


def test_all_witnesses_sizes_are_read_in_their_order_past_one_request(sizes) -> None:  # type: ignore[no-untyped-def]
    names = [f"w{i:03d}" for i in range(150)]  # BatchGetItem takes 100 keys
    for i, name in enumerate(names):
        if i % 3:
            assert sizes.advance(name, 0, i)

    asked = [*reversed(names), "never-asked", names[7]]

    assert sizes.sizes(asked) == [sizes.size(name) for name in asked]
    assert sizes.sizes(asked)[:3] == [149, 148, 0]  # 147 was never cosigned
    assert sizes.sizes(asked)[-2:] == [0, 7]
    assert sizes.sizes([]) == []
