"""Whether a signature ``gateway listen`` kept still proves the bytes it kept it for
(``proof_audit``): under the gateway keys ``/v1/keys`` lists, or a ``v1`` subscription's
secrets, and at a time the signature can have been made.

The kept record is not signed itself — its ``key_id``, and its ``webhook-timestamp`` when the
signature does not verify, are whatever the file holds — so neither decides anything: every
key listed for the header's scheme is tried, each at the kept timestamp, and a header that
verifies under none is altered. The timestamp may not be earlier than the change the bytes
carry occurred (its ``occurred_at``, bound by the log): else a retired key, leaked long after
its ``valid_until``, could sign an edited line dated back into its validity. It still signs
what it could have signed while valid: deliveries of changes made before its ``valid_until``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from gateway_client.contract import (
    DEFAULT_TOLERANCE,
    SM2_VERSION,
    GatewayError,
    PublishedKey,
    SignedHeaders,
    verify_gateway_signed,
    verify_hmac,
)
from gateway_client.kept_proofs import SignedBy

Outcome = Literal["verified", "secret", "failed", "cut", "unchecked"]
"""Of a stored line, best first: the gateway's signature verifies it; it matches a ``v1``
secret (which proves nothing against whoever holds the secret, the province included); one
of its proofs fails (altered); its batch file was cut by an erasure; not checked here."""
Verdict = tuple[Outcome, str]
VERIFIED: Verdict = ("verified", "")
_SCHEMES = {"v1a": "ed25519", SM2_VERSION: "sm2"}  # what checks each gateway signature


def best(verdicts: list[Verdict]) -> Verdict:
    """The verdict that counts among several (a retried delivery's proofs, or a retried
    batch's announcements, are kept once per attempt): any that verifies; else the first
    failure; else the first reason it is not re-verified."""
    order = ("verified", "secret", "failed", "cut", "unchecked")
    return min(verdicts, key=lambda verdict: order.index(verdict[0]))


@dataclass(frozen=True)
class Signatures:
    """The gateway keys of the scheme checked, and the ``v1`` secrets given."""

    keys: tuple[PublishedKey, ...]
    secrets: tuple[str, ...]

    def check(self, signed: SignedBy, body: bytes, not_before: datetime) -> Verdict:
        """Whether the gateway signed ``body`` under these headers, at their timestamp, which
        is not before ``not_before`` (less the receivers' tolerance of clocks)."""
        try:
            headers = signed.headers()
            moment = datetime.fromtimestamp(headers.timestamp, UTC)
        except (GatewayError, ValueError, OverflowError, OSError):  # no webhook's, no moment's
            return "failed", "its kept headers are no webhook's"
        stamp = f"its signature (webhook-timestamp {headers.timestamp})"
        if moment - not_before < -DEFAULT_TOLERANCE:  # year 1 (edited) overflows a shift
            return "failed", f"{stamp} is dated before its change occurred ({not_before})"
        schemes = {part.partition(",")[0] for part in headers.signature.split()}
        if not schemes & {"v1", *_SCHEMES}:  # the listener kept only what verified
            return "failed", "its kept signature is of no scheme the gateway signs with"
        listed = {scheme for scheme, kind in _SCHEMES.items() if kind in self._algorithms()}
        if schemes & listed:
            try:
                verify_gateway_signed(headers, body, self.keys, moment)
            except GatewayError:
                return "failed", f"{stamp} no longer verifies under a key listed for that time"
            return VERIFIED
        if "v1" not in schemes:
            return "unchecked", f"signed {' '.join(sorted(schemes))}, not checked with these keys"
        if not self.secrets:
            return "unchecked", "v1 (HMAC): no --secret-file given"
        if any(_hmac_verifies(headers, body, secret) for secret in self.secrets):
            return "secret", ""
        return "unchecked", (
            "v1 (HMAC): it matches none of the secrets given (edited, or signed with a secret "
            "not given: one rotated out)"
        )

    def _algorithms(self) -> set[str]:
        return {key.algorithm for key in self.keys}


def _hmac_verifies(headers: SignedHeaders, body: bytes, secret: str) -> bool:
    try:
        verify_hmac(headers, body, secret)
    except GatewayError:
        return False
    return True
