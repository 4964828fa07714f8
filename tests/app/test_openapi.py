"""The published contract: a valid OpenAPI 3.1 document that describes every route of the app.

The live behaviour is held to it by ``tests/e2e/test_api_contract.py``; here the document itself
is checked, and the route declarations against ``app.app.routes``: each route is declared once,
registered as declared and documented as declared.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import json
from collections import Counter
from pathlib import Path
from typing import Any

from app_support import Gateway
from openapi_spec_validator import OpenAPIV31SpecValidator

import app as gateway_app
from chalicelib import openapi
from chalicelib.console_api import accepts_session
from chalicelib.openapi_parts import SECURITY, SIGNED
from chalicelib.reevaluations import REPORTED
from chalicelib.tick_api import TickResult
from gateway.lifecycle.service import TickReport

WHERE = "the ROUTES of the module whose handler answers it"
ROOT = Path(__file__).resolve().parents[2]


def document() -> dict[str, Any]:
    return openapi.build_document()


def test_the_document_is_valid_openapi_3_1() -> None:
    spec = document()
    assert spec["openapi"].startswith("3.1.")
    errors = [str(e).splitlines()[0] for e in OpenAPIV31SpecValidator(spec).iter_errors()]
    assert not errors, "\n".join(errors[:20])


def test_every_route_of_the_app_is_described() -> None:
    described = {(op.method, op.path) for op in openapi.OPERATIONS}
    routes = {(m, path) for path, entries in gateway_app.app.routes.items() for m in entries}
    missing = sorted(routes - described)
    assert not missing, (
        "routes of the app with no operation in the API contract: "
        + ", ".join(f"{m} {p}" for m, p in missing)
        + f"; add an Operation (who may call it, body and reply models, errors) to {WHERE}"
    )
    stale = sorted(described - routes)
    assert not stale, (
        f"operations in {WHERE} with no route in the app: "
        + ", ".join(f"{m} {p}" for m, p in stale)
        + "; remove them, or fix their method / path"
    )


def test_each_operation_is_named_after_its_view_function() -> None:
    """Operation ids are the view functions' names, so a reader finds the code from the doc."""
    wrong = [
        f"{op.method} {op.path}: {op.operation_id} != {entry.view_name}"
        for op in openapi.OPERATIONS
        if (entry := gateway_app.app.routes.get(op.path, {}).get(op.method)) is not None
        and entry.view_name != op.operation_id
    ]
    assert not wrong, f"fix operation_id in {WHERE}: " + "; ".join(wrong)


def test_each_registered_route_is_documented_exactly_as_declared() -> None:
    """One declaration per route, one route per declaration, and the document says of each
    what the app does: its method and path, its parameters, its security, its view function."""
    declared = Counter((op.method, op.path) for op in openapi.OPERATIONS)
    assert not [key for key, n in declared.items() if n > 1], "a route is declared twice"
    registered = {
        (method, path): entry
        for path, entries in gateway_app.app.routes.items()
        for method, entry in entries.items()
    }
    assert set(registered) == set(declared)
    paths = document()["paths"]
    assert {(m.upper(), p) for p, ms in paths.items() for m in ms} == set(declared)
    for op in openapi.OPERATIONS:
        entry = registered[op.method, op.path]
        documented = paths[op.path][op.method.lower()]
        params = [(p["in"], p["name"]) for p in documented.get("parameters", [])]
        handler_args = list(inspect.signature(op.handler).parameters)[1:]  # after the request
        assert entry.view_name == documented["operationId"] == op.operation_id
        assert params == [("path", a) for a in entry.view_args] + [
            ("query", q.name) for q in op.query
        ], op.operation_id
        assert handler_args == entry.view_args, op.operation_id
        session = [{"consoleSession": []}] if accepts_session(op) and SECURITY[op.access] else []
        assert documented["security"] == SECURITY[op.access] + session, op.operation_id
        assert entry.authorizer is None  # locally; test_operator_iam checks the AWS build


def test_no_route_is_declared_on_the_app_but_through_the_declarations() -> None:
    """``.route(`` appears once in the app's code: in ``routing.register``."""
    calls = []
    for source in [ROOT / "app.py", *sorted((ROOT / "chalicelib").rglob("*.py"))]:
        tree = ast.parse(source.read_text(encoding="utf-8"))
        functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "route":
                inside = [f.name for f in functions if node in ast.walk(f)]
                calls.append((source.relative_to(ROOT).as_posix(), inside))
    assert calls == [("chalicelib/routing.py", ["register"])]


def test_every_operation_documents_its_refusals_in_the_error_shape() -> None:
    spec = document()
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            responses = op["responses"]
            assert any(s.startswith("2") for s in responses), (method, path)
            for status, response in responses.items():
                if status.startswith("4"):
                    schema = response["content"]["application/json"]["schema"]
                    assert schema["allOf"][0] == {"$ref": "#/components/schemas/ErrorBody"}
                    codes = schema["allOf"][1]["properties"]["error"]["properties"]["code"]
                    assert codes["enum"], (method, path, status)
            if "requestBody" in op:
                assert "malformed_json" in json.dumps(responses["400"]), (method, path)


def test_auth_follows_who_may_call_the_route() -> None:
    spec = document()
    push = spec["paths"]["/v1/pushes"]["post"]
    assert push["security"] == [SIGNED]
    assert {"401", "403", "409", "413"} <= set(push["responses"])
    tick = spec["paths"]["/v1/tick"]["post"]
    assert tick["security"] == [{"operatorToken": []}]
    assert "operator_credentials_required" in json.dumps(tick["responses"]["401"])
    assert "operator_only" in json.dumps(tick["responses"]["403"])
    served = spec["paths"]["/v1/openapi.json"]["get"]
    assert served["security"] == []
    # 400: a body it takes none of; 413: one past what a function takes; 415: one in a
    # content coding
    assert set(served["responses"]) == {"200", "400", "413", "415"}
    assert "unsupported_media_type" in json.dumps(push["responses"]["415"])
    schemes = spec["components"]["securitySchemes"]
    assert {s["name"] for s in schemes.values() if s["type"] == "apiKey"} == {
        "webhook-id",
        "webhook-timestamp",
        "webhook-signature",
        "x-credit-key-id",
    }


def test_reply_models_written_here_match_what_the_routes_build() -> None:
    """The tick replies with ``TickReport.__dict__`` and what it did besides the lifecycle
    (``chalicelib.reevaluations.isolated_tick``); its model here must keep up."""
    reported = {f.name for f in dataclasses.fields(TickReport)} | set(REPORTED)
    assert set(TickResult.model_fields) == reported


def test_the_document_is_served_to_anyone(gateway: Gateway) -> None:
    reply = gateway.client.http.get("/v1/openapi.json")
    assert reply.status_code == 200
    assert reply.headers["Content-Type"].startswith("application/json")
    assert reply.headers["Cache-Control"] == "max-age=300"
    served = json.loads(reply.body)
    assert served.pop("servers") == [
        {"url": "/", "description": "the API root this document was served from"}
    ]
    assert served == document()
