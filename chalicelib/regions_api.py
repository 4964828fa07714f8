"""Registering regions, national sources and their platform keys: the operator's routes that
say who may push, and with which keys."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from chalice.app import Request, Response
from pydantic import BaseModel, ConfigDict, Field

from chalicelib import caller
from chalicelib.bootstrap import container
from chalicelib.http_errors import json_response
from chalicelib.route_spec import Access, Operation, Reply, Tag
from gateway.broken_commitment_terms import BrokenCommitmentPolicy, BrokenCommitmentTerms
from gateway.registry import (
    PUBLIC_KEY_TAKEN,
    KeyAlgorithm,
    KeyIdTaken,
    PlatformKey,
    PlatformKind,
    PublicKeyTaken,
    Region,
)
from gateway.validation import parse_request
from gateway_client.contract import (
    BadRequest,
    DatesOutOfOrder,
    DuplicateValue,
    Frozen,
    FutureDate,
    Moment,
    NotFound,
    SingleLine,
    china_date,
    errors,
)


class _RegionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: SingleLine
    kind: PlatformKind = "region"
    domains: list[str] | None = None
    push_rate_per_minute: int | None = None
    relays_subregions: bool | None = Field(
        default=None,
        description="left out: the stored value; null or never set: true for a region, false "
        "for the national kinds",
    )
    broken_commitments: BrokenCommitmentTerms | None = Field(
        default=None,
        description="the severity and legal basis the tick lists the region's broken "
        "commitments under; the gateway adds `since`, the day it was first set: a promise "
        "broken before then is never listed",
    )


class _KeyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key_id: SingleLine  # named in trails other regions read and in signed reports (review 317)
    algorithm: KeyAlgorithm = "ed25519"
    public_key: str
    user_id: SingleLine | None = None
    valid_from: Moment | None = None
    valid_until: Moment | None = None


def put_region(request: Request, code: str) -> Response:
    """A field the body leaves out keeps its stored value, so a rename changes the name only
    (and never turns relaying back on); an explicit null resets a field to its default."""
    caller.require_operator(request)
    body = parse_request(_RegionBody, caller.body(request))
    DuplicateValue.check(body.domains or (), "domains")  # the model would drop the repeat
    today = china_date(container().clock.now())

    def merged(stored: Region | None) -> Region:
        # stored values as they are, not judged again as input by rules newer than them (a
        # nested model instance is not validated again): the body's own fields are judged below
        fields: dict[str, Any] = (
            {name: getattr(stored, name) for name in type(stored).model_fields if name != "code"}
            if stored
            else {}
        )
        for name, value in body.model_dump(exclude_unset=True).items():
            if value is None:
                fields.pop(name, None)
            else:
                fields[name] = value
        if body.broken_commitments is not None:
            held = stored.broken_commitments if stored else None
            policy = BrokenCommitmentPolicy.set(body.broken_commitments, held, today)
            fields["broken_commitments"] = policy
        made = caller.valid(Region, {**fields, "code": code})
        if stored is not None and not stored.relays_subregions and made.relays_subregions:
            made = made.model_copy(update={"relays_since": today})  # relaying turned on today
        return made

    region = container().registry.update_region(code, merged)
    return json_response(200, region.model_dump(mode="json"))


class KeyValidUntilPast(BadRequest):
    code = "valid_until_past"


KEY_LEAD = timedelta(days=366)
"""How far ahead a key may start: a rotation is prepared days or weeks ahead, not years."""


def _check_validity(valid_from: datetime, valid_until: datetime | None, now: datetime) -> None:
    """A key's validity must be a window that can still hold a push: one ending before it
    starts, or already over, would be registered to no effect (and hide a typo in the year)."""
    if valid_from > now + KEY_LEAD:
        raise FutureDate(f"valid_from is more than {KEY_LEAD.days} days ahead", path="valid_from")
    if valid_until is None:
        return
    if valid_until <= now:
        raise KeyValidUntilPast("valid_until has passed already", path="valid_until")
    if valid_until <= valid_from:
        raise DatesOutOfOrder("valid_until is not after valid_from", path="valid_until")


def _registered(code: str) -> None:
    """The region a key route's path names: a code (400) of a registered region (404), so a
    typo in it is told apart from a region that simply has no keys, or not this one."""
    caller.region_code(code, "code")
    if container().registry.get_region(code) is None:
        raise NotFound(f"region {code} is not registered", path="code")


def add_platform_key(request: Request, code: str) -> Response:
    caller.require_operator(request)
    c = container()
    _registered(code)
    body = parse_request(_KeyBody, caller.body(request))
    now = c.clock.now()
    fields: dict[str, Any] = body.model_dump()
    fields["valid_from"] = body.valid_from or now
    _check_validity(fields["valid_from"], body.valid_until, now)
    key = caller.valid(PlatformKey, {**fields, "region": code})
    held = c.registry.get_key(key.key_id)
    if held is not None:
        return _registered_again(held, key, body)
    taken = next((k for k in c.registry.all_keys() if k.material == key.material), None)
    if taken is not None:
        if taken.key_id == key.key_id:  # stored since the read above: this id's registration
            return _registered_again(taken, key, body)
        raise PublicKeyTaken(PUBLIC_KEY_TAKEN)
    try:
        c.registry.register_key(key)  # atomic: a registration racing this one loses here
    except KeyIdTaken:
        raced = c.registry.get_key(key.key_id)
        if raced is None:
            raise
        return _registered_again(raced, key, body)
    return json_response(201, key.model_dump(mode="json"))


def _registered_again(held: PlatformKey, key: PlatformKey, body: _KeyBody) -> Response:
    """An id names one key for good: registering it again could swap the key or undo a
    revocation (which ended its validity). The same registration sent twice is a retry and
    answers as before: the key compared by its bytes (one stored before keys were kept in
    one spelling may be spelled otherwise than the retry's)."""
    same = ("region", "algorithm", "material", "user_id", "valid_until")
    if all(getattr(held, f) == getattr(key, f) for f in same) and body.valid_from in (
        None,
        held.valid_from,
    ):
        return json_response(200, held.model_dump(mode="json"))
    raise KeyIdTaken(
        f"key id {key.key_id} is already registered; a new key needs a new id", path="key_id"
    )


def list_platform_keys(request: Request, code: str) -> Response:
    caller.require_operator(request)
    _registered(code)
    keys = container().registry.keys_of(code)
    return json_response(200, {"keys": [k.model_dump(mode="json") for k in keys]})


class RevokedKey(PlatformKey):
    subscriptions_to_review: tuple[str, ...] = Field(
        description="the region's subscriptions this key created, last gave a URL, re-keyed, "
        "paused, resumed or changed the terms of: they go on as they are; if the key leaked, "
        "its holder may have pointed them at itself, knows a secret it rotated, or narrowed or "
        "paused what the region receives — check each one's URL and terms, rotate its secret "
        "(v1), and delete or pause what is not the region's"
    )
    subscriptions_deleted: tuple[str, ...] = Field(
        default=(),
        description="the region's subscriptions this key deleted (the first 200): nothing is "
        "planned or sent for them any more, and a deleted id is never made again — if the key "
        "leaked, the region may no longer receive what it should: subscribe again",
    )


def revoke_platform_key(request: Request, code: str, key_id: str) -> Response:
    """Revoke now: pushes signed with the key are refused from this moment (rotate first).
    What the key set up stays, but the answer names the subscriptions it created, pointed
    somewhere, re-keyed, paused, resumed or changed the terms of, for the operator to review,
    and those it deleted (review 248)
    (review 91 F2: a leaked key's subscription kept receiving the region's deliveries, and
    nothing said so; review 156: nor did a secret it rotated, which it knows)."""
    caller.require_operator(request)
    _registered(code)
    c = container()
    key = c.registry.get_key(key_id)
    if key is None or key.region != code:
        raise NotFound(f"no key {key_id} for region {code}", path="key_id")
    now = c.clock.now()
    until = now if key.valid_until is None else min(key.valid_until, now)
    revoked = key.model_copy(update={"valid_until": max(until, key.valid_from)})
    c.registry.put_key(revoked)
    review = tuple(
        s.subscription_id
        for s in c.subscription_admin.of_region(None, code)
        if s.touched_by(key_id)
    )
    deleted = tuple(sorted(c.subscriptions.deleted_by(code, key_id)))
    answer = RevokedKey(
        **revoked.model_dump(), subscriptions_to_review=review, subscriptions_deleted=deleted
    )
    return json_response(200, answer.model_dump(mode="json"))


class PlatformKeys(Frozen):
    keys: tuple[PlatformKey, ...]


ROUTES: tuple[Operation, ...] = (
    Operation(
        "PUT",
        "/v1/regions/{code}",
        "put_region",
        Tag.META,
        "Register or rename a region, the national platform or a national source",
        Access.OPERATOR,
        {200: Reply(Region, "The region.")},
        (errors.SchemaError, DuplicateValue, errors.Busy),
        description="`kind` follows the code: `region` for a GB/T 2260 division (never 10xxxx), "
        "`national_platform` for 信用中国 (100000), `national_source` for a national ministry "
        "or sector platform (1000NN), which must name its catalogue `domains`; a national "
        "platform or source never relays (`relays_subregions`). A field left out keeps its "
        "stored value (a rename changes only the name); `null` resets it to its default. "
        "Refusals are 400 with `path` "
        "and a code: `unknown_division` (path `code`: no division ever had it), "
        "`reserved_region_code`, `not_the_nation`, `not_a_national_source_code`, "
        "`domains_required`, `domains_not_permitted`, `unknown_domain`, `domain_reserved` (a "
        "domain only the gateway lists in), `relay_not_permitted`, "
        "`duplicate_value` (path `domains.N`: a domain named twice).",
        body=_RegionBody,
        handler=put_region,
    ),
    Operation(
        "POST",
        "/v1/regions/{code}/keys",
        "add_platform_key",
        Tag.META,
        "Add a platform key to a region (rotation: several may be valid at once)",
        Access.OPERATOR,
        {201: Reply(PlatformKey, "The key; `valid_from` defaults to now.")},
        (
            errors.SchemaError,
            errors.NotFound,
            KeyIdTaken,
            PublicKeyTaken,
            DatesOutOfOrder,
            KeyValidUntilPast,
            FutureDate,
        ),
        body=_KeyBody,
        description="A key id already registered is refused (409 `key_id_taken`) unless the "
        "request is the same registration sent again (200, the key as stored); a public key "
        "registered under another id, of any region, current or revoked, is refused (409 "
        "`public_key_taken`). "
        "Validity that can hold no push is refused (400 with `path`): `valid_until` not after "
        "`valid_from` (`dates_out_of_order`) or already past (`valid_until_past`), `valid_from` "
        "more than a year ahead (`future_date`).",
        handler=add_platform_key,
    ),
    Operation(
        "GET",
        "/v1/regions/{code}/keys",
        "list_platform_keys",
        Tag.META,
        "A region's platform keys",
        Access.OPERATOR,
        {200: Reply(PlatformKeys, "Every key, revoked ones too.")},
        (errors.SchemaError, errors.NotFound),
        handler=list_platform_keys,
    ),
    Operation(
        "DELETE",
        "/v1/regions/{code}/keys/{key_id}",
        "revoke_platform_key",
        Tag.META,
        "Revoke a platform key now",
        Access.OPERATOR,
        {200: Reply(RevokedKey, "The key with its `valid_until`, and what to review.")},
        (errors.SchemaError, errors.NotFound),
        handler=revoke_platform_key,
    ),
)
