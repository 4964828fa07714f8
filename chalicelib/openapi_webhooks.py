"""The deliveries in the contract: the OpenAPI 3.1 ``webhooks`` a subscriber's endpoint
receives, one per event type, each with its body's schema, the Standard Webhooks headers, what
to answer, and an example made by the code that sends them (so it cannot drift from it).

``EVENTS`` is also the README's event-type catalogue.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from chalicelib.openapi_webhook_examples import examples
from gateway_client.contract import (
    BATCH_EVENT,
    DISABLED,
    FAILING,
    ID_HEADER,
    KEY_ID_HEADER,
    SIGNATURE_HEADER,
    TEST,
    TIMESTAMP_HEADER,
    VERIFICATION_EVENT,
    BatchAnnouncement,
    DeliveryPayload,
    EndpointNotice,
    VerificationEvent,
)


@dataclass(frozen=True)
class Event:
    name: str
    model: type[BaseModel]
    summary: str
    answer: str  # what the endpoint should answer, and what happens otherwise


_RETRIED = "Answer 2xx once the delivery is stored; anything else (or no answer in 15 s) is "
_RETRIED += "retried on the subscription's schedule, then kept as dead for a re-drive."
_ONCE = "Sent once, never retried: answer 2xx."
EVENTS: tuple[Event, ...] = (
    Event(
        "listing.changed",
        DeliveryPayload,
        "A listing was created, changed or ended by its owner (or by the lifecycle: expiry, "
        "repair, objection); `data` is the change, `recognition` what it means for you.",
        _RETRIED,
    ),
    Event(
        "recognition.changed",
        DeliveryPayload,
        "An agreement was saved or ended, or came into or out of force, and a listing's "
        "recognition for you changed with it; the listing itself did not change.",
        _RETRIED,
    ),
    Event(
        "subject.intensified",
        DeliveryPayload,
        "加大联合惩戒力度: a subject became (or stopped being) black-listed and recognised for you "
        "in two or more domains; `intensified` says which.",
        _RETRIED,
    ),
    Event(
        "objection.filed",
        DeliveryPayload,
        "核查通知, to the listing's owner only: someone else (a region that was delivered the "
        "listing, or the operator for the subject) objected to it; `data.listing.objection` "
        "says who, why and on whose behalf. Your deadline counts from the day you acknowledge "
        "this (收到核查通知之日).",
        _RETRIED,
    ),
    Event(
        BATCH_EVENT,
        BatchAnnouncement,
        "For a subscription with `delivery_mode: batched`: the `listing.changed` deliveries "
        "planned for you from one stream batch (two or more) as one NDJSON file, one line per "
        "delivery, each line exactly that delivery's body, in order. GET `url` (presigned, "
        "valid until `expires_at`; each retry of this webhook carries a fresh one), check its "
        "SHA-256 against `sha256`, its lines against `count`, and that their `sequence`s "
        "increase from `first_sequence` to `last_sequence`; then treat each line as a "
        "delivery received (dedup by its `delivery_id`). `gateway listen` does all of it.",
        "Answer 2xx once every line is stored; anything else is retried like a delivery. "
        "Once it settles, each line counts as a delivery of its own (a dead batch's lines are "
        "re-driven singly); the file is then deleted.",
    ),
    Event(
        VERIFICATION_EVENT,
        VerificationEvent,
        "URL verification: sent when a subscription is created or its URL changed, and on "
        "`POST …/verify`. Nothing else is sent to the URL until it is answered.",
        'Answer 2xx with `{"challenge": "<the same>"}`, and only for your own region.',
    ),
    Event(
        FAILING,
        EndpointNotice,
        "Your endpoint has failed for a while; it will be disabled at `disables_at`.",
        _ONCE,
    ),
    Event(
        DISABLED,
        EndpointNotice,
        "The subscription was disabled (`disabled_reason`); `POST …/enable` turns it back on.",
        _ONCE,
    ),
    Event(TEST, EndpointNotice, "Sent on your request: `POST …/test`.", _ONCE),
)
MODELS: tuple[type[BaseModel], ...] = tuple(dict.fromkeys(e.model for e in EVENTS))

_HEADERS = (
    (ID_HEADER, "The delivery's id: the same on every retry and replay; deduplicate by it."),
    (TIMESTAMP_HEADER, "Unix seconds when signed; refuse one more than 5 minutes off."),
    (
        SIGNATURE_HEADER,
        "`v1a,<base64 Ed25519>` over `{webhook-id}.{webhook-timestamp}.{body}` with the key "
        "`webhook-key-id` names (`GET /v1/keys`), or `v1,<base64 HMAC-SHA256>` with the "
        "subscription's `whsec_` secret; several, space-separated, while keys or secrets "
        "rotate: any one that verifies will do.",
    ),
    (KEY_ID_HEADER, "v1a: which gateway key signed (`GET /v1/keys`)."),
)


def webhooks(refs: Mapping[Any, dict[str, Any]]) -> dict[str, Any]:
    """The ``webhooks`` object: ``refs`` are the component schemas of ``MODELS``."""
    samples = examples()
    return {
        event.name: {
            "post": {
                "operationId": "webhook_" + event.name.replace(".", "_"),
                "summary": event.name,
                "description": f"{event.summary}\n\n{event.answer}",
                "parameters": [
                    {
                        "name": name,
                        "in": "header",
                        "required": name != KEY_ID_HEADER,
                        "description": text,
                        "schema": {"type": "string"},
                    }
                    for name, text in _HEADERS
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": refs[event.model],
                            "example": samples[event.name],
                        }
                    },
                },
                "responses": {"2XX": {"description": event.answer}},
            }
        }
        for event in EVENTS
    }
