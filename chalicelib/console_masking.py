"""What a console session (a browser) is shown of a reply built from text as stored: no
resident ID number in full, whoever's (README, *The console*). Text stored before input
refused such numbers — an upload named by an applicant's number, an old commitment's or
objection's words — is masked here on the routes that show it as stored (review 372); only in
the fields named, so a digest or a key that happens to hold a number's digits is shown as it
is (review 373)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from chalice.app import Request

from chalicelib import caller
from gateway_client.contract import resident_ids_masked

UPLOAD_TEXT = frozenset(
    {"upload_id", "object_key", "result_key", "report_key", "message", "key_id", "field"}
)
"""An upload's fields that name it as its platform did, or say what was wrong with a line (a
line error's field kept before fields were masked as they were written, the signing key's id
registered before ids were judged as text: review 394)."""
SUBSCRIPTION_TEXT = frozenset({"description"})
"""A subscription's field holding what its region wrote (stored before text refused numbers)."""
OVERDUE_TEXT = frozenset({"objection_id", "deciding_authority", "decision_number"})
"""An overdue list's fields holding what a platform wrote."""


def for_console(request: Request, body: Any, fields: Collection[str]) -> Any:
    """``body`` (JSON data) with the ID numbers in ``fields`` (at any depth) masked for a
    console session; as it is for a signed request (its platform's own records, read by a
    program)."""
    return body if caller.console_session(request) is None else _masked(body, fields)


def _masked(value: Any, fields: Collection[str], named: bool = False) -> Any:
    if isinstance(value, str):
        return resident_ids_masked(value) if named else value
    if isinstance(value, list):
        return [_masked(x, fields, named) for x in value]
    if isinstance(value, dict):
        return {k: _masked(x, fields, k in fields) for k, x in value.items()}
    return value
