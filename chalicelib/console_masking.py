"""What a console session (a browser) is shown of a reply built from text as stored: no
resident ID number in full, whoever's (README, *The console*). Text stored before input
refused such numbers — an upload named by an applicant's number, an old commitment's or
objection's words — is masked here on the routes that show it as stored (review 372)."""

from __future__ import annotations

from typing import Any

from chalice.app import Request

from chalicelib import caller
from gateway_client.contract import resident_ids_masked


def for_console(request: Request, body: Any) -> Any:
    """``body`` (JSON data) with every string's ID numbers masked for a console session; as it
    is for a signed request (its platform's own records, read by a program)."""
    return body if caller.console_session(request) is None else _masked(body)


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return resident_ids_masked(value)
    if isinstance(value, list):
        return [_masked(x) for x in value]
    if isinstance(value, dict):
        return {k: _masked(x) for k, x in value.items()}
    return value
