"""The published API contract: an OpenAPI 3.1 document generated from the pydantic models.

The schemas come from the very models the routes validate and dump, so they cannot drift from
the code; ``OPERATIONS`` adds what the models do not know: who may call a route, its parameters
and the domain errors it raises (their status comes from ``http_errors.STATUS``, as at run time).
``tests/app/test_openapi.py`` fails when a route of ``app.py`` has no row here, and
``tests/e2e/test_api_contract.py`` holds the live local stack to the document.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, Literal

from chalice.app import Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, create_model
from pydantic.config import JsonDict
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode, models_json_schema
from pydantic.json_schema import SkipJsonSchema as Absent
from pydantic_core import core_schema

# The route bodies' own request models, private to their modules: documenting the real ones
# keeps the contract exact.
from chalicelib.api import _KeyBody, _RegionBody
from chalicelib.delivery_api import _Enable, _Redrive
from chalicelib.http_errors import STATUS
from chalicelib.lifecycle_api import _TickBody
from chalicelib.log_api import _MAX_LIMIT, _Replay
from chalicelib.reports_api import NotYourDelivery
from chalicelib.stream_redrive import RedriveReport, RedriveRequest
from chalicelib.uploads_api import UploadReply
from gateway.delivery import Attempt, DeliveryState, Subscription, SubscriptionRequest
from gateway.intake import (
    BATCH_ID_RE,
    MAX_ENTRIES,
    PushEnvelope,
    PushResult,
    UploadIdReused,
    UploadManifest,
)
from gateway.lifecycle import (
    ListingChanged,
    NotInForce,
    ObjectionDecision,
    ObjectionFiling,
    ObjectionOpen,
    Removal,
    RepairRequest,
    RepairTooEarly,
)
from gateway.ownership import NotListingOwner
from gateway.recognition import (
    Agreement,
    AgreementTerms,
    Feedback,
    FeedbackReport,
    PersonalQueryRequiresSignature,
    SubjectView,
    TrailEntry,
)
from gateway.registry import KeyIdTaken, PlatformKey, Region
from gateway.statistics import MonthlyStats
from gateway.strict_json import DuplicateKey
from gateway_client.contract import (
    ID_HEADER,
    KEY_ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    Checkpoint,
    Frozen,
    Listing,
    ListingEntry,
    LogEntry,
    PublishedKey,
    Purpose,
    errors,
    uses_push_form,
)

DOCUMENT_VERSION = "1.1.0"  # of the /v1 contract; raise it when the document changes
JSON = "application/json"
Refs = Mapping[Any, dict[str, Any]]  # a model's {"$ref": …}
SCHEMAS = "#/components/schemas/"

# --- errors ---------------------------------------------------------------------------------


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
    field: str | Absent[None] = Field(default=None, description="`invalid_webhook_url`")


class ErrorBody(Frozen):
    """Every refusal of the gateway (4xx) has this shape; see ``chalicelib/http_errors.py``."""

    error: ErrorDetail


class ChaliceError(Frozen):
    """Chalice's own reply, before any route runs (a Content-Type other than JSON)."""

    Code: str
    Message: str


# --- replies the routes build as dicts, described exactly ------------------------------------


class PushBody(PushEnvelope):
    """A push: signed exactly as sent. Entries and removals are checked one by one: a bad one is
    reported in the reply's ``errors`` (status 200), it does not refuse the batch."""

    entries: list[ListingEntry] = Field(max_length=MAX_ENTRIES)
    removals: list[Removal] = Field(default_factory=list, max_length=MAX_ENTRIES)


class GatewayKeys(Frozen):
    keys: tuple[PublishedKey, ...]


class PlatformKeys(Frozen):
    keys: tuple[PlatformKey, ...]


class AgreementSaved(Frozen):
    agreement: Agreement
    deliveries_queued: int = Field(description="recognition.changed deliveries it caused")


class Agreements(Frozen):
    agreements: tuple[Agreement, ...]


class ListingChange(Frozen):
    changed: bool = Field(description="false: a replay of what is already in force")
    listing: Listing


class OverdueObjection(Frozen):
    listing_id: str
    origin_region: str
    objection_id: str
    deadline: date
    filed_at: AwareDatetime


class OverdueObjections(Frozen):
    overdue: tuple[OverdueObjection, ...]


class TickResult(Frozen):
    """``lifecycle_service.TickReport`` with the checkpoint the same run published."""

    expired: int
    purged: int
    purged_by_region: dict[str, int]
    overdue_objections: tuple[OverdueObjection, ...]
    checkpoint: int | None


class FeedbackList(Frozen):
    feedback: tuple[Feedback, ...]


# ``Subscription.public_view()``: every field but the HMAC secret, shown once at creation.
_VIEW_FIELDS: dict[str, Any] = {
    name: (info.annotation, info)
    for name, info in Subscription.model_fields.items()
    if name != "secret"
}
SubscriptionView = create_model(
    "SubscriptionView",
    __base__=Frozen,
    __doc__="A subscription as shown after its creation: without its secret.",
    **_VIEW_FIELDS,
)


class VerifyResult(Frozen):
    subscription: SubscriptionView
    redriven: int = Field(description="parked deliveries queued again by a success")


class ReplayQueued(Frozen):
    from_sequence: int = Field(
        description="where the replay started: the one asked for, or the subscription's "
        "`log_start` + 1 if that is later (a subscription is owed what was logged after it)"
    )
    to_sequence: int
    queued: int = Field(
        description="deliveries queued; a purged listing's changes go as its `purged` tombstone"
    )


class DeliveryView(Frozen):
    delivery_id: str
    subscription_id: str
    state: DeliveryState
    listing_id: str
    updated_at: AwareDatetime
    attempts: tuple[Attempt, ...]


class Deliveries(Frozen):
    deliveries: tuple[DeliveryView, ...]


class Redriven(Frozen):
    redriven: int


class Enabled(Frozen):
    enabled: Literal[True]
    redriven: int


class LogEntries(Frozen):
    head: int = Field(description="the sequence of the log's last entry")
    entries: tuple[LogEntry, ...]
    erased: tuple[int, ...] = Field(
        description="sequences among these entries whose change retention erased (the listing "
        "was purged): the entry and its digest stay in the chain; the change is owed to nobody, "
        "the listing's `purged` tombstone is"
    )


class Checkpoints(Frozen):
    checkpoints: tuple[Checkpoint, ...]


class TrailPage(Frozen):
    credit_code: str = Field(description="masked for a natural person")
    entries: tuple[TrailEntry, ...]
    next: str | None = Field(description="where the next page starts; null: no more")


class CheckpointPublished(Frozen):
    published: Checkpoint


class NothingPublished(Frozen):
    published: None = Field(description="the latest checkpoint already covers the head")


# --- the operations --------------------------------------------------------------------------


class Access(StrEnum):
    """Who gets past a route's authorization."""

    ANONYMOUS = "anonymous"
    ANYONE = "anyone"  # anonymous too; who asks decides what is shown
    OPERATOR = "operator"
    PLATFORM = "platform"
    OPERATOR_OR_PLATFORM = "operator or platform"


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
    Access.ANYONE: SIGNATURE_ERRORS,  # only when it sends webhook-signature
    # Without the bearer token: 401; a platform's signature is checked, then refused with 403.
    Access.OPERATOR: (errors.OperatorCredentialsRequired, *SIGNATURE_ERRORS, errors.OperatorOnly),
    Access.PLATFORM: SIGNATURE_ERRORS,
    Access.OPERATOR_OR_PLATFORM: SIGNATURE_ERRORS,
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


@dataclass(frozen=True)
class Reply:
    """A success reply: its body model (or a plain schema) and the headers the route sets."""

    model: type[BaseModel] | dict[str, Any]
    description: str
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Param:
    name: str
    schema: dict[str, Any]
    description: str
    required: bool = False


@dataclass(frozen=True)
class Operation:
    """One route of ``app.py``: ``operation_id`` is its view function's name."""

    method: str
    path: str
    operation_id: str
    tag: str
    summary: str
    access: Access
    replies: Mapping[int, Reply]
    errors: tuple[type[errors.GatewayError], ...] = ()
    body: type[BaseModel] | None = None
    body_required: bool = True
    query: tuple[Param, ...] = ()
    description: str = ""


REGION_CODE = {"type": "string", "pattern": "^[1-9][0-9]{5}$"}
PATH_PARAMS: dict[str, Param] = {
    p.name: p
    for p in (
        Param(
            "credit_code",
            {"type": "string", "minLength": 1},
            "Unified social credit code (18 characters) or resident ID number; full-width "
            "characters and lower case are read as their NFKC upper-case form.",
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


def _count(name: str, default: int, high: int) -> Param:
    return Param(
        name,
        {"type": "integer", "minimum": 1, "maximum": high, "default": default},
        f"ASCII digits, 1 to {high}.",
    )


OPENAPI_OBJECT = {"type": "object", "required": ["openapi", "info", "paths"]}
LISTING = "/v1/subjects/{credit_code}/listings/{listing_id}"
SUBSCRIPTION = "/v1/subscriptions/{subscription_id}"
STEPPED = "The listing after the step."
REPLAYED = "Already done (a replay): the listing, unchanged, with `changed: false`."
PUSH, LIFE, SUBS, AGREE, LOG, STATS, META = (
    "pushes and subjects",
    "lifecycle",
    "subscriptions and deliveries",
    "agreements",
    "exchange log",
    "statistics",
    "operation",
)

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "POST",
        "/v1/pushes",
        "push",
        PUSH,
        "Push a signed batch of red / black list entries and removals",
        Access.PLATFORM,
        {200: Reply(PushResult, "Per-entry outcomes and errors; a resent batch id, the first.")},
        (
            errors.PayloadTooLarge,
            errors.BadRequest,
            errors.RegionMismatch,
            errors.BatchIdReused,
            errors.BatchInProgress,
            errors.RateLimited,
        ),
        body=PushBody,
        description="The `webhook-id` header is the batch id (`batch_id` must equal it). Per-entry "
        "codes include `invalid_check_character`, `invalid_credit_code`, `missing_legal_basis`, "
        "`missing_severity`, `unknown_domain`, `domain_kind_mismatch`, `dates_out_of_order`, "
        "`region_not_permitted`, `relay_not_permitted`, `not_listing_owner` (the listing belongs "
        "to a region this one neither is nor relays for: nothing is written), `listing_contended`, "
        "`future_version`, `future_date`, `control_character`, `duplicate_key`, "
        "`invalid_birth_date`, `missing_field`, `unknown_listing`.",
    ),
    Operation(
        "POST",
        "/v1/uploads",
        "request_upload",
        PUSH,
        "Sign a bulk upload's manifest; get a presigned URL to PUT the NDJSON file to",
        Access.PLATFORM,
        {
            201: Reply(UploadReply, "Recorded; `put` says where and how to upload the file."),
            200: Reply(UploadReply, "The same manifest again: the same upload (a fresh URL)."),
        },
        (errors.BadRequest, errors.RegionMismatch, UploadIdReused, errors.RateLimited),
        body=UploadManifest,
        description="The `webhook-id` header is the upload id. The file holds one listing entry "
        "per line; `count` counts its non-blank lines. A `resync` names the domains whose "
        "complete list the file is: listings of the platform absent from it are removed, unless "
        "that is over the safety threshold (10%) and `force` is not set.",
    ),
    Operation(
        "GET",
        "/v1/regions/{code}/uploads/{upload_id}",
        "get_upload",
        PUSH,
        "A bulk upload's state and result (errors by line number)",
        Access.OPERATOR_OR_PLATFORM,
        {200: Reply(UploadReply, "The upload: status, counts, errors, removal, refusal.")},
        (errors.SchemaError, errors.RegionMismatch, errors.NotFound),
    ),
    Operation(
        "GET",
        "/v1/subjects/{credit_code}",
        "subject",
        PUSH,
        "One-stop query (应查必查): a subject's listings as a region sees them",
        Access.ANYONE,
        {200: Reply(SubjectView, "The listings shown, recognition for `as`, intensified flag.")},
        (
            errors.BadRequest,
            errors.SchemaError,
            PersonalQueryRequiresSignature,
            errors.NotFound,
            errors.RateLimited,
        ),
        query=(
            Param("as", REGION_CODE, "See the subject as this region's jurisdiction."),
            Param(
                "purpose",
                {"type": "string", "enum": [p.value for p in Purpose]},
                "Why: required (400 `invalid_schema`, path `purpose`) when the answer holds a "
                "natural person's listing or any resident ID number in full; recorded in the "
                "query trail.",
            ),
        ),
        description="Resident ID numbers are shown in full, listing by listing, to the "
        "operator, the listing's owner (its origin, or an ancestor relaying for it) and a "
        "region that recognises it (own subtree, or an agreement in force) — the region whose "
        "key signed, never `as`; others who sign see them masked, as in deliveries. Listings "
        "that ended (revoked, repaired, expired, corrected) are shown to their owner and the "
        "operator only. Anonymous: a natural person's code is 401 "
        "`personal_query_requires_signature` whether or not the person is listed; an "
        "organisation shows its listings in force and suspended ones, without responsible "
        "persons' ID numbers, objections or history; nothing to show is 404 `not_found`, as "
        "for a code never listed; each client address may ask "
        "`CG_ANONYMOUS_QUERIES_PER_MINUTE` (60) times a minute (429 `rate_limited`, "
        "`Retry-After`).",
    ),
    Operation(
        "GET",
        "/v1/subjects/{credit_code}/trail",
        "subject_trail",
        PUSH,
        "The query trail (查询留痕) of a credit code: who was shown a person, when and why",
        Access.OPERATOR_OR_PLATFORM,
        {200: Reply(TrailPage, "Newest first; follow `next` until it is null.")},
        (errors.BadRequest, errors.SchemaError, NotListingOwner),
        query=(
            _count("limit", 50, 1000),
            Param("after", {"type": "string"}, "The `next` of the previous page."),
        ),
        description="The operator reads every entry; a region that owns one of the subject's "
        "listings (403 `not_listing_owner` otherwise), the entries that returned a listing it "
        "owns. A page may hold fewer than `limit` entries. Entries expire after "
        "`CG_QUERY_TRAIL_DAYS` (1096).",
    ),
    Operation(
        "POST",
        "/v1/subscriptions",
        "create_subscription",
        SUBS,
        "Subscribe a region's webhook endpoint",
        Access.OPERATOR_OR_PLATFORM,
        {
            201: Reply(Subscription, "Created; a v1 (HMAC) `secret` is shown this once."),
            200: Reply(
                Subscription,
                "A signed retry with the same webhook-id: the same one, without its secret.",
            ),
        },
        (errors.RegionMismatch, errors.UnknownRegion, errors.InvalidWebhookUrl, errors.Conflict),
        body=SubscriptionRequest,
        description="A platform may subscribe only its own region; its webhook-id makes a retried "
        "creation idempotent. The gateway posts a signed `subscription.verification` event "
        "(`subscription_id`, `subscriber_region`, `challenge`) to the URL at once (5 s): `state` "
        'is `verified` if the endpoint answered 2xx `{"challenge": …}`, else `pending` with '
        "`verification_failure`; nothing else is sent to a pending endpoint.",
    ),
    Operation(
        "GET",
        "/v1/keys",
        "gateway_keys",
        META,
        "The gateway's public keys (v1a deliveries, log checkpoints)",
        Access.ANONYMOUS,
        {200: Reply(GatewayKeys, "The keys in force.", {"Cache-Control": "max-age=300"})},
    ),
    Operation(
        "GET",
        "/v1/openapi.json",
        "openapi_document",
        META,
        "This document",
        Access.ANONYMOUS,
        {200: Reply(OPENAPI_OBJECT, "The OpenAPI 3.1 document.", {"Cache-Control": "max-age=300"})},
    ),
    Operation(
        "PUT",
        "/v1/regions/{code}",
        "put_region",
        META,
        "Register or rename a region",
        Access.OPERATOR,
        {200: Reply(Region, "The region.")},
        body=_RegionBody,
    ),
    Operation(
        "POST",
        "/v1/regions/{code}/keys",
        "add_platform_key",
        META,
        "Add a platform key to a region (rotation: several may be valid at once)",
        Access.OPERATOR,
        {201: Reply(PlatformKey, "The key; `valid_from` defaults to now.")},
        (errors.NotFound, KeyIdTaken),
        body=_KeyBody,
        description="A key id already registered for another region is refused (409 "
        "`key_id_taken`); the same region may register it again (a new key under that id).",
    ),
    Operation(
        "GET",
        "/v1/regions/{code}/keys",
        "list_platform_keys",
        META,
        "A region's platform keys",
        Access.OPERATOR,
        {200: Reply(PlatformKeys, "Every key, revoked ones too.")},
    ),
    Operation(
        "DELETE",
        "/v1/regions/{code}/keys/{key_id}",
        "revoke_platform_key",
        META,
        "Revoke a platform key now",
        Access.OPERATOR,
        {200: Reply(PlatformKey, "The key with its `valid_until`.")},
        (errors.NotFound,),
    ),
    Operation(
        "POST",
        "/v1/agreements",
        "create_agreement",
        AGREE,
        "Sign a mutual-recognition agreement (互认协议)",
        Access.OPERATOR,
        {201: Reply(AgreementSaved, "The agreement, revision 1.")},
        (errors.UnknownRegion,),
        body=AgreementTerms,
    ),
    Operation(
        "GET",
        "/v1/agreements",
        "list_agreements",
        AGREE,
        "Agreements, optionally one subscriber's",
        Access.ANONYMOUS,
        {200: Reply(Agreements, "Ordered by subscriber region and id.")},
        query=(Param("subscriber", REGION_CODE, "Only this subscriber region's."),),
    ),
    Operation(
        "PUT",
        "/v1/agreements/{agreement_id}",
        "revise_agreement",
        AGREE,
        "Revise an agreement's terms",
        Access.OPERATOR,
        {200: Reply(AgreementSaved, "The next revision.")},
        (errors.NotFound, errors.BadRequest),
        body=AgreementTerms,
    ),
    Operation(
        "DELETE",
        "/v1/agreements/{agreement_id}",
        "end_agreement",
        AGREE,
        "End an agreement today (it is kept, no longer effective)",
        Access.OPERATOR,
        {200: Reply(AgreementSaved, "The ended agreement (unchanged if it had lapsed).")},
        (errors.NotFound,),
    ),
    Operation(
        "POST",
        LISTING + "/objections",
        "file_objection",
        LIFE,
        "File an objection (异议) against a listing",
        Access.OPERATOR_OR_PLATFORM,
        {201: Reply(ListingChange, "Filed."), 200: Reply(ListingChange, REPLAYED)},
        (
            errors.BadRequest,
            errors.NotFound,
            NotListingOwner,
            ObjectionOpen,
            NotInForce,
            ListingChanged,
        ),
        body=ObjectionFiling,
        description="By the listing's owner region (or a region relaying for it) or the operator; "
        "the region's policy "
        "decides the deadline and whether measures are suspended meanwhile.",
    ),
    Operation(
        "POST",
        LISTING + "/objections/{objection_id}/decision",
        "decide_objection",
        LIFE,
        "Decide an open objection: upheld, corrected or revoked",
        Access.OPERATOR_OR_PLATFORM,
        {200: Reply(ListingChange, f"{STEPPED} {REPLAYED}")},
        (errors.BadRequest, errors.NotFound, NotListingOwner, NotInForce, ListingChanged),
        body=ObjectionDecision,
    ),
    Operation(
        "POST",
        LISTING + "/repair",
        "repair",
        LIFE,
        "Credit repair (信用修复) of a black listing",
        Access.OPERATOR_OR_PLATFORM,
        {200: Reply(ListingChange, f"{STEPPED} {REPLAYED}")},
        (
            errors.BadRequest,
            errors.NotFound,
            NotListingOwner,
            NotInForce,
            RepairTooEarly,
            ListingChanged,
        ),
        body=RepairRequest,
        description="Refused with 409 `repair_too_early` (and `earliest`) before the minimum "
        "publicity period.",
    ),
    Operation(
        "GET",
        "/v1/objections/overdue",
        "overdue_objections",
        LIFE,
        "Objections past their deadline",
        Access.OPERATOR,
        {200: Reply(OverdueObjections, "Open objections whose deadline has passed.")},
    ),
    Operation(
        "POST",
        "/v1/tick",
        "run_tick",
        LIFE,
        "Run the hourly lifecycle tick now (expiry, retention, checkpoint)",
        Access.OPERATOR,
        {200: Reply(TickResult, "What the tick did.")},
        (errors.BadRequest, errors.Conflict),
        body=_TickBody,
        body_required=False,
        description="Only the local stack may pass `at` (400 `bad_request` elsewhere). On AWS "
        "the lifecycle function runs it: 409 `conflict` while a tick is already running.",
    ),
    Operation(
        "POST",
        "/v1/stream-failures/redrive",
        "redrive_stream_failures",
        META,
        "Fan out again the listings-stream batches fan-out gave up on (StreamFailureQueue)",
        Access.OPERATOR,
        {200: Reply(RedriveReport, "What became of each failure message taken.")},
        (errors.BadRequest,),
        body=RedriveRequest,
        body_required=False,
        description="Reads each failed batch's sequence range back from the stream, fans it "
        "out as the trigger would (idempotent: nothing is logged or delivered twice) and "
        "deletes the message; a range still failing, or no longer whole in the stream, is "
        "kept and reported. `discard` deletes the named messages unread.",
    ),
    Operation(
        "POST",
        "/v1/feedback",
        "post_feedback",
        SUBS,
        "Report the measures executed for a delivery (执行反馈)",
        Access.PLATFORM,
        {201: Reply(Feedback, "The report as kept.")},
        (errors.NotFound, NotYourDelivery, errors.Conflict),
        body=FeedbackReport,
    ),
    Operation(
        "GET",
        LISTING + "/feedback",
        "listing_feedback",
        SUBS,
        "What subscribers did about a listing",
        Access.OPERATOR_OR_PLATFORM,
        {200: Reply(FeedbackList, "Feedback reports for the listing.")},
        (errors.BadRequest, errors.NotFound, NotListingOwner),
    ),
    Operation(
        "GET",
        "/v1/stats",
        "stats",
        STATS,
        "Monthly statistics for a region's subtree",
        Access.OPERATOR_OR_PLATFORM,
        {200: Reply(MonthlyStats, "Pushes, active lists, objections, feedback, timeliness.")},
        (errors.SchemaError, errors.RegionMismatch),
        query=(
            Param("region", REGION_CODE, "The subtree's root.", required=True),
            Param(
                "month",
                {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
                "YYYY-MM, in Beijing time.",
                required=True,
            ),
        ),
        description="A platform may read its own subtree only.",
    ),
    Operation(
        "GET",
        SUBSCRIPTION,
        "get_subscription",
        SUBS,
        "A subscription (without its secret)",
        Access.OPERATOR_OR_PLATFORM,
        {200: Reply(SubscriptionView, "The subscription and its endpoint health.")},
        (errors.NotFound, errors.RegionMismatch),
    ),
    Operation(
        "POST",
        SUBSCRIPTION + "/replay",
        "replay",
        SUBS,
        "Deliver the logged changes again, in order, with their original webhook ids",
        Access.OPERATOR_OR_PLATFORM,
        {202: Reply(ReplayQueued, "Queued.")},
        (errors.NotFound, errors.RegionMismatch, errors.SubscriptionPending),
        body=_Replay,
    ),
    Operation(
        "POST",
        SUBSCRIPTION + "/verify",
        "verify_subscription",
        SUBS,
        "Challenge a pending subscription's endpoint again; a success delivers what it missed",
        Access.OPERATOR_OR_PLATFORM,
        {200: Reply(VerifyResult, "The subscription after the attempt (`state`, and why not).")},
        (errors.NotFound, errors.RegionMismatch),
        body_required=False,
        description="A verified subscription is left as it is.",
    ),
    Operation(
        "GET",
        SUBSCRIPTION + "/deliveries",
        "list_deliveries",
        SUBS,
        "A subscription's deliveries with every attempt, newest first",
        Access.OPERATOR_OR_PLATFORM,
        {200: Reply(Deliveries, "At most 100.")},
        (errors.NotFound, errors.RegionMismatch, errors.SchemaError),
        query=(
            Param(
                "state",
                {"type": "string", "enum": [s.value for s in DeliveryState]},
                "Only deliveries in this state.",
            ),
        ),
    ),
    Operation(
        "POST",
        SUBSCRIPTION + "/redrive",
        "redrive",
        SUBS,
        "Send dead deliveries again (all, or the ones named)",
        Access.OPERATOR,
        {202: Reply(Redriven, "How many were reopened and queued.")},
        (errors.NotFound,),
        body=_Redrive,
        body_required=False,
    ),
    Operation(
        "POST",
        SUBSCRIPTION + "/enable",
        "enable_subscription",
        SUBS,
        "Re-enable a disabled endpoint and, by default, deliver what it missed",
        Access.OPERATOR_OR_PLATFORM,
        {200: Reply(Enabled, "Enabled.")},
        (errors.NotFound, errors.RegionMismatch),
        body=_Enable,
        body_required=False,
    ),
    Operation(
        "GET",
        "/v1/deliveries/{delivery_id}",
        "get_delivery",
        SUBS,
        "One delivery with every attempt",
        Access.OPERATOR_OR_PLATFORM,
        {200: Reply(DeliveryView, "The delivery.")},
        (errors.NotFound, errors.RegionMismatch),
    ),
    Operation(
        "GET",
        "/v1/log",
        "log_entries",
        LOG,
        "Exchange-log entries from a sequence on (routing fields and digests only)",
        Access.OPERATOR_OR_PLATFORM,
        {200: Reply(LogEntries, "The entries and the current head.")},
        (errors.SchemaError,),
        query=(_count("from", 1, 10**12), _count("limit", 100, _MAX_LIMIT)),
    ),
    Operation(
        "GET",
        "/v1/log/checkpoints",
        "log_checkpoints",
        LOG,
        "Signed checkpoints of the exchange log",
        Access.ANONYMOUS,
        {200: Reply(Checkpoints, "Oldest first.")},
        (errors.SchemaError,),
        query=(_count("limit", 100, 1000),),
    ),
    Operation(
        "POST",
        "/v1/log/checkpoints",
        "publish_checkpoint",
        LOG,
        "Sign and publish a checkpoint of the current head now",
        Access.OPERATOR,
        {
            201: Reply(CheckpointPublished, "Published."),
            200: Reply(NothingPublished, "Nothing new to sign."),
        },
    ),
)


# --- building the document -------------------------------------------------------------------


class _Schemas(GenerateJsonSchema):
    """Clean component names, and every field of a reply required: the routes dump whole models
    (``model_dump`` without exclusions), so a field with a default is still always there."""

    def normalize_name(self, name: str) -> str:
        return super().normalize_name(name).lstrip("_")

    def field_is_required(
        self,
        field: core_schema.ModelField | core_schema.DataclassField | core_schema.TypedDictField,
        total: bool,
    ) -> bool:
        if self.mode == "serialization":
            return not field.get("serialization_exclude")
        return super().field_is_required(field, total)


def status_of(error: type[errors.GatewayError]) -> int:
    """``http_errors.status_for`` for a class rather than an instance."""
    return next((status for cls, status in STATUS if issubclass(error, cls)), 400)


def _errors_by_status(op: Operation) -> dict[int, list[str]]:
    raised = ACCESS_ERRORS[op.access] + (BODY_ERRORS if op.body else ()) + op.errors
    if op.access is not Access.ANONYMOUS and not uses_push_form(op.method, op.path):
        raised += REQUEST_FORM_ERRORS
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
        "content": {JSON: {"schema": schema}},
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
        "tags": [op.tag],
        "summary": op.summary,
        "description": description,
        "security": SECURITY[op.access],
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
    responses["415"] = {"$ref": "#/components/responses/UnsupportedMediaType"}
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
    wanted += [(m, "serialization") for m in sorted(reply_models, key=lambda m: m.__name__)]
    # Error bodies are dicts, not dumped models: their optional keys stay optional.
    wanted += [(ErrorBody, "validation"), (ChaliceError, "validation")]
    refs, top = models_json_schema(
        list(dict.fromkeys(wanted)), ref_template=SCHEMAS + "{model}", schema_generator=_Schemas
    )
    requests = {m: ref for (m, mode), ref in refs.items() if mode == "validation"}
    replies = {m: ref for (m, mode), ref in refs.items() if mode == "serialization"}
    return requests, replies, top.get("$defs", {})


def build_document() -> dict[str, Any]:
    requests, replies, schemas = _component_schemas()
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op, requests, replies)
    signature_header = {"type": "apiKey", "in": "header"}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "credit-gateway",
            "version": DOCUMENT_VERSION,
            "summary": "Exchange gateway for joint reward / joint punishment credit lists",
            "description": "City and county platforms push signed red / black list updates; the "
            "gateway deduplicates them and delivers each change by signed webhook to the "
            'subscribing provinces. Every refusal is a 4xx with `{"error": {"code", '
            "\"message\", …}}` (except Chalice's own 415); a 5xx is always the gateway's "
            "fault. Paths are relative to the API root: the stack's EndpointURL on AWS "
            "(`…/api`), the server's root locally.",
        },
        "tags": [{"name": t} for t in dict.fromkeys(op.tag for op in OPERATIONS)],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": {
                "UnsupportedMediaType": {
                    "description": "Chalice refuses a Content-Type other than application/json "
                    "before the route runs; its body is not the gateway's error shape.",
                    "content": {JSON: {"schema": requests[ChaliceError]}},
                }
            },
            "securitySchemes": {
                "operatorToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The operator token (CG_OPERATOR_TOKEN; on AWS the "
                    "OperatorTokenSecret in Secrets Manager).",
                },
                "webhookId": {
                    **signature_header,
                    "name": ID_HEADER,
                    "description": "Standard Webhooks message id: a push's batch id, an "
                    "upload's upload id; for any other request a fresh id (1–128 of `A-Z a-z "
                    "0-9 _ -`), accepted once per region — a second use is refused with 409 "
                    "`request_replayed`.",
                },
                "webhookTimestamp": {
                    **signature_header,
                    "name": TIMESTAMP_HEADER,
                    "description": "Unix seconds; accepted within ±5 minutes.",
                },
                "webhookSignature": {
                    **signature_header,
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
                    **signature_header,
                    "name": KEY_ID_HEADER,
                    "description": "The registered platform key that signed.",
                },
            },
        },
    }


@functools.cache
def _document_text() -> str:
    return json.dumps(build_document(), ensure_ascii=False)


def document_response() -> Response:
    """``GET /v1/openapi.json``: built on first use, then served from memory."""
    return Response(
        body=_document_text(),
        status_code=200,
        headers={"Content-Type": "application/json; charset=utf-8", "Cache-Control": "max-age=300"},
    )
