"""The gateway's own signing keys as published at ``GET /v1/keys``: the current one and the
others a receiver should still (or already) accept, each with the time it is valid for.

Why a list with validity: the gateway key rotates. Deliveries and checkpoints are signed with
the current key only, but a receiver that refreshes ``/v1/keys`` now and then must accept the
next key before the switch and the previous one for a while after it. A listed key counts only
for signatures made while it was valid (a delivery's ``webhook-timestamp``, a checkpoint's
``at``), so a retired key's ``valid_until`` also bounds what it could still forge.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Annotated, Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import AfterValidator, Field

from gateway_client.contract.model import Frozen, Moment
from gateway_client.contract.signing import Ed25519Signer, load_public_key, public_key_text

KeyStatus = Literal["current", "next", "previous"]


def _public_key(text: str) -> str:
    load_public_key(text)  # raises ValueError, which pydantic reports on the field
    return text


class PublishedKey(Frozen):
    """One gateway key a receiver accepts: ``previous`` keys carry ``valid_until``, a ``next``
    key is published ahead of the switch; ``status`` is set when the list is published."""

    key_id: str = Field(pattern=r"^[A-Za-z0-9._-]{3,64}$")
    algorithm: Literal["ed25519"] = "ed25519"
    public_key: Annotated[str, AfterValidator(_public_key)] = Field(
        description="whpk_<base64>: verifies v1a deliveries and log checkpoints"
    )
    valid_from: Moment | None = None
    valid_until: Moment | None = None
    status: KeyStatus | None = None

    def valid_at(self, moment: datetime) -> bool:
        return (self.valid_from is None or self.valid_from <= moment) and (
            self.valid_until is None or moment <= self.valid_until
        )

    def verifier(self) -> Ed25519PublicKey:
        return load_public_key(self.public_key)


AnyKey = Ed25519PublicKey | PublishedKey


def key_set(current: Ed25519Signer, others: Sequence[PublishedKey]) -> list[PublishedKey]:
    """What ``/v1/keys`` lists: the signing key first, then the configured others."""
    signing = PublishedKey(
        key_id=current.key_id,
        public_key=public_key_text(current.private_key),
        status="current",
    )
    listed = [
        key.model_copy(update={"status": "previous" if key.valid_until else "next"})
        for key in others
        if key.key_id != current.key_id
    ]
    return [signing, *listed]


def usable_at(keys: Iterable[AnyKey], moment: datetime) -> list[Ed25519PublicKey]:
    """The keys that may have made a signature at ``moment``: a bare public key always, a
    published one only inside its validity."""
    return [
        key.verifier() if isinstance(key, PublishedKey) else key
        for key in keys
        if not isinstance(key, PublishedKey) or key.valid_at(moment)
    ]
