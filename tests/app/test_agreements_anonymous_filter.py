"""Review 351: GET /v1/agreements is anonymous (Access.ANONYMOUS). Review 349 made a filter by
an unregistered national source code 400, so an anonymous caller now tells which 1000NN codes
are registered (400 vs 200 []): the registry an anonymous caller may not read
(``caller.jurisdiction_param``: "an anonymous caller, who may not read the registry";
``stats_api``: "no registry oracle")."""

from __future__ import annotations

import json

from app_support import Gateway

COURT, OTHER = "100001", "100002"
SOURCE = {"name": "最高人民法院", "kind": "national_source", "domains": ["court_defaulter"]}


def test_an_anonymous_caller_cannot_tell_a_registered_source_from_an_unregistered_one(
    gateway: Gateway,
) -> None:
    raw = json.dumps(SOURCE, ensure_ascii=False).encode()
    made = gateway.client.http.put(f"/v1/regions/{COURT}", headers=gateway.operator(), body=raw)
    assert made.status_code == 200, made.json_body

    registered = gateway.client.http.get(f"/v1/agreements?subscriber={COURT}")
    unregistered = gateway.client.http.get(f"/v1/agreements?subscriber={OTHER}")

    # no agreement names either: an anonymous answer must not depend on the registry
    assert registered.status_code == unregistered.status_code, (
        registered.status_code,
        registered.json_body,
        unregistered.status_code,
        unregistered.json_body,
    )
