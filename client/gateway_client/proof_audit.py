"""``gateway verify-log``'s check of what the exchange log does not bind: each stored line —
``recognition``, ``intensified``, ``person_measures``, ``sequence`` and all — against the
signature ``gateway listen`` verified when it stored it (``gateway_client.kept_proofs``), so
an edit of the store is found, and a province can show what the gateway told it to apply.

A single delivery is re-verified over its stored bytes under its kept headers; a batch's line
by its announcement's signature and the kept file's digest, the line being one of the file's.
The gateway's keys are those ``/v1/keys`` lists, each for what it signed while valid; a ``v1``
(HMAC) signature needs the subscription's secret. What no signature binds any more is said,
never passed as proven: a delivery stored without one (before proofs were kept, or by another
receiver), or one whose signature cannot be checked here (``v1`` without a secret, a scheme
other than the one checked, a key no longer listed, a batch file an erasure has cut).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from pydantic import ValidationError

from gateway_client.contract import (
    SM2_VERSION,
    BatchAnnouncement,
    ChangeType,
    DeliveryPayload,
    GatewayError,
    PublishedKey,
    SignedHeaders,
    file_digest,
    verify_gateway_signed,
    verify_hmac,
)
from gateway_client.kept_proofs import BatchProof, DeliveryProof, KeptProofs, SignedBy, stored_form

Verdict = tuple[Literal["verified", "unchecked", "failed"], str]
_VERIFIED: Verdict = ("verified", "")
_SCHEMES = {"v1a": "ed25519", SM2_VERSION: "sm2"}  # what checks each gateway signature


@dataclass(frozen=True)
class ProofFindings:
    """What re-verifying a store found: how many lines verified, the rest by why not."""

    reverified: int = 0
    unsigned: tuple[str, ...] = ()  # stored without a kept signature
    unreverified: tuple[tuple[str, str], ...] = ()  # (delivery id, why not re-verified)
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class StoredCopy:
    """A store as verify-log re-verifies it: its lines as stored (delivery, bytes), what was
    kept beside them, and the ``v1`` secrets the subscription has had. ``required``: every
    line must be re-verified — for a store this listener kept from the start, where a proof
    missing was removed."""

    lines: tuple[tuple[DeliveryPayload, bytes], ...]
    kept: KeptProofs = field(default_factory=KeptProofs)
    secrets: tuple[str, ...] = ()
    required: bool = False

    def reverify(self, keys: Sequence[PublishedKey]) -> ProofFindings:
        """Each stored line: re-verified if any of its proofs verifies it, altered if one
        that can be checked fails, else the reason it is not re-verified."""
        signatures = _Signatures(tuple(keys), self.secrets)
        in_batches = _BatchLines(self, signatures).by_delivery()
        verified, unsigned, unchecked, problems = 0, [], [], []
        for delivery, line in self.lines:
            verdicts = [
                *(self._single(signatures, p, delivery, line) for p in self._proofs(delivery)),
                *(
                    verdict if kept == line else ("failed", f"it differs from its line in {name}")
                    for kept, name, verdict in in_batches.get(delivery.delivery_id, ())
                ),
            ]
            outcomes = {outcome: why for outcome, why in reversed(verdicts)}  # the first why
            said = f"delivery {delivery.delivery_id}"
            if "verified" in outcomes:
                verified += 1
            elif "failed" in outcomes:
                problems.append(f"{said} was altered after it was stored: {outcomes['failed']}")
            elif self.required:
                why = outcomes.get("unchecked", "it was stored without its signature")
                problems.append(f"{said} is not re-verified: {why}")
            elif "unchecked" in outcomes:
                unchecked.append((delivery.delivery_id, outcomes["unchecked"]))
            else:
                unsigned.append(delivery.delivery_id)
        return ProofFindings(verified, tuple(unsigned), tuple(unchecked), tuple(problems))

    def _proofs(self, delivery: DeliveryPayload) -> tuple[DeliveryProof, ...]:
        return tuple(self.kept.deliveries.get(delivery.delivery_id, ()))

    @staticmethod
    def _single(
        signatures: _Signatures, proof: DeliveryProof, delivery: DeliveryPayload, line: bytes
    ) -> Verdict:
        body = proof.signed_body(line)
        if stored_form(body) != line:
            return "failed", "its line differs from the body kept with its signature"
        if proof.webhook_id != delivery.delivery_id:
            return "failed", f"its kept signature is webhook {proof.webhook_id}'s"
        return signatures.check(proof, body)


@dataclass(frozen=True)
class _Signatures:
    keys: tuple[PublishedKey, ...]
    secrets: tuple[str, ...]

    def check(self, signed: SignedBy, body: bytes) -> Verdict:
        """Whether the gateway signed ``body`` under these headers, at their timestamp."""
        try:
            headers = signed.headers()
            moment = datetime.fromtimestamp(headers.timestamp, UTC)
        except (GatewayError, ValueError, OverflowError, OSError):  # no webhook's, no moment's
            return "failed", "its kept headers are no webhook's"
        stamp = f"its signature (webhook-timestamp {headers.timestamp})"
        schemes = {part.partition(",")[0] for part in headers.signature.split()}
        if "v1" in schemes:  # an HMAC subscription: its secret alone verifies
            if not self.secrets:
                return "unchecked", "v1 (HMAC): no --secret-file given"
            if any(_hmac_verifies(headers, body, secret) for secret in self.secrets):
                return _VERIFIED
            return "failed", f"{stamp} matches none of the secrets given"
        algorithms = {key.algorithm for key in self.keys}
        if not {_SCHEMES.get(scheme) for scheme in schemes} & algorithms:
            return "unchecked", f"signed {' '.join(sorted(schemes))}, not checked with these keys"
        try:
            verify_gateway_signed(headers, body, self.keys, moment)
        except GatewayError:
            if signed.key_id is not None and signed.key_id not in {k.key_id for k in self.keys}:
                return (
                    "unchecked",
                    f"signed under key {signed.key_id}, which /v1/keys no longer lists",
                )
            return "failed", f"{stamp} no longer verifies"
        return _VERIFIED


def _hmac_verifies(headers: SignedHeaders, body: bytes, secret: str) -> bool:
    try:
        verify_hmac(headers, body, secret)
    except GatewayError:
        return False
    return True


@dataclass(frozen=True)
class _BatchLines:
    """The kept batch files' lines, each with how far its file is proven."""

    copy: StoredCopy
    signatures: _Signatures

    def by_delivery(self) -> dict[str, list[tuple[bytes, str, Verdict]]]:
        found: dict[str, list[tuple[bytes, str, Verdict]]] = {}
        by_file: dict[str, list[BatchProof]] = {}
        for proof in self.copy.kept.batches:
            by_file.setdefault(proof.sha256, []).append(proof)
        for sha256, proofs in by_file.items():
            file = self.copy.kept.files.get(sha256)
            if file is None:  # its lines, if stored, are stored without their proof
                continue
            verdict = _best([self._file(proof, file) for proof in proofs])
            name = f"batch {proofs[0].webhook_id}"
            for line in file.split(b"\n"):
                delivery_id = _delivery_id(line)
                if delivery_id is not None:
                    found.setdefault(delivery_id, []).append((line, name, verdict))
        return found

    def _file(self, proof: BatchProof, file: bytes) -> Verdict:
        """The announcement's signature, then the kept file against what it signed."""
        body = proof.signed_body()
        signed = self.signatures.check(proof, body)
        if signed[0] != "verified":
            return signed
        try:
            announced = BatchAnnouncement.model_validate_json(body)
        except ValidationError:
            return "failed", "its batch's kept announcement is no announcement"
        name = f"batch {announced.batch_id}"
        if (announced.batch_id, announced.sha256) != (proof.webhook_id, proof.sha256):
            return "failed", f"{name}'s kept announcement is for another webhook or file"
        if file_digest(file) == announced.sha256 and len(file) == announced.size:
            return _VERIFIED
        cuts = self.copy.kept.cuts.get(announced.sha256, ())
        if not cuts:
            return "failed", f"{name}'s kept file no longer has the SHA-256 its announcement signed"
        purged = {
            d.data.listing.listing_id
            for d, _ in self.copy.lines
            if d.data.type == ChangeType.PURGED
        }
        left = sum(1 for line in file.split(b"\n") if line.strip())
        erased = {cut.listing_id: cut.lines for cut in cuts}  # recorded again after a crash
        if not set(erased) <= purged or left + sum(erased.values()) != announced.count:
            return "failed", f"{name}'s kept file was cut, and not by an erasure of what it held"
        gone = ", ".join(sorted(erased))
        return "unchecked", f"{name} was cut when {gone} was purged: its SHA-256 is lost"


def _best(verdicts: Sequence[Verdict]) -> Verdict:
    """Of one file's announcements (a retried batch is kept once per attempt): any verifies."""
    ranked = sorted(verdicts, key=lambda v: ("verified", "failed", "unchecked").index(v[0]))
    return ranked[0]


def _delivery_id(line: bytes) -> str | None:
    """A kept line's delivery id, read without validating the whole delivery (the stored line
    it stands for is, and must equal it byte for byte)."""
    try:
        found = json.loads(line)
    except (ValueError, RecursionError):
        return None
    named = found.get("delivery_id") if isinstance(found, dict) else None
    return named if isinstance(named, str) else None
