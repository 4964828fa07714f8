"""Page tokens that may hold a table key, and so a credit code (a resident ID number for a
person): sealed with AES-GCM under a key derived from the listing-id secret, so a token shows
nothing to whoever sees it (an address bar, a proxy's log) and cannot be forged."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
from collections.abc import Callable
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_NONCE = 12
_MAX_CHARS = 2048  # a token of a table key and a position is a few hundred characters


class Sealer:
    def __init__(self, key: Callable[[], bytes], label: bytes) -> None:
        self._key = key  # read on first use
        self._label = label  # one label per use: a token of one kind never opens as another

    def _aead(self) -> AESGCM:
        return AESGCM(hmac.new(self._key(), self._label, hashlib.sha256).digest())

    def seal(self, content: Any) -> str:
        nonce = os.urandom(_NONCE)
        plain = json.dumps(content).encode()
        return base64.urlsafe_b64encode(nonce + self._aead().encrypt(nonce, plain, None)).decode()

    def open(self, token: str) -> Any:
        """What ``seal`` took; ``ValueError`` for anything this gateway did not seal."""
        try:
            if len(token) > _MAX_CHARS:
                raise ValueError("too long")
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            return json.loads(self._aead().decrypt(raw[:_NONCE], raw[_NONCE:], None))
        except (ValueError, binascii.Error, InvalidTag) as error:
            raise ValueError("not a page token of this gateway") from error
