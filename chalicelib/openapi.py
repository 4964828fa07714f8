"""The published API contract: an OpenAPI 3.1 document generated from the route declarations.

Each route module declares its routes once, next to their handlers (``ROUTES``, see
``chalicelib.route_spec``); ``OPERATIONS`` gathers them, ``chalicelib.routing`` registers them on
the app, and this module documents them. The schemas come from the very models the routes
validate and dump, and a route's errors get their status from ``http_errors.STATUS`` as at run
time, so the document cannot drift from the code. ``tests/e2e/test_api_contract.py`` holds the
live local stack to the document.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from typing import Any

from chalice.app import Request, Response
from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode, models_json_schema
from pydantic_core import core_schema

from chalicelib import (
    activity_api,
    agreements_api,
    api,
    backfill_api,
    catalogue_api,
    checks_api,
    console_api,
    console_page,
    delivery_api,
    docs_page,
    feedback_api,
    lifecycle_api,
    log_api,
    log_proof_api,
    openapi_webhooks,
    overdue_api,
    persons_api,
    query_api,
    reassignment_api,
    regions_api,
    stats_api,
    stream_redrive,
    subscription_actions_api,
    subscriptions_api,
    tick_api,
    uploads_api,
    verification_api,
)
from chalicelib.http_errors import (
    MEDIA_ERRORS,
    NO_BODY_ERRORS,
    PATH_ERRORS,
    QUERY_ERRORS,
    SIZE_ERRORS,
    STATUS,
)
from chalicelib.openapi_parts import (
    ACCESS_ERRORS,
    ACCESS_TEXT,
    BODY_ERRORS,
    CONSOLE_SESSION,
    PATH_PARAMS,
    REQUEST_FORM_ERRORS,
    SECURITY,
    SECURITY_SCHEMES,
    ErrorBody,
)
from chalicelib.route_spec import Access, Operation, Param, Reply, Tag
from gateway_client.contract import errors, uses_push_form

DOCUMENT_VERSION = "1.2.0"  # of the /v1 contract; raise it when the document changes
JSON = "application/json"
Refs = Mapping[Any, dict[str, Any]]  # a model's {"$ref": …}
SCHEMAS = "#/components/schemas/"
OPENAPI_OBJECT = {"type": "object", "required": ["openapi", "info", "paths"]}


def document_response(request: Request) -> Response:
    """``GET /v1/openapi.json``: built on first use, then served from memory. Its ``servers``
    entry is the API root this very request came through (``/api`` behind API Gateway's stage,
    ``/`` locally), relative, so it is right behind any host name or custom domain."""
    path = str((request.context or {}).get("path") or "")
    root = path.removesuffix(_DOCUMENT_PATH) if path.endswith(_DOCUMENT_PATH) else ""
    return Response(
        body=_document_text(root or "/"),
        status_code=200,
        headers={"Content-Type": "application/json; charset=utf-8", "Cache-Control": "max-age=300"},
    )


_DOCUMENT_PATH = "/v1/openapi.json"


@functools.cache
def _document_text(root: str) -> str:
    server = {"url": root, "description": "the API root this document was served from"}
    return json.dumps({**build_document(), "servers": [server]}, ensure_ascii=False)


ROUTES: tuple[Operation, ...] = (
    Operation(
        "GET",
        _DOCUMENT_PATH,
        "openapi_document",
        Tag.META,
        "This document",
        Access.ANONYMOUS,
        {200: Reply(OPENAPI_OBJECT, "The OpenAPI 3.1 document.", {"Cache-Control": "max-age=300"})},
        handler=document_response,
    ),
)
# Every route of the app, each declared once in the module of its handler.
OPERATIONS: tuple[Operation, ...] = (
    *api.ROUTES,
    *regions_api.ROUTES,
    *subscriptions_api.ROUTES,
    *subscription_actions_api.ROUTES,
    *uploads_api.ROUTES,
    *query_api.ROUTES,
    *persons_api.ROUTES,
    *checks_api.ROUTES,
    *agreements_api.ROUTES,
    *lifecycle_api.ROUTES,
    *tick_api.ROUTES,
    *reassignment_api.ROUTES,
    *overdue_api.ROUTES,
    *backfill_api.ROUTES,
    *feedback_api.ROUTES,
    *stats_api.ROUTES,
    *activity_api.ROUTES,
    *catalogue_api.ROUTES,
    *log_api.ROUTES,
    *log_proof_api.ROUTES,
    *delivery_api.ROUTES,
    *verification_api.ROUTES,
    *stream_redrive.ROUTES,
    *console_api.ROUTES,
    *ROUTES,
    *docs_page.ROUTES,
    *console_page.ROUTES,
)


class _Schemas(GenerateJsonSchema):
    """Clean component names, and every field of a reply required: the routes dump whole models
    (``model_dump`` without exclusions), so a field with a default is still always there — but
    for one a model leaves out when empty (``exclude_if``)."""

    def normalize_name(self, name: str) -> str:
        return super().normalize_name(name).lstrip("_")

    def field_is_required(
        self,
        field: core_schema.ModelField | core_schema.DataclassField | core_schema.TypedDictField,
        total: bool,
    ) -> bool:
        if self.mode == "serialization":  # absent only when excluded (``exclude_if``: at times)
            return not (field.get("serialization_exclude") or field.get("serialization_exclude_if"))
        return super().field_is_required(field, total)


def status_of(error: type[errors.GatewayError]) -> int:
    """``http_errors.status_for`` for a class rather than an instance."""
    return next((status for cls, status in STATUS if issubclass(error, cls)), 400)


def _errors_by_status(op: Operation) -> dict[int, list[str]]:
    raised = (
        ACCESS_ERRORS[op.access]
        + (BODY_ERRORS + MEDIA_ERRORS if op.body else NO_BODY_ERRORS)
        + (() if op.is_page else QUERY_ERRORS)
        + (PATH_ERRORS if "{" in op.path else ())
        + SIZE_ERRORS
        + op.errors
    )
    if op.access is not Access.ANONYMOUS and not uses_push_form(op.method, op.path):
        raised += REQUEST_FORM_ERRORS
    if op.access is not Access.ANONYMOUS:
        raised += (
            (errors.ConsoleSessionInvalid,)
            if console_api.accepts_session(op)
            else (errors.ConsoleSessionNotAllowed,)
        )
    by_status: dict[int, list[str]] = {}
    for error in raised:
        codes = by_status.setdefault(status_of(error), [])
        if error.code not in codes:
            codes.append(error.code)
    return dict(sorted(by_status.items()))


def _error_response(codes: list[str]) -> dict[str, Any]:
    listed = ", ".join(f"`{c}`" for c in codes)
    narrowed = {
        "type": "object",
        "properties": {"error": {"type": "object", "properties": {"code": {"enum": codes}}}},
    }
    return {
        "description": f"`error.code`: {listed}.",
        "content": {JSON: {"schema": {"allOf": [{"$ref": SCHEMAS + "ErrorBody"}, narrowed]}}},
    }


def _reply_response(reply: Reply, refs: Refs) -> dict[str, Any]:
    schema = reply.model if isinstance(reply.model, dict) else refs[reply.model]
    response: dict[str, Any] = {
        "description": reply.description,
        "content": {media: {"schema": schema} for media in (reply.media, *reply.also)},
    }
    if reply.headers:
        response["headers"] = {
            name: {"required": True, "schema": {"type": "string", "const": value}}
            for name, value in reply.headers.items()
        }
    return response


def _parameter(param: Param, where: str) -> dict[str, Any]:
    return {
        "name": param.name,
        "in": where,
        "required": where == "path" or param.required,
        "description": param.description,
        "schema": param.schema,
    }


def _operation(op: Operation, requests: Refs, replies: Refs) -> dict[str, Any]:
    description = " ".join(filter(None, (ACCESS_TEXT[op.access], op.description)))
    built: dict[str, Any] = {
        "operationId": op.operation_id,
        "tags": [op.tag.value],
        "summary": op.summary,
        "description": description,
        "security": SECURITY[op.access]
        + ([CONSOLE_SESSION] if console_api.accepts_session(op) and SECURITY[op.access] else []),
    }
    params = [_parameter(PATH_PARAMS[n], "path") for n in re.findall(r"{(\w+)}", op.path)]
    params += [_parameter(q, "query") for q in op.query]
    if params:
        built["parameters"] = params
    if op.body is not None:
        built["requestBody"] = {
            "required": op.body_required,
            "content": {JSON: {"schema": requests[op.body]}},
        }
    responses: dict[str, Any] = {
        str(status): _reply_response(reply, replies) for status, reply in sorted(op.replies.items())
    }
    responses |= {str(s): _error_response(c) for s, c in _errors_by_status(op).items()}
    built["responses"] = responses
    return built


def _component_schemas() -> tuple[Refs, Refs, dict[str, Any]]:
    """Request bodies in validation mode, replies in serialization mode, in one ``$defs``."""
    wanted: list[tuple[type[BaseModel], JsonSchemaMode]] = [
        (op.body, "validation") for op in OPERATIONS if op.body is not None
    ]
    reply_models = {
        r.model for op in OPERATIONS for r in op.replies.values() if not isinstance(r.model, dict)
    }
    reply_models |= set(openapi_webhooks.MODELS)  # what the gateway posts to endpoints
    wanted += [(m, "serialization") for m in sorted(reply_models, key=lambda m: m.__name__)]
    # Error bodies are dicts, not dumped models: their optional keys stay optional.
    wanted += [(ErrorBody, "validation")]
    refs, top = models_json_schema(
        list(dict.fromkeys(wanted)), ref_template=SCHEMAS + "{model}", schema_generator=_Schemas
    )
    requests = {m: ref for (m, mode), ref in refs.items() if mode == "validation"}
    replies = {m: ref for (m, mode), ref in refs.items() if mode == "serialization"}
    schemas: dict[str, Any] = top.get("$defs", {})
    for name, schema in schemas.items():
        # A model read and written has two schemas (``X-Input``, ``X-Output``) with one title;
        # client generators name their classes by title, and would drop one of the two.
        schema["title"] = name.replace("-", "")
    return requests, replies, schemas


def build_document() -> dict[str, Any]:
    requests, replies, schemas = _component_schemas()
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op, requests, replies)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "credit-gateway",
            "version": DOCUMENT_VERSION,
            "summary": "Exchange gateway for joint reward / joint punishment credit lists",
            "description": "City and county platforms push signed red / black list updates; the "
            "gateway deduplicates them and delivers each change by signed webhook to the "
            'subscribing provinces. Every refusal is a 4xx with `{"error": {"code", '
            '"message", …}}`; a 5xx is always the gateway\'s '
            "fault. Paths are relative to the API root: the stack's EndpointURL on AWS "
            "(`…/api`), the server's root locally.",
        },
        "tags": [{"name": t.value} for t in Tag if any(op.tag is t for op in OPERATIONS)],
        "paths": paths,
        "webhooks": openapi_webhooks.webhooks(replies),
        "components": {
            "schemas": schemas,
            "securitySchemes": SECURITY_SCHEMES,
        },
    }
