"""The ``v1sm2`` signature scheme: SM2-with-SM3 over exactly the content ``v1a`` signs.

``webhook-signature: v1sm2,<base64 of r ‖ s>`` (64 bytes before encoding), over the push form
``"{webhook-id}.{webhook-timestamp}.{body}"`` or, for other signed requests, the request form
(``signing.RequestTarget``), hashed as GM/T 0003 says with the signer's user ID and public key
(``Z_A``). Timestamp window, replay and method/path binding are the same as for ``v1a``: only
the algorithm differs, so a platform switches by registering an SM2 key and nothing else.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass

from gateway_client.contract.signing import (
    RequestTarget,
    SignedHeaders,
    content_of,
    verify_any,
)
from gateway_client.contract.sm2 import DEFAULT_USER_ID, Sm2PrivateKey, Sm2PublicKey

SM2_VERSION = "v1sm2"


@dataclass(frozen=True)
class Sm2Signer:
    """Signs ``v1sm2`` as ``key_id``; ``user_id`` is the one registered with the key."""

    key_id: str
    private_key: Sm2PrivateKey
    user_id: str = DEFAULT_USER_ID

    def sign(
        self, msg_id: str, timestamp: int, body: bytes, target: RequestTarget | None = None
    ) -> str:
        """Push form without ``target``; the request form with it."""
        content = content_of(msg_id, timestamp, body, target)
        signature = self.private_key.sign(content, self.user_id)
        return f"{SM2_VERSION}," + base64.b64encode(signature).decode()


@dataclass(frozen=True)
class Sm2Verifier:
    """A public key with the user ID it signs under."""

    public_key: Sm2PublicKey
    user_id: str = DEFAULT_USER_ID


def verify_sm2(
    signed: SignedHeaders,
    body: bytes,
    keys: Iterable[Sm2Verifier],
    target: RequestTarget | None = None,
) -> None:
    """Pass when any ``v1sm2`` signature verifies under any of ``keys`` (rotation), over the
    push form, or over the request form of ``target``."""
    candidates = list(keys)

    def verifies(signature: bytes, content: bytes) -> bool:
        return any(k.public_key.verify(signature, content, k.user_id) for k in candidates)

    verify_any(signed, body, SM2_VERSION, verifies, target)
