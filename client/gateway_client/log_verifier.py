"""The subscriber's side of ``gateway verify-log``: fetch what the gateway published, audit."""

from __future__ import annotations

import base64
from collections.abc import Callable, Collection, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from pydantic import ValidationError

from gateway_client.checkpoint_trust import Algorithm, trusted_checkpoints
from gateway_client.contract import (
    Checkpoint,
    DeliveryPayload,
    Listing,
    LogEntry,
    SubscriptionFilters,
    change_id,
    erases,
)
from gateway_client.log_audit import GRACE, AuditReport, Seen, audit
from gateway_client.proof_audit import StoredCopy
from gateway_client.push_client import PushClient, refusal_text
from gateway_client.receiver import fetch_gateway_keys
from gateway_client.recipient_audit import held_listings
from gateway_client.subscriber_files import first_error
from gateway_client.terms_audit import MalformedTerms, shown_terms, terms_in_force, terms_problems
from gateway_client.tlog import HASH_SIZE, CosignatureVerifier, parse_tile_path, tile_hash_reader
from gateway_client.witness_audit import WITNESS_LAG

_PAGE = 1000
_Parsed = TypeVar("_Parsed")


class PublishedLogError(RuntimeError):
    """The gateway did not answer as expected while fetching the published log."""


def _get(client: PushClient, path: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    # A fresh webhook-id per read (``None``): the gateway accepts each id once per key.
    reply = client.send_signed(path, None, b"", now, method="GET")
    if reply.status != 200 or not isinstance(reply.body, dict):
        raise PublishedLogError(f"GET {path}: {refusal_text(reply)}")
    return reply.body


def _read(client: PushClient, path: str, parse: Callable[[dict[str, Any]], _Parsed]) -> _Parsed:
    """``parse`` of the gateway's answer to ``GET path``; an answer not of the published shape
    (a member missing, a value of another type) is the gateway's fault, named as such rather
    than an error of this program's (review 123)."""
    body = _get(client, path)
    try:
        return parse(body)
    except ValidationError as exc:
        said = first_error(exc, "the answer")
    except (KeyError, TypeError, ValueError) as exc:  # base64's binascii.Error among them
        said = f"{type(exc).__name__}: {exc}"
    raise PublishedLogError(f"GET {path}: not what the gateway publishes ({said})")


def tile_fetcher(client: PushClient) -> Callable[[str], bytes]:
    """Published tiles through ``GET /v1/log/tile``, each fetched once."""
    fetched: dict[str, bytes] = {}

    def fetch(path: str) -> bytes:
        if path not in fetched:
            width = parse_tile_path(path)[2] * HASH_SIZE
            fetched[path] = _read(client, f"/v1/log/tile?path={path}", _tile_data(width))
        return fetched[path]

    return fetch


def _checkpoints(reply: dict[str, Any]) -> list[Checkpoint]:
    return [Checkpoint.model_validate(x) for x in _listed(reply, "checkpoints")]


def _log_page(reply: dict[str, Any]) -> tuple[list[LogEntry], list[int]]:
    entries = [LogEntry.model_validate(x) for x in _listed(reply, "entries")]
    erased = reply.get("erased", [])
    if not isinstance(erased, list) or not all(type(x) is int for x in erased):
        raise TypeError("erased is no list of entry numbers")
    return entries, erased


def _listed(reply: dict[str, Any], name: str) -> list[Any]:
    found = reply[name]
    if not isinstance(found, list):
        raise TypeError(f"{name} is no list")
    return found


def _tile_data(size: int) -> Callable[[dict[str, Any]], bytes]:
    """A tile's bytes from its answer, exactly ``size`` of them (as its path says)."""

    def parse(reply: dict[str, Any]) -> bytes:
        data = reply["data"]
        if not isinstance(data, str):
            raise TypeError("data is no text")
        tile = base64.b64decode(data, validate=True)
        if len(tile) != size:
            raise ValueError(f"the tile holds {len(tile)} bytes, its path says {size}")
        return tile

    return parse


def erasures_held(
    entries: Sequence[LogEntry],
    erased: Collection[int],
    deliveries: Sequence[DeliveryPayload],
    copy: StoredCopy | None,
) -> tuple[set[int], tuple[int, ...]]:
    """Of the entries the gateway says retention erased, those this subscriber can vouch for,
    and those it can only find plausible. The gateway's list is not signed and leaves name no
    listing, so its word alone would excuse any dropped delivery (review 41).

    Vouched for: a line its store held (or cut from a batch file as it came) and erased at the
    tombstone, recorded with the change's digest, which must be the leaf's (``ErasedLines``);
    or the purged listing's last version, which its newest stored tombstone names (its id and
    ``previous_version`` make that change's id). Plausible: another entry for which a tombstone
    of the same kind, domain and origin came later — an honest purge's, whose queued changes
    were withheld or whose lines a store older than these records erased; such entries are
    listed (``erased_unvouched``), not excused in silence. An entry with neither is owed."""
    held = copy.kept.erased if copy is not None else {}
    newest: dict[str, Listing] = {}
    tombstones: list[tuple[int, tuple[object, str, str]]] = []
    for delivery in deliveries:
        listing = delivery.data.listing
        if not erases(delivery):
            continue
        where = (listing.kind, listing.domain, listing.origin_region)
        tombstones.append((delivery.log_sequence or 0, where))
        if listing.version != delivery.data.previous_version:
            continue
        known = newest.get(listing.listing_id)
        if known is None or listing.version > known.version:
            newest[listing.listing_id] = listing
    last = {change_id(listing) for listing in newest.values()}
    vouched: set[int] = set()
    plausible: list[int] = []
    for e in entries:
        if e.sequence not in erased:
            continue
        if e.change_digest in held.get(e.sequence, ()) or e.change_id in last:
            vouched.add(e.sequence)
        elif any(
            at > e.sequence and where == (e.kind, e.domain, e.origin_region)
            for at, where in tombstones
        ):
            plausible.append(e.sequence)
    return vouched, tuple(plausible)


def _log_start(view: dict[str, Any], subscription_id: str) -> int:
    """The log's size when the subscription began, as its view says (a count: 0 or more)."""
    start = view.get("log_start", 0)
    if isinstance(start, bool) or not isinstance(start, int) or start < 0:
        raise PublishedLogError(
            f"GET /v1/subscriptions/{subscription_id}: log_start is not a count of entries"
        )
    return start


def _admitted(filters: SubscriptionFilters, e: LogEntry) -> bool:
    """Whether ``filters`` name the entry's listing, or the region the operator moved it from
    with this entry: the gateway sends a move to both, so a subscription that followed the old
    owner learns where its copy went (review 64 F1)."""
    origins = (e.origin_region,) if e.moved_from is None else (e.origin_region, e.moved_from)
    return any(filters.admits(e.kind, e.domain, origin) for origin in origins)


def verify_log(
    client: PushClient,
    base_url: str,
    subscription_id: str,
    deliveries: Sequence[DeliveryPayload],
    algorithm: Algorithm = "ed25519",
    seen: Seen | None = None,
    grace: timedelta = GRACE,
    witnesses: Sequence[CosignatureVerifier] = (),
    witnesses_required: int = 0,
    now: datetime | None = None,
    copy: StoredCopy | None = None,
    witness_lag: timedelta = WITNESS_LAG,
    origin: str | None = None,
) -> AuditReport:
    """Audit stored deliveries against the published log, from the first entry the
    subscription is owed, under every gateway key ``/v1/keys`` lists (each for what it signed
    while valid). Entries whose listing retention purged are not owed: a subscriber erases
    what the tombstone names. ``witnesses_required`` K: a checkpoint must carry cosignatures
    of K of ``witnesses`` (the gateway lists the ones it collected with each checkpoint), and
    no entry may stay unwitnessed longer than ``witness_lag``. ``copy``: the store's lines and
    the signatures kept beside them, each line re-verified under the listed keys of
    ``algorithm`` (``proof_audit``). ``origin``: the log meant (``log_audit.audit``)."""
    keys = fetch_gateway_keys(base_url, client.timeout)
    # the clock before the checkpoints are read: every entry past them was logged after it
    read_at = now or datetime.now(UTC)
    # the checkpoints before the terms: every entry they cover was logged before the terms
    # were read (``terms_audit.terms_in_force``)
    checkpoints = _read(client, "/v1/log/checkpoints", _checkpoints)
    view = _get(client, f"/v1/subscriptions/{subscription_id}")
    if str(view.get("region")) != client.region:  # whose deliveries are judged is ours to say
        raise PublishedLogError(
            f"GET /v1/subscriptions/{subscription_id}: the gateway says it is "
            f"{view.get('region')}'s subscription, not {client.region}'s"
        )
    try:
        terms, history = shown_terms(view)
    except MalformedTerms as error:
        raise PublishedLogError(f"GET /v1/subscriptions/{subscription_id}: {error}") from error
    planned_under = terms_in_force(terms, seen, history)
    logged = [d.log_sequence for d in deliveries if d.log_sequence is not None]
    owed_from = _log_start(view, subscription_id) + 1
    start = max(1, min([*logged, owed_from]))  # an edited line may name less: it is altered
    # Only as far as a checkpoint signed by a listed key: an unsigned size proves nothing, and
    # a made-up huge one would have this page through the log for ever.
    trusted, _, _ = trusted_checkpoints(checkpoints, keys, algorithm, seen)
    end = max([c.sequence for c in trusted] + [0])
    entries: list[LogEntry] = []
    erased: set[int] = set()  # purged by retention: the tombstone is owed, not these
    for first in range(start, end + 1, _PAGE):
        path = f"/v1/log?from={first}&limit={min(_PAGE, end + 1 - first)}"
        listed, gone = _read(client, path, _log_page)
        if not listed and not gone:  # the log served ends here, short of the signed size:
            break  # the audit says so (paging on would ask for ever under a made-up one)
        entries += listed
        erased.update(gone)
    vouched, unvouched = erasures_held(entries, erased, deliveries, copy)
    excused = vouched | set(unvouched)
    fetch = tile_fetcher(client)
    held = held_listings(deliveries)  # owed whatever the filters now: ``recipient_audit``

    def owed(e: LogEntry) -> bool:  # under terms not known any entry may have been; past
        under = planned_under(e.sequence)  # terms excuse none
        return under is None or not under.excuses or _admitted(under.terms.filters, e)

    def sure(e: LogEntry) -> bool:
        under = planned_under(e.sequence)
        return (
            under is not None
            and not under.terms.recognised_only
            and (under.excuses or _admitted(under.terms.filters, e))
        )

    report = audit(
        entries,
        checkpoints,
        keys,
        deliveries,
        # the purge of a listing the store holds is owed, whatever the gateway calls erased: a
        # tombstone is never erased (review 307)
        lambda e: held.owed(e) or (e.sequence not in excused and (owed(e) or held.may_settle(e))),
        lambda size: tile_hash_reader(size, fetch),
        now or datetime.now(UTC),
        from_sequence=owed_from,
        audience=(subscription_id, client.region),
        algorithm=algorithm,
        seen=seen,
        grace=grace,
        witnesses=witnesses,
        witnesses_required=witnesses_required,
        judged=lambda e: held.owed(e) or (owed(e) and sure(e)),
        witness_lag=witness_lag,
        origin=origin,
    )
    moved = tuple(terms_problems(terms, seen, history))
    report = report.model_copy(
        update={
            "problems": report.problems + moved,
            "terms": terms,
            "terms_history": tuple(history),
            "erased_unvouched": unvouched,
            "checked_at": read_at,  # ``salting_audit.passed_by``
        }
    )
    if copy is None:
        return report
    found = copy.reverify([key for key in keys if key.algorithm == algorithm])
    return report.model_copy(
        update={
            "problems": report.problems + found.problems,
            "reverified": found.reverified,
            "by_secret": found.by_secret,
            "cut": found.cut,
            "unsigned": found.unsigned,
            "unreverified": found.unreverified,
        }
    )
