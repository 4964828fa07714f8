"""What ``gateway listen`` keeps beside its store so that each stored line can later be shown to
be what the gateway signed — its ``recognition``, ``intensified``, ``person_measures`` and
``sequence`` too, which the exchange log does not bind (the log binds ``data`` alone).

Beside ``<store>``:

* ``<store>.signatures``, one JSON record a line, appended and fsynced before the store's line:
  a single delivery's webhook headers (``delivery``; with the signed body itself where the
  stored line is not those bytes), a batch announcement's headers and body (``batch``), and
  what an erasure cut from a kept batch file (``cut``);
* ``<store>.batches/<sha256>.ndjson``, each batch file as fetched, named by the digest its
  announcement signed: every line of it is a stored delivery's line, byte for byte.

The store file itself keeps its format: tools that read it read it as before.
"""

from __future__ import annotations

import base64
import json
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AfterValidator, Field, TypeAdapter, ValidationError

from gateway_client.contract import (
    ID_HEADER,
    KEY_ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    DeliveryPayload,
    Frozen,
    Sha256Hex,
    SignedHeaders,
    change_digest,
)


def signatures_path(store: Path) -> Path:
    return store.with_name(store.name + ".signatures")


def batches_dir(store: Path) -> Path:
    return store.with_name(store.name + ".batches")


def batch_file(store: Path, sha256: str) -> Path:
    return batches_dir(store) / f"{sha256}.ndjson"


def stored_form(body: bytes) -> bytes:
    """The line a webhook body is stored as: the bytes as signed, unless pretty-printed (a raw
    newline in JSON is only ever whitespace), which one line cannot hold."""
    return body if b"\n" not in body else json.dumps(json.loads(body)).encode()


class SignedBy(Frozen):
    """A webhook's Standard Webhooks headers as received, and the key id the gateway named
    (not signed, and may name a key since withdrawn; said when nothing listed verifies)."""

    webhook_id: str
    webhook_timestamp: int
    webhook_signature: str
    key_id: str | None = Field(default=None, exclude_if=lambda value: value is None)

    def headers(self) -> SignedHeaders:
        """As the listener read them (``GatewayError`` for headers no webhook carries)."""
        return SignedHeaders.from_headers(
            {
                ID_HEADER: self.webhook_id,
                TIMESTAMP_HEADER: str(self.webhook_timestamp),
                SIGNATURE_HEADER: self.webhook_signature,
            }
        )


def received(headers: Mapping[str, str]) -> dict[str, Any]:
    """The fields of ``SignedBy`` from a verified webhook's headers."""
    signed = SignedHeaders.from_headers(headers)
    key_id = {name.lower(): value for name, value in headers.items()}.get(KEY_ID_HEADER)
    return {
        "webhook_id": signed.msg_id,
        "webhook_timestamp": signed.timestamp,
        "webhook_signature": signed.signature,
        "key_id": key_id,
    }


def _encoded(body: bytes) -> str:
    return base64.b64encode(body).decode()


def _base64(text: str) -> str:
    base64.b64decode(text, validate=True)  # binascii.Error, a ValueError: pydantic reports it
    return text


Base64Text = Annotated[str, AfterValidator(_base64)]


class DeliveryProof(SignedBy):
    """A single delivery's signature; ``body`` (base64) only where the line is not the bytes."""

    kind: Literal["delivery"] = "delivery"
    delivery_id: str
    body: Base64Text | None = Field(default=None, exclude_if=lambda value: value is None)

    @classmethod
    def of(cls, headers: Mapping[str, str], delivery_id: str, body: bytes) -> DeliveryProof:
        kept = None if stored_form(body) == body else _encoded(body)
        return cls(delivery_id=delivery_id, body=kept, **received(headers))

    def signed_body(self, line: bytes) -> bytes:
        """The bytes the signature covers, ``line`` being what the store holds."""
        return line if self.body is None else base64.b64decode(self.body)


class BatchProof(SignedBy):
    """A batch announcement's signature and body; its file is kept as ``<sha256>.ndjson``."""

    kind: Literal["batch"] = "batch"
    sha256: Sha256Hex
    body: Base64Text

    @classmethod
    def of(cls, headers: Mapping[str, str], sha256: str, body: bytes) -> BatchProof:
        return cls(sha256=sha256, body=_encoded(body), **received(headers))

    def signed_body(self) -> bytes:
        return base64.b64decode(self.body)


class BatchCut(Frozen):
    """``lines`` lines of ``listing_id`` erased from the kept file ``sha256`` (its retention
    ended): recorded before the file is cut, as the file's digest then no longer matches."""

    kind: Literal["cut"] = "cut"
    sha256: Sha256Hex
    listing_id: str
    lines: Annotated[int, Field(ge=1)]


class ErasedLines(Frozen):
    """The lines of ``listing_id`` an erasure took (from the store, or cut from a batch file
    as it came), each as its log sequence and its change's digest: recorded before they go,
    so ``verify-log`` can tell an entry this subscriber held and erased from one the gateway
    only says was purged. The digest binds the record to the log's leaf: a line carrying
    another entry's sequence excuses nothing."""

    kind: Literal["erased"] = "erased"
    listing_id: str
    entries: tuple[tuple[Annotated[int, Field(ge=1)], Sha256Hex], ...]


Kept = DeliveryProof | BatchProof | BatchCut | ErasedLines
KeptRecord = Annotated[Kept, Field(discriminator="kind")]
RECORD: TypeAdapter[Kept] = TypeAdapter(KeptRecord)


def record_line(record: Kept) -> bytes:
    return record.model_dump_json().encode() + b"\n"


def still_proves(line: bytes, stored: Collection[str]) -> bool:
    """A delivery's proof stays while the delivery is stored; a batch's or a cut's always
    (neither holds anything of a listing), as does a line that is no record (a note)."""
    try:
        record = RECORD.validate_json(line)
    except ValueError:
        return True
    return not isinstance(record, DeliveryProof) or record.delivery_id in stored


@dataclass(frozen=True)
class KeptLine:
    """What an erasure and verify-log need of a stored or kept line, read without validating
    the whole delivery (a stored line is validated as it is read; a kept one must equal it)."""

    delivery_id: str
    listing_id: str
    tombstone: bool
    occurred_at: datetime | None  # the change's, which the log binds
    log_sequence: int | None = None  # where the log holds the change, if the line says

    @classmethod
    def read(cls, line: bytes) -> KeptLine | None:
        """``None`` for a line that is no delivery (someone's note in a file stays). The time
        and sequence are read as ``DeliveryPayload`` reads them (seconds since 1970, ``"2"``):
        a line stored as valid and read here as no delivery was never erased (review 307)."""
        try:
            found = json.loads(line)
            data = found["data"]
            delivery_id, listing_id = found["delivery_id"], data["listing"]["listing_id"]
        except (ValueError, RecursionError, KeyError, TypeError):
            return None
        if not isinstance(delivery_id, str) or not isinstance(listing_id, str):
            return None
        occurred = _lax(_MOMENT, data.get("occurred_at"))
        aware = occurred if occurred is not None and occurred.tzinfo is not None else None
        sequence = _lax(_COUNT, found.get("log_sequence"))
        logged = sequence if sequence is not None and sequence >= 1 else None
        # a tombstone as ``erases`` reads one: a logged listing change only (review 124)
        tombstone = (
            data.get("type") == "purged"
            and found.get("type") == "listing.changed"
            and logged is not None
        )
        return cls(delivery_id, listing_id, tombstone, aware, logged)

    @classmethod
    def erased(cls, line: bytes, purged: Collection[str]) -> KeptLine | None:
        """The line, if an erasure of ``purged`` listings takes it: their tombstones stay."""
        about = cls.read(line)
        if about is None or about.tombstone or about.listing_id not in purged:
            return None
        return about


_T = TypeVar("_T")
_MOMENT: TypeAdapter[datetime] = TypeAdapter(datetime)
_COUNT: TypeAdapter[int] = TypeAdapter(int)


def _lax(adapter: TypeAdapter[_T], value: object) -> _T | None:
    """``value`` as the delivery's model reads it, lax as it is; ``None`` if it reads none."""
    try:
        return None if value is None else adapter.validate_python(value)
    except ValidationError:
        return None


def cut_lines(
    content: bytes, sha256: str, purged: Collection[str]
) -> tuple[bytes, tuple[BatchCut, ...]]:
    """A kept batch file without the lines of ``purged`` listings, and the record of what was
    cut, per listing; the file as it is, and no record, when it holds none of them."""
    lines = content.split(b"\n")
    gone = [KeptLine.erased(line, purged) for line in lines]
    counts = Counter(about.listing_id for about in gone if about is not None)
    if not counts:
        return content, ()
    rest = b"\n".join(line for line, about in zip(lines, gone, strict=True) if about is None)
    cuts = (BatchCut(sha256=sha256, listing_id=lid, lines=n) for lid, n in sorted(counts.items()))
    return rest, tuple(cuts)


def erased_lines(lines: Iterable[bytes], purged: Collection[str]) -> list[ErasedLines]:
    """Of ``lines``, those an erasure of ``purged`` listings takes, recorded by listing (a line
    that says no log sequence, or is no delivery, is none)."""
    by_listing: dict[str, dict[int, str]] = {}
    for line in lines:
        about = KeptLine.erased(line, purged)
        if about is None or about.log_sequence is None:
            continue
        try:
            digest = change_digest(DeliveryPayload.model_validate_json(line).data)
        except ValidationError:
            continue
        by_listing.setdefault(about.listing_id, {})[about.log_sequence] = digest
    return [
        ErasedLines(listing_id=listing_id, entries=tuple(sorted(found.items())))
        for listing_id, found in sorted(by_listing.items())
    ]


@dataclass(frozen=True)
class KeptProofs:
    """Everything kept beside a store, as ``gateway verify-log`` reads it: the single
    deliveries' signatures by delivery id, the batch announcements, the cuts by kept file,
    the kept files by the digest they are named by, the listings whose tombstone the store
    held as they were read (what excuses a cut), and the log sequences of the lines erasures
    took from the store (``ErasedLines``)."""

    deliveries: Mapping[str, tuple[DeliveryProof, ...]] = field(default_factory=dict)
    batches: tuple[BatchProof, ...] = ()
    cuts: Mapping[str, tuple[BatchCut, ...]] = field(default_factory=dict)
    files: Mapping[str, bytes] = field(default_factory=dict)
    purged: frozenset[str] = frozenset()
    erased: Mapping[int, frozenset[str]] = field(default_factory=dict)  # sequence → digests

    @classmethod
    def of(
        cls, records: Iterable[Kept], files: Mapping[str, bytes], purged: Iterable[str]
    ) -> KeptProofs:
        deliveries: dict[str, tuple[DeliveryProof, ...]] = {}
        batches: list[BatchProof] = []
        cuts: dict[str, tuple[BatchCut, ...]] = {}
        erased: dict[int, frozenset[str]] = {}
        for record in records:
            if isinstance(record, DeliveryProof):
                deliveries[record.delivery_id] = (*deliveries.get(record.delivery_id, ()), record)
            elif isinstance(record, BatchProof):
                batches.append(record)
            elif isinstance(record, BatchCut):
                cuts[record.sha256] = (*cuts.get(record.sha256, ()), record)
            else:
                for sequence, digest in record.entries:
                    erased[sequence] = erased.get(sequence, frozenset()) | {digest}
        return cls(deliveries, tuple(batches), cuts, dict(files), frozenset(purged), erased)
