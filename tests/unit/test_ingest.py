"""The push pipeline with in-memory ports: authentication, idempotency, validation, dedup."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from builders import (
    CITY,
    COUNTY,
    NOW,
    OTHER_COUNTY,
    RESIDENT_ID,
    entry,
    make_signer,
    make_uscc,
    platform_key,
    region,
    sign_headers,
    signed_push,
)
from fakes import InMemoryArchive, InMemoryBatchLedger, InMemoryListingStore, InMemoryRegistry

from gateway.intake.ingest import PushPolicy, PushService
from gateway.intake.push import PushResult
from gateway_client.contract.clock import FixedClock
from gateway_client.contract.codes import SubjectType
from gateway_client.contract.errors import (
    BadRequest,
    BatchIdReused,
    InvalidSignature,
    MissingSignature,
    PayloadTooLarge,
    RegionMismatch,
    SchemaError,
    TimestampOutOfWindow,
    UnknownKey,
    UnknownRegion,
)
from gateway_client.contract.listing import ListingEntry, identity_of
from gateway_client.contract.signing import Ed25519Signer

GHOST_REGION = "430100"  # 长沙市, never registered


@dataclass
class Gateway:
    """A push service wired to fakes, with a city and one of its counties registered."""

    max_body_bytes: int = 5 * 1024 * 1024
    journal: list[str] = field(default_factory=list)
    clock: FixedClock = field(default_factory=lambda: FixedClock(NOW))
    city: Ed25519Signer = field(default_factory=lambda: make_signer("city-441800-k1"))
    county: Ed25519Signer = field(default_factory=lambda: make_signer("county-441802-k1"))
    ghost: Ed25519Signer = field(default_factory=lambda: make_signer("ghost-430100-k1"))

    def __post_init__(self) -> None:
        self.registry = InMemoryRegistry()
        self.registry.put_region(region(CITY, "清远市"))
        self.registry.put_region(region(COUNTY, "清城区"))
        self.registry.put_key(platform_key(self.city, CITY))
        self.registry.put_key(platform_key(self.county, COUNTY))
        self.registry.put_key(platform_key(self.ghost, GHOST_REGION))
        self.archive = InMemoryArchive(self.journal)
        self.ledger = InMemoryBatchLedger()
        self.store = InMemoryListingStore(self.journal)
        self.service = PushService(
            self.registry,
            self.archive,
            self.ledger,
            self.store,
            self.clock,
            PushPolicy(max_body_bytes=self.max_body_bytes),
            purged=lambda ids: {},
        )

    def push(
        self,
        entries: list[Any],
        batch_id: str = "b-1",
        signer: Ed25519Signer | None = None,
        region: str = CITY,
    ) -> PushResult:
        headers, body = signed_push(
            signer or self.city, region, entries, batch_id, self.clock.now()
        )
        return self.service.push(headers, body)


@pytest.fixture
def gw() -> Gateway:
    return Gateway()


def lid(raw: dict[str, Any]) -> str:
    return identity_of(ListingEntry.model_validate(raw))


def counts(result: PushResult) -> tuple[int, int, int]:
    return result.accepted, result.duplicate, result.rejected


# -- results --


def test_a_new_entry_is_accepted_and_stored(gw: Gateway) -> None:
    result = gw.push([entry()])
    assert (counts(result), list(gw.store.listings)) == ((1, 0, 0), [lid(entry())])


def test_a_mixed_batch_counts_accepted_duplicate_and_rejected(gw: Gateway) -> None:
    other = entry(credit_code=make_uscc(1))
    result = gw.push([entry(), other, entry(), entry(domain="nope"), "junk"])
    assert counts(result) == (2, 1, 2)


def test_each_rejected_entry_is_reported_with_index_field_and_code(gw: Gateway) -> None:
    result = gw.push([entry(), entry(legal_basis=None)])
    assert [(e.index, e.field, e.code) for e in result.errors] == [
        (1, "legal_basis", "missing_legal_basis")
    ]


def test_outcomes_name_each_listing_in_index_order(gw: Gateway) -> None:
    other = entry(credit_code=make_uscc(1))
    result = gw.push([other, entry()])
    assert [(o.index, o.listing_id, o.outcome) for o in result.outcomes] == [
        (0, lid(other), "accepted"),
        (1, lid(entry()), "accepted"),
    ]


def test_an_entry_without_origin_comes_from_the_pushing_region(gw: Gateway) -> None:
    gw.push([entry()])
    assert gw.store.listings[lid(entry())].origin_region == CITY


def test_a_resident_id_listing_is_about_a_natural_person(gw: Gateway) -> None:
    raw = entry(credit_code=RESIDENT_ID)
    [outcome] = gw.push([raw]).outcomes
    assert gw.store.listings[outcome.listing_id].subject_type is SubjectType.NATURAL_PERSON


# -- versions --


def test_a_newer_version_is_accepted(gw: Gateway) -> None:
    gw.push([entry(source_sequence=1)], batch_id="b-1")
    result = gw.push([entry(source_sequence=2)], batch_id="b-2")
    assert (counts(result), gw.store.listings[lid(entry())].source_sequence) == ((1, 0, 0), 2)


def test_a_held_listing_whose_purge_is_under_way_takes_no_update(gw: Gateway) -> None:
    """A purge marks the listing erased, then deletes it: an update landing between would keep
    the person stored under an erased mark, so it is refused as a re-push of a purged one is;
    a duplicate asks nothing."""
    gw.push([entry(source_sequence=1)], batch_id="b-1")
    marked: set[str] = {lid(entry())}
    asked: list[list[str]] = []

    def purged(ids: Sequence[str]) -> dict[str, str]:
        asked.append(list(ids))
        return {x: CITY for x in marked & set(ids)}

    gw.service = PushService(gw.registry, gw.archive, gw.ledger, gw.store, gw.clock, purged=purged)

    again = gw.push([entry(source_sequence=1)], batch_id="b-2")
    asked_by_the_duplicate = list(asked)
    update = gw.push([entry(source_sequence=2)], batch_id="b-3")

    assert (counts(again), asked_by_the_duplicate) == ((0, 1, 0), [])  # it reads no mark
    assert counts(update) == (0, 0, 1)
    assert [e.code for e in update.errors] == ["listing_purged"]
    assert gw.store.listings[lid(entry())].source_sequence == 1  # nothing written


def test_an_equal_version_with_other_content_is_refused_not_a_duplicate(gw: Gateway) -> None:
    """One version, two contents: answering duplicate would tell the platform its
    correction went through while the old text stays."""
    gw.push([entry()], batch_id="b-1")
    result = gw.push([entry(reason="同一版本, 不同文字")], batch_id="b-2")
    assert (counts(result), len(gw.store.written_versions[lid(entry())])) == ((0, 0, 1), 1)
    assert [(e.field, e.code) for e in result.errors] == [("source_updated_at", "version_reused")]
    assert gw.store.listings[lid(entry())].reason == entry()["reason"]


def test_an_identical_entry_pushed_again_is_a_duplicate_and_keeps_the_stored_salt(
    gw: Gateway,
) -> None:
    """Promotion draws a fresh id_salt each time; dedup goes by version, so the re-push is
    still nothing new (no write, so no change to deliver) and the stored version's salt stays."""
    gw.push([entry()], batch_id="b-1")
    stored = gw.store.listings[lid(entry())]
    result = gw.push([entry()], batch_id="b-2")
    assert (counts(result), gw.store.written_versions[lid(entry())]) == (
        (0, 1, 0),
        [stored.version],
    )
    assert gw.store.listings[lid(entry())] == stored
    assert stored.id_salt is not None


def test_an_older_version_is_a_duplicate(gw: Gateway) -> None:
    gw.push([entry(source_updated_at="2025-04-01T00:00:00+08:00")], batch_id="b-1")
    result = gw.push([entry(source_updated_at="2025-03-01T00:00:00+08:00")], batch_id="b-2")
    assert counts(result) == (0, 1, 0)


def test_an_older_version_does_not_overwrite_the_stored_one(gw: Gateway) -> None:
    gw.push([entry(source_updated_at="2025-04-01T00:00:00+08:00")], batch_id="b-1")
    gw.push([entry(source_updated_at="2025-03-01T00:00:00+08:00", reason="旧")], batch_id="b-2")
    assert gw.store.listings[lid(entry())].reason == entry()["reason"]


def test_versions_compare_by_instant_not_by_written_offset(gw: Gateway) -> None:
    gw.push([entry(source_updated_at="2025-03-02T08:00:00+08:00")], batch_id="b-1")
    result = gw.push([entry(source_updated_at="2025-03-02T01:00:00+00:00")], batch_id="b-2")
    assert counts(result) == (1, 0, 0)


def test_within_one_batch_the_newest_version_wins(gw: Gateway) -> None:
    newer = entry(source_sequence=7, reason="最新")
    older = entry(source_sequence=3, reason="较早")
    result = gw.push([newer, older])
    assert (
        [(o.index, o.outcome) for o in result.outcomes],
        gw.store.listings[lid(newer)].reason,
        len(gw.store.written_versions[lid(newer)]),
    ) == ([(0, "accepted"), (1, "duplicate")], "最新", 1)


def test_within_one_batch_a_later_newer_version_also_wins(gw: Gateway) -> None:
    result = gw.push(
        [entry(source_sequence=3, reason="较早"), entry(source_sequence=7, reason="最新")]
    )
    assert (
        [(o.index, o.outcome) for o in result.outcomes],
        gw.store.listings[lid(entry())].reason,
    ) == ([(0, "duplicate"), (1, "accepted")], "最新")


# -- provenance and relaying --


def test_a_listing_relayed_by_the_city_and_pushed_by_the_county_is_one_listing(
    gw: Gateway,
) -> None:
    relayed = entry(origin_region=COUNTY)
    gw.push([relayed], batch_id="city-1", signer=gw.city, region=CITY)
    result = gw.push([entry()], batch_id="county-1", signer=gw.county, region=COUNTY)
    assert (counts(result), list(gw.store.listings), gw.store.provenances[lid(entry())]) == (
        (0, 1, 0),
        [lid(entry())],
        {CITY, COUNTY},
    )


def test_a_county_listing_relayed_later_by_the_city_gains_the_city_provenance(
    gw: Gateway,
) -> None:
    gw.push([entry()], batch_id="county-1", signer=gw.county, region=COUNTY)
    gw.push([entry(origin_region=COUNTY)], batch_id="city-1", signer=gw.city, region=CITY)
    assert gw.store.subject(entry()["credit_code"])[0].provenances == (CITY, COUNTY)


def test_a_relayed_listing_keeps_the_county_as_its_origin(gw: Gateway) -> None:
    gw.push([entry(origin_region=COUNTY)], signer=gw.city, region=CITY)
    assert gw.store.listings[lid(entry())].origin_region == COUNTY


def test_an_origin_outside_the_pushers_subtree_is_not_permitted(gw: Gateway) -> None:
    result = gw.push([entry(origin_region=OTHER_COUNTY)])
    assert (
        counts(result),
        [(e.index, e.field, e.code) for e in result.errors],
        gw.store.listings,
    ) == ((0, 0, 1), [(0, "origin_region", "region_not_permitted")], {})


def test_a_county_may_not_relay_for_its_city(gw: Gateway) -> None:
    result = gw.push([entry(origin_region=CITY)], signer=gw.county, region=COUNTY)
    assert [e.code for e in result.errors] == ["region_not_permitted"]


# -- authentication and authorisation --


def test_an_unregistered_key_is_an_unknown_key(gw: Gateway) -> None:
    with pytest.raises(UnknownKey):
        gw.push([entry()], signer=make_signer("stranger-k1"))


def test_an_expired_key_is_an_unknown_key(gw: Gateway) -> None:
    gw.registry.put_key(platform_key(gw.city, CITY, valid_until=NOW - timedelta(seconds=1)))
    with pytest.raises(UnknownKey):
        gw.push([entry()])


def test_a_key_not_yet_valid_is_an_unknown_key(gw: Gateway) -> None:
    gw.registry.put_key(platform_key(gw.city, CITY, valid_from=NOW + timedelta(hours=1)))
    with pytest.raises(UnknownKey):
        gw.push([entry()])


def test_a_key_of_an_unregistered_region_is_an_unknown_region(gw: Gateway) -> None:
    with pytest.raises(UnknownRegion):
        gw.push([entry()], signer=gw.ghost, region=GHOST_REGION)


def test_a_signature_by_another_private_key_is_invalid(gw: Gateway) -> None:
    impostor = make_signer(gw.city.key_id)  # same key id, different private key
    with pytest.raises(InvalidSignature):
        gw.push([entry()], signer=impostor)


def test_a_body_changed_after_signing_is_an_invalid_signature(gw: Gateway) -> None:
    headers, body = signed_push(gw.city, CITY, [entry()], "b-1", NOW)
    with pytest.raises(InvalidSignature):
        gw.service.push(headers, body.replace(b"serious", b"general"))


def test_a_push_without_key_id_is_a_missing_signature(gw: Gateway) -> None:
    headers, body = signed_push(gw.city, CITY, [entry()], "b-1", NOW)
    del headers["x-credit-key-id"]
    with pytest.raises(MissingSignature):
        gw.service.push(headers, body)


def test_a_stale_signed_timestamp_is_out_of_window(gw: Gateway) -> None:
    headers, body = signed_push(gw.city, CITY, [entry()], "b-1", NOW - timedelta(minutes=6))
    with pytest.raises(TimestampOutOfWindow):
        gw.service.push(headers, body)


def test_a_body_over_the_limit_is_too_large() -> None:
    small = Gateway(max_body_bytes=512)
    headers, body = signed_push(small.city, CITY, [entry(), entry()], "b-1", NOW)
    with pytest.raises(PayloadTooLarge):
        small.service.push(headers, body)


def test_a_body_over_the_limit_is_neither_archived_nor_processed() -> None:
    small = Gateway(max_body_bytes=512)
    headers, body = signed_push(small.city, CITY, [entry(), entry()], "b-1", NOW)
    with pytest.raises(PayloadTooLarge):
        small.service.push(headers, body)
    assert (small.archive.objects, small.store.listings) == ([], {})


def test_an_envelope_for_another_region_is_a_region_mismatch(gw: Gateway) -> None:
    with pytest.raises(RegionMismatch):
        gw.push([entry()], signer=gw.county, region=CITY)


def test_a_webhook_id_that_differs_from_the_batch_id_is_a_bad_request(gw: Gateway) -> None:
    headers, body = signed_push(gw.city, CITY, [entry()], "b-1", NOW)
    headers = sign_headers(gw.city, "b-2", body, NOW)
    with pytest.raises(BadRequest) as caught:
        gw.service.push(headers, body)
    assert caught.value.context["path"] == "batch_id"


# -- archive --


def test_the_raw_body_is_archived_under_its_region_and_batch_id(gw: Gateway) -> None:
    headers, body = signed_push(gw.city, CITY, [entry()], "b-archive-1", NOW)
    gw.service.push(headers, body)
    [stored] = gw.archive.objects
    assert (CITY in stored.key, "b-archive-1" in stored.key, stored.body) == (True, True, body)


def test_the_body_is_archived_before_any_listing_is_written(gw: Gateway) -> None:
    gw.push([entry(), entry(credit_code=make_uscc(1))])
    assert [event.split(":")[0] for event in gw.journal] == ["archive", "write", "write"]


def test_a_slow_archive_still_comes_before_every_listing_write(
    gw: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The entries are validated and read while the body is archived; their writes wait."""
    put, read = gw.archive.put, gw.store.current

    def slow_put(*args: Any, **kwargs: Any) -> bool:
        time.sleep(0.05)
        return put(*args, **kwargs)

    def noted_read(keys: Any) -> Any:
        gw.journal.append("read")
        return read(keys)

    monkeypatch.setattr(gw.archive, "put", slow_put)
    monkeypatch.setattr(gw.store, "current", noted_read)
    gw.push([entry(), entry(credit_code=make_uscc(1))])

    assert [event.split(":")[0] for event in gw.journal] == ["read", "archive", "write", "write"]


def test_a_push_whose_body_cannot_be_archived_stores_nothing(
    gw: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fails(*_: Any, **__: Any) -> bool:
        raise RuntimeError("the bucket is unreachable")

    monkeypatch.setattr(gw.archive, "put", fails)
    with pytest.raises(RuntimeError):
        gw.push([entry()])
    assert gw.store.listings == {}
    with pytest.raises(RuntimeError):
        gw.push([], batch_id="b-empty")  # writes nothing, still not accepted unarchived


def test_a_refused_body_is_not_archived(gw: Gateway) -> None:
    headers, body = signed_push(gw.city, CITY, [entry()], "b-1", NOW, issued_at="yesterday")
    with pytest.raises(SchemaError):
        gw.service.push(headers, body)
    foreign_headers, foreign = signed_push(gw.county, CITY, [entry()], "b-2", NOW)
    with pytest.raises(RegionMismatch):
        gw.service.push(foreign_headers, foreign)
    assert gw.archive.objects == []


def test_a_reused_batch_id_never_touches_the_evidence_of_the_accepted_batch(gw: Gateway) -> None:
    headers, body = signed_push(gw.city, CITY, [entry()], "b-1", NOW)
    gw.service.push(headers, body)
    other = entry(credit_code=make_uscc(7))
    reused_headers, reused = signed_push(gw.city, CITY, [other], "b-1", NOW)

    with pytest.raises(BatchIdReused):
        gw.service.push(reused_headers, reused)
    gw.service.push(headers, body)  # the accepted batch replayed: its first result, no rewrite

    [kept] = gw.archive.objects
    assert (kept.body, hashlib.sha256(body).hexdigest() in kept.key) == (body, True)


# -- idempotency --


def test_replaying_a_batch_returns_the_first_result(gw: Gateway) -> None:
    headers, body = signed_push(gw.city, CITY, [entry(), "junk"], "b-1", NOW)
    first = gw.service.push(headers, body)
    gw.clock.advance(timedelta(minutes=1))
    again = gw.service.push(sign_headers(gw.city, "b-1", body, gw.clock.now()), body)
    assert again == first


def test_replaying_a_batch_writes_nothing_again(gw: Gateway) -> None:
    headers, body = signed_push(gw.city, CITY, [entry()], "b-1", NOW)
    gw.service.push(headers, body)
    gw.service.push(headers, body)
    assert [e for e in gw.journal if e.startswith("write")] == [f"write:{lid(entry())}"]


def test_a_replay_still_returns_the_first_result_after_the_listing_moved_on(gw: Gateway) -> None:
    headers, body = signed_push(gw.city, CITY, [entry(source_sequence=1)], "b-1", NOW)
    first = gw.service.push(headers, body)
    gw.push([entry(source_sequence=2)], batch_id="b-2")
    assert gw.service.push(headers, body) == first


def test_the_same_batch_id_with_another_body_is_refused(gw: Gateway) -> None:
    gw.push([entry()], batch_id="b-1")
    with pytest.raises(BatchIdReused):
        gw.push([entry(source_sequence=9)], batch_id="b-1")


def test_a_refused_reused_batch_id_changes_no_listing(gw: Gateway) -> None:
    gw.push([entry()], batch_id="b-1")
    with pytest.raises(BatchIdReused):
        gw.push([entry(source_sequence=9)], batch_id="b-1")
    assert gw.store.versions() == {lid(entry()): gw.store.written_versions[lid(entry())][0]}


def test_batch_ids_are_scoped_per_region(gw: Gateway) -> None:
    gw.push([entry(origin_region=COUNTY)], batch_id="b-1", signer=gw.city, region=CITY)
    other = entry(credit_code=make_uscc(2))
    result = gw.push([other], batch_id="b-1", signer=gw.county, region=COUNTY)
    assert counts(result) == (1, 0, 0)


def test_the_result_records_when_the_batch_was_received(gw: Gateway) -> None:
    gw.clock.set(datetime(2025, 7, 1, 12, 0, tzinfo=UTC))
    assert gw.push([entry()]).received_at == datetime(2025, 7, 1, 12, 0, tzinfo=UTC)


def test_one_batch_with_one_version_in_two_contents_refuses_the_second(gw: Gateway) -> None:
    result = gw.push([entry(), entry(reason="同一版本, 不同文字")], batch_id="b-1")
    assert counts(result) == (1, 0, 1)
    assert [(e.index, e.field, e.code) for e in result.errors] == [
        (1, "source_updated_at", "version_reused")
    ]
    assert gw.store.listings[lid(entry())].reason == entry()["reason"]


def test_a_version_finer_than_a_microsecond_is_refused(gw: Gateway) -> None:
    """pydantic would drop the nanoseconds without a word, and a version 800 ns after a held
    one would then equal it."""
    finer = ("2025-05-01T08:00:00.000000900+08:00", "2025-05-01T08:00:00,0000009+08:00")
    for n, stamp in enumerate(finer):
        result = gw.push([entry(source_updated_at=stamp)], batch_id=f"b-{n}")
        assert counts(result) == (0, 0, 1), stamp
        assert [(e.field, e.code) for e in result.errors] == [
            ("source_updated_at", "invalid_datetime")
        ]
