"""Regions and their platforms' signing keys: who may push, and with which key."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from gateway_client.contract import (
    ONE_LINE,
    SM2_DEFAULT_USER_ID,
    Conflict,
    Frozen,
    Moment,
    RegionCode,
    Severity,
    Sm2PublicKey,
    Sm2Verifier,
    load_public_key,
    parent,
)

KeyId = Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]{3,64}$")]


class BrokenCommitmentPolicy(Frozen):
    """How a region lists its own broken commitments (违背信用承诺) as black listings: the
    severity and the legal basis (认定依据, 国办发〔2020〕49号) it lists them under."""

    severity: Severity
    legal_basis: Annotated[str, Field(min_length=1, max_length=1000), ONE_LINE]


class Region(Frozen):
    """A registered administrative region; its platform pushes for it."""

    code: RegionCode
    name: Annotated[str, Field(min_length=1, max_length=100), ONE_LINE]
    push_rate_per_minute: Annotated[int, Field(ge=1, le=100_000)] | None = Field(
        default=None,
        description="pushes and upload requests a minute; unset: the gateway's default",
    )
    relays_subregions: bool = Field(
        default=True, description="its platform may push listings decided in its sub-regions"
    )
    broken_commitments: BrokenCommitmentPolicy | None = Field(
        default=None,
        description="list its broken commitments as black listings (违背信用承诺) this way; "
        "unset: a broken commitment stays a commitment record only",
    )

    @property
    def parent(self) -> str | None:
        return parent(self.code)


class KeyIdTaken(Conflict):
    """A key id names one key of one region. Registering it for another region would move the
    key there, and the first region's pushes would start failing (or the key would sign for a
    region it was never handed to), so it is refused instead."""

    code = "key_id_taken"


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
        load_public_key(value)
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

    def sm2_verifier(self) -> Sm2Verifier:
        return Sm2Verifier(Sm2PublicKey.from_text(self.public_key), self.sm2_user_id)

    @property
    def sm2_user_id(self) -> str:
        return self.user_id or SM2_DEFAULT_USER_ID

    def is_valid_at(self, moment: datetime) -> bool:
        return self.valid_from <= moment and (self.valid_until is None or moment < self.valid_until)
