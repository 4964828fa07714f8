"""``gateway verify-log``'s check of what the exchange log does not bind: each stored line —
``recognition``, ``intensified``, ``person_measures``, ``sequence`` and all — against the
signature ``gateway listen`` verified when it stored it (``gateway_client.kept_proofs``), so
an edit of the store is found, and a province can show what the gateway told it to apply.

A single delivery is re-verified over its stored bytes under its kept headers; a batch's line
by its announcement's signature and the kept file's digest, the line being one of the file's
(``signature_check`` says how a signature is judged). What no signature binds any more is
said, never passed as proven: a delivery stored without one (before proofs were kept, or by
another receiver), one whose signature cannot be checked here (``v1`` without its secret, a
scheme other than the one checked), a line of a batch file an erasure cut (its digest is
lost; the log still binds its ``data``); and a ``v1`` signature, which whoever holds the
secret could have made, is counted apart from the gateway's own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from pydantic import ValidationError

from gateway_client.contract import BatchAnnouncement, DeliveryPayload, PublishedKey, file_digest
from gateway_client.kept_proofs import BatchProof, DeliveryProof, KeptLine, KeptProofs, stored_form
from gateway_client.signature_check import Outcome, Signatures, Verdict, best

_BatchLines = dict[str, list[tuple[bytes, str, Verdict]]]
"""By delivery id: each kept file's line of that id, the batch's name, and how far the file
is proven."""


@dataclass(frozen=True)
class ProofFindings:
    """What re-verifying a store found: how many lines verified (under the gateway's key, or
    only under a ``v1`` secret), the rest by why not."""

    reverified: int = 0
    by_secret: int = 0  # v1: they match a secret given, which the province holds too
    cut: tuple[str, ...] = ()  # in a batch file an erasure cut: the log binds their data only
    unsigned: tuple[str, ...] = ()  # stored without a kept signature
    unreverified: tuple[tuple[str, str], ...] = ()  # (delivery id, why not re-verified)
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class StoredCopy:
    """A store as verify-log re-verifies it: its lines as stored (delivery, bytes), what was
    kept beside them (``subscriber_files.read_copy``: as of the same moment), and the ``v1``
    secrets the subscription has had. ``required``: every line must be re-verified, but for
    those of a file an erasure cut — for a store this listener kept from the start, where a
    proof missing was removed."""

    lines: tuple[tuple[DeliveryPayload, bytes], ...]
    kept: KeptProofs = field(default_factory=KeptProofs)
    secrets: tuple[str, ...] = ()
    required: bool = False

    def reverify(self, keys: Sequence[PublishedKey]) -> ProofFindings:
        """Each stored line: re-verified if any of its proofs verifies it, altered if one
        that can be checked fails, else the reason it is not re-verified."""
        signatures = Signatures(tuple(keys), self.secrets)
        in_batches = _batch_lines(self.kept, signatures)
        found: dict[str, list[tuple[str, str]]] = defaultdict(list)
        problems = []
        for delivery, line in self.lines:
            proofs = self.kept.deliveries.get(delivery.delivery_id, ())
            verdicts = [
                *(_single(signatures, proof, delivery, line) for proof in proofs),
                *(
                    verdict if kept == line else ("failed", f"it differs from its line in {name}")
                    for kept, name, verdict in in_batches.get(delivery.delivery_id, ())
                ),
            ]
            outcome, why = best(verdicts) if verdicts else _UNSIGNED
            said = f"delivery {delivery.delivery_id}"
            if outcome == "failed":
                problems.append(f"{said} was altered after it was stored: {why}")
            elif outcome in ("unchecked", "unsigned") and self.required:
                problems.append(f"{said} is not re-verified: {why}")
            else:
                found[outcome].append((delivery.delivery_id, why))
        return ProofFindings(
            reverified=len(found["verified"]),
            by_secret=len(found["secret"]),
            cut=tuple(delivery_id for delivery_id, _ in found["cut"]),
            unsigned=tuple(delivery_id for delivery_id, _ in found["unsigned"]),
            unreverified=tuple(found["unchecked"]),
            problems=tuple(problems),
        )


def _single(
    signatures: Signatures, proof: DeliveryProof, delivery: DeliveryPayload, line: bytes
) -> Verdict:
    body = proof.signed_body(line)
    try:
        stored = stored_form(body)
    except (ValueError, RecursionError):  # a kept body no webhook had (the file edited)
        return "failed", "its kept body is no webhook body"
    if stored != line:
        return "failed", "its line differs from the body kept with its signature"
    if proof.webhook_id != delivery.delivery_id:
        return "failed", f"its kept signature is webhook {proof.webhook_id}'s"
    return signatures.check(proof, body, delivery.data.occurred_at)


def _batch_lines(kept: KeptProofs, signatures: Signatures) -> _BatchLines:
    """The kept batch files' lines, each with how far its file is proven."""
    by_file: dict[str, list[BatchProof]] = {}
    for proof in kept.batches:
        by_file.setdefault(proof.sha256, []).append(proof)
    found: _BatchLines = {}
    for sha256, proofs in by_file.items():
        file = kept.files.get(sha256)
        if file is None:  # its lines, if stored, are stored without their proof
            continue
        lines = [(about, line) for line in file.split(b"\n") if (about := KeptLine.read(line))]
        occurred = [about.occurred_at for about, _ in lines if about.occurred_at is not None]
        # an erasure may leave a file no line: nothing then bounds its announcement's time
        # (datetime.min would overflow where the receivers' tolerance is taken from it)
        latest = max(occurred, default=datetime.fromtimestamp(0, UTC))
        verdict = best([_file(kept, signatures, proof, file, latest) for proof in proofs])
        name = f"batch {proofs[0].webhook_id}"
        for about, line in lines:
            found.setdefault(about.delivery_id, []).append((line, name, verdict))
    return found


def _file(
    kept: KeptProofs, signatures: Signatures, proof: BatchProof, file: bytes, latest: datetime
) -> Verdict:
    """The announcement's signature (made after the latest change the file carries), then the
    kept file against what it signed: the same bytes, or cut by erasures of listings whose
    tombstone is stored, by as many lines as the file lacks."""
    body = proof.signed_body()
    signed = signatures.check(proof, body, latest)
    if signed[0] not in _SIGNED:
        return signed
    try:
        announced = BatchAnnouncement.model_validate_json(body)
    except ValidationError:
        return "failed", "its batch's kept announcement is no announcement"
    name = f"batch {announced.batch_id}"
    if (announced.batch_id, announced.sha256) != (proof.webhook_id, proof.sha256):
        return "failed", f"{name}'s kept announcement is for another webhook or file"
    if file_digest(file) == announced.sha256 and len(file) == announced.size:
        return signed
    cuts = kept.cuts.get(announced.sha256, ())
    if not cuts:
        return "failed", f"{name}'s kept file no longer has the SHA-256 its announcement signed"
    left = sum(1 for line in file.split(b"\n") if line.strip())
    erased = {cut.listing_id: cut.lines for cut in cuts}  # recorded again after a crash
    if not set(erased) <= kept.purged or left + sum(erased.values()) != announced.count:
        return "failed", f"{name}'s kept file was cut, and not by an erasure of what it held"
    gone = ", ".join(sorted(erased))
    return "cut", f"{name} was cut when {gone} was purged: its SHA-256 is lost"


_SIGNED: tuple[Outcome, ...] = ("verified", "secret")
_UNSIGNED: tuple[Literal["unsigned"], str] = ("unsigned", "it was stored without its signature")
