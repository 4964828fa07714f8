"""Builders for valid test data: listing entries, listings, keys and signed pushes."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from stdnum.cn import ric, uscc

from gateway.delivery.planning import payload_for, plan_deliveries, stamped
from gateway.delivery.subscription import Subscription
from gateway.recognition.agreement import Agreement
from gateway.registry import PlatformKey, Region
from gateway_client.contract.change import Change, change_between
from gateway_client.contract.codes import classify
from gateway_client.contract.events import DeliveryPayload
from gateway_client.contract.filters import SubscriptionFilters
from gateway_client.contract.keys import GatewaySigners
from gateway_client.contract.listing import (
    Listing,
    ListingEntry,
    ListingStatus,
    entry_version,
    identity_of,
)
from gateway_client.contract.log import LogEntry
from gateway_client.contract.measure import Measure
from gateway_client.contract.signing import Ed25519Signer, public_key_text
from gateway_client.contract.sm2 import Sm2PrivateKey
from gateway_client.contract.sm2_signing import Sm2Signer
from gateway_client.tlog import Frontier, HashReader, root_of, tile_hash_reader, tiles_for

NOW = datetime(2025, 6, 2, 9, 30, tzinfo=UTC)

USCC = "91110000600037341L"  # a legal person
RESIDENT_ID = "11010519491231002X"  # a natural person

CITY = "441800"  # 清远市
COUNTY = "441802"  # 清城区, inside CITY
OTHER_COUNTY = "420281"  # 大冶市, outside CITY

ABSENT = object()
"""Pass as an override to drop a field from a built entry."""


def make_uscc(serial: int, prefix: str = "91441800") -> str:
    """A valid USCC: ``prefix`` (8 digits), a 9-digit serial, and its check character."""
    body = f"{prefix}{serial:09d}"
    return body + uscc.calc_check_digit(body)


def make_resident_id(birth: str = "19800101", sequence: int = 123, region: str = "110105") -> str:
    """A valid resident ID number for a birth date written YYYYMMDD."""
    body = f"{region}{birth}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")


def _apply(base: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    for name, value in overrides.items():
        if value is ABSENT:
            base.pop(name, None)
        else:
            base[name] = value
    return base


def entry(**overrides: Any) -> dict[str, Any]:
    """A valid black-list entry as a platform pushes it (JSON-ready)."""
    base: dict[str, Any] = {
        "credit_code": USCC,
        "subject_name": "清远某某建材有限公司",
        "kind": "black",
        "domain": "court_defaulter",
        "severity": "serious",
        "reason": "有履行能力而拒不履行生效法律文书确定的义务",
        "legal_basis": "《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条",
        "deciding_authority": "清远市清城区人民法院",
        "decision_number": "(2025)粤1802执123号",
        "decided_on": "2025-03-01",
        "valid_from": "2025-03-02",
        "valid_until": "2027-03-02",
        "source_updated_at": "2025-03-02T08:00:00+08:00",
        "source_sequence": 1,
    }
    return _apply(base, overrides)


FOOD_DRUG: dict[str, Any] = {
    "domain": "food_drug",
    "reason": "生产经营不符合食品安全标准的食品",
    "legal_basis": "《中华人民共和国食品安全法》第一百二十四条",
    "deciding_authority": "清远市市场监督管理局",
}
"""``entry``'s overrides for a black listing outside the court defaulters, whose objection
policy where the owner's region has none is the default's, not national law's."""


def red_entry(**overrides: Any) -> dict[str, Any]:
    """A valid red-list entry (no severity, legal basis optional)."""
    base = entry(
        kind="red",
        domain="a_grade_taxpayer",
        severity=ABSENT,
        legal_basis=ABSENT,
        reason="纳税信用评价为A级",
        deciding_authority="国家税务总局清远市税务局",
        decision_number="清税信〔2025〕1号",
    )
    return _apply(base, overrides)


def listing(
    base: Mapping[str, Any] | None = None,
    *,
    region: str = CITY,
    accepted_at: datetime = NOW,
    provenances: Sequence[str] | None = None,
    **overrides: Any,
) -> Listing:
    """A listing as the gateway holds it, built from ``base`` (default ``entry()``) + overrides."""
    raw = _apply(dict(base) if base is not None else entry(), overrides)
    valid = ListingEntry.model_validate(raw)
    origin = valid.origin_region or region
    fields = valid.model_dump()
    fields["origin_region"] = origin
    subject_type = classify(valid.credit_code)[1]
    return Listing.model_validate(
        {
            **fields,
            "listing_id": identity_of(valid),
            "version": entry_version(valid),
            "subject_type": subject_type,
            "provenances": tuple(provenances or (region,)),
            "accepted_at": accepted_at,
        }
    )


def change(new: Listing | None = None, old: Listing | None = None) -> Change:
    """The change creating (or advancing to) ``new``."""
    made = change_between(new or listing(), old)
    assert made is not None
    return made


def subscription(
    subscription_id: str = "sub-430000",
    *,
    region: str = "430000",
    url: str = "https://credit.hunan.example.cn/hooks/gateway",
    filters: SubscriptionFilters | None = None,
    enabled: bool = True,
    signature_scheme: str = "v1a",
    secret: str | None = None,
) -> Subscription:
    return Subscription.model_validate(
        {
            "subscription_id": subscription_id,
            "region": region,
            "url": url,
            "filters": filters or SubscriptionFilters(),
            "enabled": enabled,
            "signature_scheme": signature_scheme,
            "secret": secret,
            "created_at": NOW,
        }
    )


def make_signer(key_id: str) -> Ed25519Signer:
    return Ed25519Signer(key_id=key_id, private_key=Ed25519PrivateKey.generate())


def make_sm2_signer(key_id: str, user_id: str = "1234567812345678") -> Sm2Signer:
    return Sm2Signer(key_id, Sm2PrivateKey.generate(), user_id)


def gateway_signers(key_id: str) -> GatewaySigners:
    """The gateway's pair of keys, as ``chalicelib.bootstrap`` holds them."""
    return paired(make_signer(key_id))


def paired(signer: Ed25519Signer) -> GatewaySigners:
    """``signer`` with an SM2 key beside it, as the gateway holds its keys."""
    return GatewaySigners(signer, make_sm2_signer(f"{signer.key_id}.sm2"))


def platform_key(
    signer: Ed25519Signer | Sm2Signer,
    region: str,
    valid_from: datetime = datetime(2024, 1, 1, tzinfo=UTC),
    valid_until: datetime | None = None,
) -> PlatformKey:
    """The registration of ``signer``'s key (an SM2 one with its user ID)."""
    algorithm = {}
    if isinstance(signer, Sm2Signer):
        public = signer.private_key.public_key.text()
        algorithm = {"algorithm": "sm2", "user_id": signer.user_id}
    else:
        public = public_key_text(signer.private_key)
    return PlatformKey.model_validate(
        {
            "key_id": signer.key_id,
            "region": region,
            "public_key": public,
            "valid_from": valid_from,
            "valid_until": valid_until,
            **algorithm,
        }
    )


def region(code: str, name: str = "测试地区") -> Region:
    return Region(code=code, name=name)


def envelope_body(
    region: str, entries: Sequence[Any], batch_id: str, now: datetime, **extra: Any
) -> bytes:
    body = {
        "region": region,
        "batch_id": batch_id,
        "issued_at": now.isoformat(),
        "entries": list(entries),
        **extra,
    }
    return json.dumps(body, ensure_ascii=False).encode()


def sign_headers(
    signer: Ed25519Signer,
    msg_id: str,
    body: bytes,
    now: datetime,
    key_id: str | None = None,
    request: tuple[str, str, str] | None = None,
) -> dict[str, str]:
    """Standard Webhooks ``v1a`` headers, signed here with ``cryptography`` directly: the push
    form, or with ``request`` = (method, canonical path, canonical query) the request form,
    spelled out here independently of ``gateway_client.contract.signing``."""
    timestamp = int(now.timestamp())
    head = f"{msg_id}.{timestamp}."
    if request is not None:
        method, path, query = request
        head += f"{method}\n{path}\n{query}\n"
    raw = signer.private_key.sign(head.encode() + body)
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": "v1a," + base64.b64encode(raw).decode(),
        "x-credit-key-id": key_id or signer.key_id,
    }


def signed_push(
    signer: Ed25519Signer,
    region: str,
    entries: Sequence[Any],
    batch_id: str,
    now: datetime,
    **extra: Any,
) -> tuple[dict[str, str], bytes]:
    """Headers and body of a push, as a platform sends it."""
    body = envelope_body(region, entries, batch_id, now, **extra)
    return sign_headers(signer, batch_id, body, now), body


# -- agreements, measures and listing states (recognition tests) --

AGREEMENT_START = date(2025, 1, 1)


def person(
    name: str = "张某某", role: str = "legal_representative", id_number: str | None = None
) -> dict[str, Any]:
    """A responsible person (落实到人) as an entry carries it."""
    return {"name": name, "role": role, "id_number": id_number}


def measure(
    measure_id: str = "agreed_joint_supervision", *, mandatory: bool = True, **overrides: Any
) -> Measure:
    """A measure an agreement names; applies to every listing unless narrowed by overrides."""
    base: dict[str, Any] = {
        "measure_id": measure_id,
        "text": "依协议实施联合监管",
        "department": "省社会信用体系建设领导小组办公室",
        "mandatory": mandatory,
    }
    return Measure.model_validate(_apply(base, overrides))


def agreement_terms(**overrides: Any) -> dict[str, Any]:
    """Raw terms (JSON-ready): 湖南 (430000) recognises 广东 (440000 and below) black lists."""
    base: dict[str, Any] = {
        "title": "湘粤失信联合惩戒合作备忘录",
        "subscriber_region": "430000",
        "sources": [{"region": "440000", "subtree": True}],
        "kinds": ["black"],
        "domains": [],
        "min_severity": None,
        "effective_from": AGREEMENT_START.isoformat(),
        "effective_until": None,
        "measures": [measure().model_dump(mode="json")],
    }
    return _apply(base, overrides)


def agreement(
    agreement_id: str = "agr-hunan-guangdong", *, revision: int = 1, **overrides: Any
) -> Agreement:
    """A signed agreement built from ``agreement_terms()`` + overrides (models or raw values)."""
    return Agreement.model_validate(
        {
            **agreement_terms(**overrides),
            "agreement_id": agreement_id,
            "revision": revision,
            "updated_at": NOW,
        }
    )


def with_status(held: Listing, status: ListingStatus | str) -> Listing:
    """``held`` moved to another lifecycle status (validated like any stored listing)."""
    return Listing.model_validate({**held.model_dump(), "status": status})


# -- lifecycle (removals, objections, repair, expiry, retention) --


def removal(base: Mapping[str, Any] | None = None, **overrides: Any) -> dict[str, Any]:
    """A removal (移出) of the listing built from ``base`` (default ``entry()``), JSON-ready."""
    source = dict(base) if base is not None else entry()
    raw: dict[str, Any] = {
        "credit_code": source["credit_code"],
        "kind": source["kind"],
        "domain": source["domain"],
        "deciding_authority": source["deciding_authority"],
        "decision_number": source["decision_number"],
        "reason": "revoked",
        "source_updated_at": "2025-05-01T08:00:00+08:00",
        "source_sequence": 1,
    }
    return _apply(raw, overrides)


def evolved(held: Listing, **fields: Any) -> Listing:
    """``held`` with gateway bookkeeping or content replaced, validated like a stored listing."""
    return Listing.model_validate({**held.model_dump(), **fields})


# -- the exchange log's published tree --


def published_tiles(entries: Sequence[LogEntry], sizes: Sequence[int]) -> dict[str, bytes]:
    """The tiles a gateway publishing at each of ``sizes`` leaves in its bucket."""
    tiles: dict[str, bytes] = {}
    frontier, done = Frontier.empty(), 0
    for size in sizes:
        grown, hashes = frontier.append([bytes.fromhex(e.hash) for e in entries[done:size]])
        tiles.update(tiles_for(done, size, hashes, tiles.__getitem__))
        frontier, done = grown, size
    return tiles


def tree_root(entries: Sequence[LogEntry]) -> bytes:
    return root_of([bytes.fromhex(e.hash) for e in entries])


def tile_reader(tiles: Mapping[str, bytes]) -> Callable[[int], HashReader]:
    """``audit``'s reader: the tree's hashes at a size, from ``tiles``."""
    return lambda size: tile_hash_reader(size, tiles.__getitem__)


def delivered(
    changes: Sequence[Change], entries: Sequence[LogEntry], sub: Subscription
) -> list[DeliveryPayload]:
    """What ``sub``'s receiver stores of ``changes``, numbered by the log ``entries``."""
    planned = [d for c in changes for d in plan_deliveries(c, [sub], [])]
    logged = {e.change_id: e.sequence for e in entries}
    numbered = stamped(planned, logged, lambda *_: 1)
    return [payload_for(d, subscriber_region=sub.region) for d in numbered]
