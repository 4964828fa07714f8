"""The contract names what ``POST /v1/tick`` answers on AWS while a tick is already running: 409
``conflict`` (the lifecycle function's reserved concurrency refuses a second run,
``chalicelib/tick_function``), beside a platform's replayed request."""

from __future__ import annotations

import json

from chalicelib.openapi import build_document


def test_the_tick_documents_409_conflict_for_a_tick_already_running() -> None:
    tick = build_document()["paths"]["/v1/tick"]["post"]

    said = json.dumps(tick["responses"]["409"])

    assert '"conflict"' in said
    assert '"request_replayed"' in said
