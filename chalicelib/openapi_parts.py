"""What every operation of the contract shares: the error body, what each ``Access`` means
(security requirements and the refusals it brings), the path parameters and the security
schemes. ``chalicelib.openapi`` puts them together with each route's own declaration."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict
from pydantic.json_schema import SkipJsonSchema as Absent

from chalicelib.route_spec import REGION_CODE, Access, Param
from gateway.intake import BATCH_ID_RE
from gateway.strict_json import DuplicateKey
from gateway_client.contract import (
    ID_HEADER,
    KEY_ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    Frozen,
    errors,
)


class SchemaProblem(Frozen):
    """One field that failed validation."""

    path: str = Field(description="dotted path in the body or the parameter name")
    code: str
    message: str


def _no_null_default(schema: JsonDict) -> None:
    """An absent context key is left out of the reply, never sent as null."""
    properties = schema.get("properties")
    if isinstance(properties, dict):
        for prop in properties.values():
            if isinstance(prop, dict):
                prop.pop("default", None)


class ErrorDetail(BaseModel):
    """``code`` is stable and machine-readable, ``message`` is for people; the other fields
    appear only with the errors that have them (new context keys may be added)."""

    model_config = ConfigDict(extra="allow", json_schema_extra=_no_null_default)

    code: str
    message: str
    path: str | Absent[None] = Field(default=None, description="the offending field or header")
    errors: list[SchemaProblem] | Absent[None] = Field(
        default=None, description="`invalid_schema`: every problem, the first one in `path`"
    )
    reason: str | Absent[None] = Field(
        default=None, description="`bad_request` on a credit code: why it is not valid"
    )
    headers: list[str] | Absent[None] = Field(
        default=None, description="`missing_signature`: the headers that are absent"
    )
    key_id: str | Absent[None] = Field(default=None, description="`unknown_key`, `key_id_taken`")
    region: str | Absent[None] = Field(default=None, description="`unknown_region`")
    limit: int | Absent[None] = Field(default=None, description="`payload_too_large`: bytes")
    earliest: date | Absent[None] = Field(
        default=None, description="`repair_too_early`: the first day repair is possible"
    )


class ErrorBody(Frozen):
    """Every refusal of the gateway (4xx) has this shape; see ``chalicelib/http_errors.py``."""

    error: ErrorDetail


SIGNED: dict[str, list[str]] = {
    "webhookId": [],
    "webhookTimestamp": [],
    "webhookSignature": [],
    "platformKeyId": [],
}
SECURITY: dict[Access, list[dict[str, list[str]]]] = {
    Access.ANONYMOUS: [],
    Access.ANYONE: [{}, {"operatorToken": []}, SIGNED],
    Access.OPERATOR: [{"operatorToken": []}],
    Access.PLATFORM: [SIGNED],
    Access.OPERATOR_OR_PLATFORM: [{"operatorToken": []}, SIGNED],
}
# A request that is not the operator's is checked as signed (anonymous: 401 missing_signature).
SIGNATURE_ERRORS: tuple[type[errors.GatewayError], ...] = (
    errors.MissingSignature,
    errors.InvalidSignature,
    errors.TimestampOutOfWindow,
    errors.UnknownKey,
    errors.UnknownRegion,
)
ACCESS_ERRORS: dict[Access, tuple[type[errors.GatewayError], ...]] = {
    Access.ANONYMOUS: (),
    # a signature only when it sends webhook-signature; a bearer token not the operator's, 401
    Access.ANYONE: (*SIGNATURE_ERRORS, errors.OperatorCredentialsRequired),
    # Without the bearer token: 401; a platform's signature is checked, then refused with 403.
    Access.OPERATOR: (errors.OperatorCredentialsRequired, *SIGNATURE_ERRORS, errors.OperatorOnly),
    Access.PLATFORM: SIGNATURE_ERRORS,
    Access.OPERATOR_OR_PLATFORM: (*SIGNATURE_ERRORS, errors.OperatorCredentialsRequired),
}
# A signed request other than a push or an upload also uses up its webhook-id.
REQUEST_FORM_ERRORS = (errors.BadRequest, errors.RequestReplayed)
BODY_ERRORS = (errors.MalformedJson, DuplicateKey, errors.SchemaError)
ACCESS_TEXT = {
    Access.ANONYMOUS: "Anyone.",
    Access.ANYONE: "Anyone; what is shown depends on who asks (see below).",
    Access.OPERATOR: "The operator only (a platform whose signature verifies: 403 "
    "`operator_only`).",
    Access.PLATFORM: "A registered platform, signing the request (`webhookSignature`).",
    Access.OPERATOR_OR_PLATFORM: "The operator, or a registered platform signing the request "
    "(`webhookSignature`; a GET signs the empty body).",
}

PATH_PARAMS: dict[str, Param] = {
    p.name: p
    for p in (
        Param(
            "credit_code",
            {"type": "string", "minLength": 1},
            "Unified social credit code (18 characters) or resident ID number; full-width "
            "characters and lower case are read as their NFKC upper-case form.",
        ),
        Param(
            "asset",
            {"type": "string", "pattern": r"^[a-z-]{2,40}\.(js|css)$"},
            "A file of the console (`console.js`, `console.css`, …).",
        ),
        Param("listing_id", {"type": "string", "pattern": "^lst_[0-9a-f]{32}$"}, "A listing."),
        Param(
            "objection_id",
            {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"},
            "The id the objection was filed with.",
        ),
        Param("code", REGION_CODE, "A GB/T 2260 administrative division code."),
        Param("key_id", {"type": "string", "pattern": "^[A-Za-z0-9._-]{3,64}$"}, "A platform key."),
        Param("upload_id", {"type": "string", "pattern": BATCH_ID_RE.pattern}, "An upload."),
        Param("agreement_id", {"type": "string", "pattern": "^agr_[0-9a-f]{16}$"}, "An agreement."),
        Param(
            "subscription_id",
            {"type": "string", "pattern": "^sub_[0-9a-f]{24}$"},
            "A subscription.",
        ),
        Param(
            "delivery_id",
            {"type": "string", "pattern": "^msg_[0-9a-f]{32}$"},
            "A delivery (its webhook-id).",
        ),
    )
}


_SIGNATURE_HEADER = {"type": "apiKey", "in": "header"}
CONSOLE_SESSION: dict[str, list[str]] = {"consoleSession": []}
SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    "operatorToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "The operator token (CG_OPERATOR_TOKEN; on AWS the "
        "OperatorTokenSecret in Secrets Manager).",
    },
    "consoleSession": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "cgs_…",
        "description": "A console session's token (`POST /v1/console/sessions`, which "
        "`gateway console` calls): it speaks for the operator or the region that opened it, "
        "on reads and the subscriptions page's actions only.",
    },
    "webhookId": {
        **_SIGNATURE_HEADER,
        "name": ID_HEADER,
        "description": "Standard Webhooks message id: a push's batch id, an "
        "upload's upload id; for any other request a fresh id (1–128 of `A-Z a-z "
        "0-9 _ -`), accepted once per region — a second use is refused with 409 "
        "`request_replayed`.",
    },
    "webhookTimestamp": {
        **_SIGNATURE_HEADER,
        "name": TIMESTAMP_HEADER,
        "description": "Unix seconds; accepted within ±5 minutes.",
    },
    "webhookSignature": {
        **_SIGNATURE_HEADER,
        "name": SIGNATURE_HEADER,
        "description": "`v1a,<base64 Ed25519>` (several, space-separated, while "
        "rotating keys). `POST /v1/pushes` and `POST /v1/uploads` sign "
        "`{id}.{timestamp}.{body}`; every other request signs the request form "
        "`{id}.{timestamp}.{METHOD}\\n{path}\\n{query}\\n{body}`: the path below "
        "the API root (no stage), each segment percent-decoded then encoded as RFC "
        "3986 (all but `A-Z a-z 0-9 - . _ ~`); the query's `name=value` pairs so "
        "encoded, sorted by name then value, joined with `&` (empty when none; send "
        "it in that form); the raw body bytes (empty for a GET).",
    },
    "platformKeyId": {
        **_SIGNATURE_HEADER,
        "name": KEY_ID_HEADER,
        "description": "The registered platform key that signed (3–64 letters, digits, "
        "`.`, `_` or `-`; any other value is 403 `unknown_key`).",
    },
}
