"""An item's size as DynamoDB counts it: what the exchange log's high-water warning measures."""

from __future__ import annotations

from chalicelib.dynamodb.item_size import item_size


def test_names_and_scalar_values_count_their_bytes() -> None:
    assert item_size({"pk": {"S": "listing#é"}}) == 2 + 10  # UTF-8
    assert item_size({"b": {"B": b"\x00" * 16}}) == 1 + 16
    assert item_size({"n": {"N": "12345"}}) == 1 + 4  # three bytes of digits, one more
    assert item_size({"n": {"N": "-0.0100"}}) == 1 + 2
    assert item_size({"ok": {"BOOL": True}}) == 2 + 1


def test_sets_maps_and_lists_count_their_members() -> None:
    assert item_size({"chg_a": {"SS": ["0123456789abcdef", "fedcba9876543210"]}}) == 5 + 32
    assert item_size({"s": {"NS": ["1", "100"]}}) == 1 + 2 + 2
    assert item_size({"m": {"M": {"k": {"S": "v"}}}}) == 1 + 3 + (1 + 1 + 1)
    assert item_size({"l": {"L": [{"S": "ab"}, {"N": "1"}]}}) == 1 + 3 + (2 + 1) + (2 + 1)
