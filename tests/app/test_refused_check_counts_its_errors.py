"""A bulk check folds each block's line errors into the upload as it goes (review 397), counted
as it goes: a check refused after a block (its key revoked meanwhile) listed that block's
refused lines in ``errors`` while ``rejected`` said 0 (review 401)."""

from __future__ import annotations

from typing import Any

import pytest
from app_support import HUNAN, Gateway
from test_bulk_check_rules_of_each_block import _checked, _companies, _revoking


def test_a_check_refused_after_a_block_counts_the_lines_it_lists(
    gateway: Gateway, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    hunan = gateway.register_platform(HUNAN)
    lines = [*_companies(5), {"not_a_code": 1}, *_companies(2500)[5:]]

    upload, blocks = _checked(
        gateway, aws, monkeypatch, (hunan, HUNAN), lines, _revoking(gateway, hunan)
    )

    assert blocks == 1
    assert upload.status.value == "refused", upload.status
    listed = {e.line for e in upload.errors}
    assert upload.rejected == len(listed), (upload.rejected, sorted(listed))
