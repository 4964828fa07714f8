"""Regions and their platforms' signing keys: who may push, and with which key."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from gateway.broken_commitment_terms import BrokenCommitmentPolicy
from gateway_client.contract import (
    NATION,
    ONE_LINE,
    SM2_DEFAULT_USER_ID,
    Conflict,
    DomainKeys,
    Frozen,
    Moment,
    RegionCode,
    Sm2PublicKey,
    Sm2Verifier,
    canonical_public_key,
    existing_region,
    intake_of,
    is_division,
    is_national_source,
    load_catalogue,
    parent,
    public_key_bytes,
)

KEY_ID_PATTERN = r"^[A-Za-z0-9._-]{3,64}$"
KeyId = Annotated[str, Field(pattern=KEY_ID_PATTERN)]


def _gateway_listed(key: str) -> bool:
    domain = load_catalogue().domain(key)
    return domain is not None and domain.gateway_listed


PlatformKind = Literal["region", "national_platform", "national_source"]
"""region: a GB/T 2260 division's platform; national_platform: 信用中国 (the nation, 100000),
the tree's root, which lists only in its own name; national_source: a national ministry or
sector platform (国家部委/行业平台: the courts, tax, customs…) under a reserved 1000NN code,
limited to the catalogue domains it may list."""

_NATIONAL_KINDS = ("national_platform", "national_source")


class Region(Frozen):
    """A registered platform: an administrative region's, the nation's or a national source's."""

    code: RegionCode
    name: Annotated[str, Field(min_length=1, max_length=100), ONE_LINE]
    kind: PlatformKind = Field(default="region", validate_default=True)
    domains: DomainKeys = Field(
        default=(),
        max_length=50,
        validate_default=True,
        description="national_source only, and required: the catalogue domains it may list",
    )
    push_rate_per_minute: Annotated[int, Field(ge=1, le=100_000)] | None = Field(
        default=None,
        description="pushes and upload requests a minute; unset: the gateway's default",
    )
    relays_subregions: bool = Field(
        default=True,
        description="its platform may push listings decided in its sub-regions; false (and "
        "the default) for the national kinds, which never change a province's listings",
    )
    broken_commitments: BrokenCommitmentPolicy | None = Field(
        default=None,
        description="list its broken commitments as black listings (违背信用承诺) this way; "
        "unset: a broken commitment stays a commitment record only",
    )
    relays_since: date | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="the Beijing day relaying was last turned on (set by the gateway): its "
        "broken-commitment policy applies to its sub-regions' promises broken from then on, "
        "not to one broken while it did not act for them; null: relaying since it was "
        "registered",
    )

    def relayed_policy(self) -> BrokenCommitmentPolicy | None:
        """Its policy as it applies to a sub-region it relays for: from the later of the day
        it was set and the day relaying began (review 224: turning relaying on listed a
        county's promise broken before)."""
        policy = self.lists_broken_commitments
        since = self.relays_since
        if policy is None or since is None or (policy.since is not None and policy.since >= since):
            return policy
        return policy.model_copy(update={"since": since})

    @model_validator(mode="before")
    @classmethod
    def _national_kinds_do_not_relay(cls, data: object) -> object:
        """The nation is every listing's ancestor: relaying would let it change them all."""
        if isinstance(data, dict) and data.get("kind") in _NATIONAL_KINDS:
            return {"relays_subregions": False, **data}
        return data

    @field_validator("code")
    @classmethod
    def _a_real_division(cls, code: str, info: ValidationInfo) -> str:
        """A typo would register a platform no listing's region ever falls under."""
        return existing_region(code, info)

    @field_validator("kind")
    @classmethod
    def _code_fits_kind(cls, kind: PlatformKind, info: ValidationInfo) -> PlatformKind:
        code = info.data.get("code")
        if code is None:
            return kind
        if kind == "region" and not is_division(code):
            raise PydanticCustomError(
                "reserved_region_code",
                "codes 10xxxx belong to the nation (100000) and national sources (1000NN)",
            )
        if kind == "national_platform" and code != NATION:
            raise PydanticCustomError("not_the_nation", f"the national platform is {NATION}")
        if kind == "national_source" and not is_national_source(code):
            raise PydanticCustomError(
                "not_a_national_source_code", "a national source's code is 1000NN (NN ≠ 00)"
            )
        return kind

    @field_validator("domains")
    @classmethod
    def _domains_for_sources(
        cls, domains: tuple[str, ...], info: ValidationInfo
    ) -> tuple[str, ...]:
        kind = info.data.get("kind")
        if kind is None:  # the kind was refused already: that is the error to report
            return domains
        if kind == "national_source" and not domains:
            raise PydanticCustomError(
                "domains_required", "a national source lists in named domains only"
            )
        if kind != "national_source" and domains:
            raise PydanticCustomError(
                "domains_not_permitted", "only a national source is limited to domains"
            )
        reserved = [d for d in domains if _gateway_listed(d)]
        if reserved and intake_of(info) is not None:  # stored: as read
            raise PydanticCustomError(
                "domain_reserved",
                "{domain} is listed by the gateway itself, from broken commitments",
                {"domain": reserved[0]},
            )
        return tuple(dict.fromkeys(domains))

    @field_validator("relays_subregions")
    @classmethod
    def _no_national_relay(cls, relays: bool, info: ValidationInfo) -> bool:
        if relays and info.data.get("kind") in _NATIONAL_KINDS:
            raise PydanticCustomError(
                "relay_not_permitted",
                "the nation and national sources list in their own name only; they never "
                "change a region's listings",
            )
        return relays

    @field_validator("broken_commitments")
    @classmethod
    def _no_national_commitment_listings(
        cls, policy: BrokenCommitmentPolicy | None, info: ValidationInfo
    ) -> BrokenCommitmentPolicy | None:
        national = info.data.get("kind") in _NATIONAL_KINDS
        if policy is not None and national and intake_of(info) is not None:  # stored: as read
            raise PydanticCustomError(
                "broken_commitments_not_permitted",
                "the nation and national sources make no black listings of broken commitments: "
                "every province would recognise one, outside the domains they may list in",
            )
        return policy

    @property
    def lists_broken_commitments(self) -> BrokenCommitmentPolicy | None:
        """Its policy, unless it is of a national kind (a registration stored before the rule
        above may hold one): what the tick lists broken commitments by."""
        return None if self.kind in _NATIONAL_KINDS else self.broken_commitments

    @property
    def parent(self) -> str | None:
        return parent(self.code)


class KeyIdTaken(Conflict):
    """A key id names one key of one region. Registering it for another region would move the
    key there, and the first region's pushes would start failing (or the key would sign for a
    region it was never handed to), so it is refused instead."""

    code = "key_id_taken"
    default_path = "key_id"


class PublicKeyTaken(Conflict):
    """A key pair signs for one key id. The same public key under a second id would let its
    holder sign for that id's region too (or bring a revoked key back), so it is refused."""

    code = "public_key_taken"
    default_path = "public_key"


PUBLIC_KEY_TAKEN = (
    "this public key is registered under another key id (of this region or another, current or "
    "revoked); a key pair signs for one key id"
)


KeyAlgorithm = Literal["ed25519", "sm2"]


class PlatformKey(Frozen):
    """One of a platform's public keys; several may be valid at once so keys rotate smoothly.

    An ``ed25519`` key verifies ``v1a`` signatures (``whpk_<base64>``); an ``sm2`` key verifies
    ``v1sm2`` (``04 ‖ X ‖ Y`` in hex), under the ``user_id`` it was registered with."""

    key_id: KeyId
    region: RegionCode
    algorithm: KeyAlgorithm = "ed25519"
    public_key: str
    user_id: Annotated[str, Field(min_length=1, max_length=256), ONE_LINE] | None = Field(
        default=None, description=f"sm2 only: the signer's user ID; unset: {SM2_DEFAULT_USER_ID}"
    )
    valid_from: Moment
    valid_until: Moment | None = None

    @field_validator("public_key")
    @classmethod
    def _parsable(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("algorithm") == "sm2":
            return Sm2PublicKey.from_text(value).text()  # one spelling: lower-case hex
        if intake_of(info) is not None:  # registered: a key one can verify with (review 91),
            return canonical_public_key(value)  # in one spelling
        public_key_bytes(value)  # stored: read as it is, refused where it would verify
        return value

    @field_validator("user_id")
    @classmethod
    def _one_spelling(cls, value: str | None) -> str | None:
        """The default ID spelled out is the default (a retry that spells it is the same key);
        spaces at either end would be signed but are easy to lose on the way to the signer."""
        if value is not None and value != value.strip():
            raise ValueError("an SM2 user ID has no spaces at either end")
        return None if value == SM2_DEFAULT_USER_ID else value

    @model_validator(mode="after")
    def _user_id_for_sm2(self) -> PlatformKey:
        if self.user_id is not None and self.algorithm != "sm2":
            raise ValueError("user_id belongs to sm2 keys only")
        return self

    @property
    def material(self) -> bytes:
        """The key itself, whatever its spelling: what two registrations must not share."""
        if self.algorithm == "sm2":
            return bytes.fromhex(self.public_key)
        return public_key_bytes(self.public_key)

    def sm2_verifier(self) -> Sm2Verifier:
        return Sm2Verifier(Sm2PublicKey.from_text(self.public_key), self.sm2_user_id)

    @property
    def sm2_user_id(self) -> str:
        return self.user_id or SM2_DEFAULT_USER_ID

    def is_valid_at(self, moment: datetime) -> bool:
        return self.valid_from <= moment and (self.valid_until is None or moment < self.valid_until)
