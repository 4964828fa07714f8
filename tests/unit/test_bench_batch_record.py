"""A delivered batch's record, as the bench sizes it on moto (bench/batch_record.py): one item
for the whole file that stays well under DynamoDB's 400 KB item limit at the most lines a file
may hold, and costs a line far less than the 0.77 write units that a national resync in 600 s
allows (31 million lines against 40,000 write units a second)."""

from __future__ import annotations

from bench.batch_record import batch_record_sizes
from gateway.delivery.batching import MAX_LINES

ITEM_LIMIT = 400 * 1024


def test_a_file_at_the_most_lines_is_one_item_under_the_item_limit() -> None:
    sizes = batch_record_sizes(MAX_LINES)
    assert sizes["item_bytes"] < ITEM_LIMIT / 2
    assert set(sizes["index_entry_bytes"]) == {"by_subscription_shard", "by_batch_range"}


def test_a_line_costs_a_fraction_of_a_write_unit() -> None:
    sizes = batch_record_sizes(500)
    assert sizes["wru_per_line"] < 0.77 / 2
    assert sizes["item_bytes_per_line"] < 250
