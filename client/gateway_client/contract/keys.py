"""The gateway's own signing keys as published at ``GET /v1/keys``: the current ones and the
others a receiver should still (or already) accept, each with the time it is valid for.

Why a list with validity: the gateway keys rotate. Deliveries and checkpoints are signed with
the current keys only, but a receiver that refreshes ``/v1/keys`` now and then must accept the
next key before the switch and the previous one for a while after it. A listed key counts only
for signatures made while it was valid (a delivery's ``webhook-timestamp``, a checkpoint's
``at``), so a retired key's ``valid_until`` also bounds what it could still forge: a delivery's
timestamp must be within minutes of the receiver's clock, and a checkpoint's ``at``, which is
not signed, no earlier than a smaller checkpoint's (``gateway_client.checkpoint_trust``).

The gateway holds two current keys: Ed25519 (``v1a`` deliveries, checkpoints) and SM2
(``v1sm2`` deliveries, the checkpoints' second signature) for receivers that must rely on
national algorithms; each rotates the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import Field, ValidationInfo, field_validator, model_validator

from gateway_client.contract.errors import InvalidSignature, Sm2NotOffered
from gateway_client.contract.model import Frozen, Moment
from gateway_client.contract.signing import (
    Ed25519Signer,
    RequestSigner,
    SignedHeaders,
    signatures_of,
    verify_ed25519,
)
from gateway_client.contract.signing_keys import load_public_key, public_key_text
from gateway_client.contract.sm2 import DEFAULT_USER_ID, Sm2PublicKey
from gateway_client.contract.sm2_signing import SM2_VERSION, Sm2Signer, Sm2Verifier, verify_sm2

KeyStatus = Literal["current", "next", "previous"]


class PublishedKey(Frozen):
    """One gateway key a receiver accepts: ``previous`` keys carry ``valid_until``, a ``next``
    key is published ahead of the switch; ``status`` is set when the list is published."""

    key_id: str = Field(pattern=r"^[A-Za-z0-9._-]{3,64}$")
    algorithm: Literal["ed25519", "sm2"] = "ed25519"
    public_key: str = Field(
        description="ed25519: whpk_<base64>, verifies v1a deliveries and log checkpoints; "
        "sm2: 04‖X‖Y in hex, verifies v1sm2 deliveries and the checkpoints' sm2_signature"
    )
    # Left out when unset, as every field added after receivers were written: a receiver
    # whose models forbid unknown fields keeps reading the list while SM2 signing is off.
    user_id: Annotated[str, Field(min_length=1, max_length=256)] | None = Field(
        default=None,
        description=f"sm2 only: the user ID it signs under ({DEFAULT_USER_ID})",
        exclude_if=lambda value: value is None,
    )
    valid_from: Moment | None = None
    valid_until: Moment | None = None
    status: KeyStatus | None = None

    @field_validator("public_key")
    @classmethod
    def _public_key(cls, text: str, info: ValidationInfo) -> str:
        # raises ValueError, which pydantic reports on the field
        if info.data.get("algorithm") == "sm2":
            return Sm2PublicKey.from_text(text).text()
        load_public_key(text)
        return text

    @model_validator(mode="after")
    def _user_id_for_sm2(self) -> PublishedKey:
        if self.user_id is not None and self.algorithm != "sm2":
            raise ValueError("user_id belongs to sm2 keys only")
        return self

    def valid_at(self, moment: datetime) -> bool:
        return (self.valid_from is None or self.valid_from <= moment) and (
            self.valid_until is None or moment <= self.valid_until
        )

    def verifier(self) -> Ed25519PublicKey:
        return load_public_key(self.public_key)

    def sm2_verifier(self) -> Sm2Verifier:
        return Sm2Verifier(Sm2PublicKey.from_text(self.public_key), self.user_id or DEFAULT_USER_ID)


AnyKey = Ed25519PublicKey | PublishedKey


@dataclass(frozen=True)
class GatewaySigners:
    """The gateway's current keys; a subscription's scheme picks the one it is sent with.

    ``sm2`` is ``None`` unless the deployment turned SM2 signing on: a receiver written before
    SM2 keys existed may refuse a key list holding one, so none is listed until it is wanted."""

    ed25519: Ed25519Signer
    sm2: Sm2Signer | None = None

    def for_scheme(self, scheme: str) -> RequestSigner:
        if scheme != SM2_VERSION:
            return self.ed25519
        if self.sm2 is None:
            raise Sm2NotOffered("this gateway holds no SM2 key (CG_SM2_SIGNING is off)")
        return self.sm2


def key_set(current: GatewaySigners, others: Sequence[PublishedKey]) -> list[PublishedKey]:
    """What ``/v1/keys`` lists: the signing keys first, then the configured others."""
    signing = [
        PublishedKey(
            key_id=current.ed25519.key_id,
            public_key=public_key_text(current.ed25519.private_key),
            status="current",
        )
    ]
    if current.sm2 is not None:
        sm2 = current.sm2
        public = sm2.private_key.public_key.text()
        signing.append(
            PublishedKey(
                key_id=sm2.key_id,
                algorithm="sm2",
                public_key=public,
                user_id=sm2.user_id,
                status="current",
            )
        )
    ids = {key.key_id for key in signing}
    listed = [
        key.model_copy(update={"status": "previous" if key.valid_until else "next"})
        for key in others
        if key.key_id not in ids
    ]
    return [*signing, *listed]


def usable_at(keys: Iterable[AnyKey], moment: datetime) -> list[Ed25519PublicKey]:
    """The Ed25519 keys that may have made a signature at ``moment``: a bare public key always,
    a published one only inside its validity."""
    return [
        key.verifier() if isinstance(key, PublishedKey) else key
        for key in keys
        if not isinstance(key, PublishedKey)
        or (key.algorithm == "ed25519" and key.valid_at(moment))
    ]


def sm2_usable_at(keys: Iterable[AnyKey], moment: datetime) -> list[Sm2Verifier]:
    """The published SM2 keys valid at ``moment``."""
    return [
        key.sm2_verifier()
        for key in keys
        if isinstance(key, PublishedKey) and key.algorithm == "sm2" and key.valid_at(moment)
    ]


def verify_gateway_signed(
    signed: SignedHeaders, body: bytes, keys: Iterable[AnyKey], moment: datetime
) -> None:
    """Pass when a ``v1a`` or ``v1sm2`` signature verifies under a listed gateway key valid at
    ``moment`` (its ``webhook-timestamp``). A receiver that must rely on SM2 alone passes only
    the ``sm2`` keys: a ``v1a`` signature then has nothing to verify against."""
    listed = list(keys)
    if signatures_of(signed.signature, SM2_VERSION):
        try:
            verify_sm2(signed, body, sm2_usable_at(listed, moment))
        except InvalidSignature:
            if not signatures_of(signed.signature, "v1a"):
                raise
        else:
            return
    verify_ed25519(signed, body, usable_at(listed, moment))
