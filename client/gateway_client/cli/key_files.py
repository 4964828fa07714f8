"""A platform's key file: what ``gateway keygen`` writes and every signing command reads.

The first line is the private key, ``whsk_…`` (Ed25519, signs ``v1a``) or ``sm2sk_…`` (SM2,
signs ``v1sm2``). An SM2 key registered with its own user ID carries it on a second line,
``user_id=<id>``, so that every command signs under the ID the gateway verifies with.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gateway_client.cli.errors import CliError
from gateway_client.contract import (
    SM2_DEFAULT_USER_ID,
    Ed25519Signer,
    RequestSigner,
    Sm2PrivateKey,
    Sm2Signer,
    derive_private_key,
    generate_signing_key,
    generate_sm2_key,
    hmac_key,
    load_private_key,
    public_key_text,
)

_USER_ID = "user_id="


@dataclass(frozen=True)
class Registration:
    """What ``POST /v1/regions/{code}/keys`` needs to know of a key file's key."""

    algorithm: str
    public_key: str
    user_id: str | None = None


def new_key_file(algorithm: str, user_id: str | None) -> tuple[str, Registration]:
    """A key file's text for a new key, and how to register it."""
    if user_id is not None and (not user_id or user_id != user_id.strip() or "\n" in user_id):
        raise CliError("--user-id: one line, without spaces at either end")
    if algorithm == "sm2":
        private = generate_sm2_key()
        public = Sm2PrivateKey.from_text(private).public_key.text()
        extra = f"{_USER_ID}{user_id}\n" if user_id else ""
        return f"{private}\n{extra}", Registration("sm2", public, user_id)
    if user_id:
        raise CliError("--user-id belongs to sm2 keys (an Ed25519 signature has no user ID)")
    private = generate_signing_key()
    return private + "\n", Registration("ed25519", public_key_text(load_private_key(private)))


def read_signer(key_id: str, path: str) -> RequestSigner:
    """The signer a key file holds, as ``key_id``."""
    key, user_id = _private_key(path)
    if isinstance(key, Sm2PrivateKey):
        return Sm2Signer(key_id, key, user_id)
    return Ed25519Signer(key_id, key)


def read_secret(path: str) -> str:
    """A ``v1`` subscription's ``whsec_`` secret, from a file holding it alone."""
    try:
        text = Path(path).read_text(encoding="utf-8").strip()
    except UnicodeDecodeError as exc:  # as a key file's (a missing file: the command's line)
        raise CliError(f"{path}: not a whsec_ secret (not UTF-8 text)") from exc
    if not text.startswith("whsec_"):
        raise CliError(f"{path}: not a whsec_ secret (the one the subscription's creation showed)")
    try:
        hmac_key(text)
    except ValueError as exc:  # refused at start: an empty key would believe anyone
        raise CliError(f"{path}: {exc}") from None
    return text


def registration(path: str) -> Registration:
    """How to register the public half of a key file's key."""
    key, user_id = _private_key(path)
    if isinstance(key, Sm2PrivateKey):
        own = None if user_id == SM2_DEFAULT_USER_ID else user_id
        return Registration("sm2", key.public_key.text(), own)
    return Registration("ed25519", public_key_text(key))


def _private_key(path: str) -> tuple[Ed25519PrivateKey | Sm2PrivateKey, str]:
    first, user_id = _read(path)
    try:
        if first.startswith("sm2sk_"):
            return Sm2PrivateKey.from_text(first), user_id
        if user_id != SM2_DEFAULT_USER_ID:
            raise ValueError("a user_id line belongs to sm2sk_ keys only")
        return load_private_key(first), user_id
    except ValueError as exc:  # wrong prefix, bad base64, hex or length
        raise CliError(
            f"{path}: not a whsk_ or sm2sk_ private key ({exc}); `gateway keygen` makes one"
        ) from exc


def _read(path: str) -> tuple[str, str]:
    try:
        lines = [line.strip() for line in Path(path).read_text(encoding="utf-8").splitlines()]
    except UnicodeDecodeError as exc:  # a missing file is named by the command's error line
        raise CliError(f"{path}: not a whsk_ or sm2sk_ private key (not UTF-8 text)") from exc
    lines = [line for line in lines if line]
    if not lines:
        raise CliError(f"{path}: the key file is empty; `gateway keygen` makes one")
    if lines[0].startswith("-----BEGIN"):  # not the trailing-lines error a PEM file met
        raise CliError(
            f"{path}: a PEM file, not a key file; its first line must be the whsk_ or sm2sk_ "
            "key `gateway keygen` writes"
        )
    user_ids = [line.removeprefix(_USER_ID) for line in lines[1:] if line.startswith(_USER_ID)]
    if len(lines) - 1 != len(user_ids) or len(user_ids) > 1:
        raise CliError(f"{path}: after the key, only one user_id=<id> line may follow")
    return lines[0], (user_ids[0] if user_ids else SM2_DEFAULT_USER_ID)


def gateway_public_keys(path: str) -> dict[str, str]:
    """The public keys the gateway derives from a signing secret (``CG_SIGNING_KEY``): what an
    operator publishes as ``next`` before switching to that secret."""
    try:
        secret = Path(path).read_text(encoding="utf-8").strip()
        return {
            "ed25519": public_key_text(derive_private_key(secret)),
            "sm2": Sm2PrivateKey.derive(secret).public_key.text(),
        }
    except ValueError as exc:  # too short, a malformed whsk_/sm2sk_ text, not UTF-8
        raise CliError(f"{path}: not a usable signing secret ({exc})") from exc
