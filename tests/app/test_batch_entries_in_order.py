"""A listing's entries in one push or one file are judged as if sent one after another in the
order given, each against what would be held by its turn (review 375): an older entry after a
newer one is an old message, and a person's retention, a period's length and a commitment's
outcome are judged against the entry before. An entry judged against one that is never written
(its listing purged meanwhile, its write lost) is not answered as if it had been."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from app_support import CITY, CREDIT_CODE, Gateway
from lifecycle_support import Lifecycle, china_today, recent_entry, stamp
from test_commitment_routes import TODAY, city, commitment, push, shown  # noqa: F401
from test_relay_named_origin import TAOSHAN, XINXING, _relaying_city
from upload_support import uploaded

from chalicelib.bootstrap import container
from gateway.intake import bulk_batches
from gateway_client.contract import Listing, ResponsiblePerson
from gateway_client.contract.listing_entry import version_of
from gateway_client.contract.signing import Ed25519Signer


def _at(minutes_ago: int, **made: Any) -> dict[str, Any]:
    moment = (datetime.now(UTC) - timedelta(minutes=minutes_ago)).isoformat()
    return {**commitment(1, **made), "source_updated_at": moment}


HELD = _at(5)  # open
BROKEN = _at(3, outcome="broken", outcome_on=TODAY.isoformat())
KEPT = _at(1, outcome="kept", outcome_on=TODAY.isoformat())
REWORDED = {**HELD, "reason": "承诺在15日内补交安全生产许可证副本（更正）"}  # HELD's version
KEPT_ON = {"outcome": "kept", "outcome_on": TODAY.isoformat()}


def _codes(reply: dict[str, Any]) -> list[tuple[int, str]]:
    return sorted((e["index"], e["code"]) for e in reply["errors"])


def _counts(reply: dict[str, Any]) -> tuple[int, int, list[tuple[int, str]]]:
    return reply["accepted"], reply["duplicate"], _codes(reply)


def _outcome(gateway: Gateway, signer: Ed25519Signer) -> str:
    [held] = [
        x["listing"]
        for x in shown(gateway, signer)["listings"]
        if x["listing"]["decision_number"] == HELD["decision_number"]
    ]
    return str(held["commitment"]["outcome"])


def test_an_older_entry_after_a_newer_one_is_a_duplicate_as_in_two_pushes(gateway, city):  # noqa: F811
    push(gateway, city, CITY, HELD)
    assert _counts(push(gateway, city, CITY, BROKEN, REWORDED)) == (1, 1, [])


def test_a_newer_outcome_then_an_older_other_one_keeps_the_first(gateway, city):  # noqa: F811
    """Review 374 F5: the oldest version's outcome stood in one push, the first in two."""
    assert _counts(push(gateway, city, CITY, BROKEN, _at(4, **KEPT_ON))) == (1, 1, [])
    assert _outcome(gateway, city) == "broken"


@pytest.mark.parametrize("lines_per_batch", [500, 1])
def test_an_upload_stores_and_removes_the_same_wherever_its_batches_are_cut(
    gateway: Gateway,
    aws: Any,
    city: Ed25519Signer,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    lines_per_batch: int,
) -> None:
    """A resync holding commitment 8号 (a newer broken outcome, then an older kept one) and no
    longer 9号: the older line is a duplicate, so broken stands and 9号 is removed."""
    push(gateway, city, CITY, HELD, {**HELD, "decision_number": "七政服承诺〔2026〕9号"})
    monkeypatch.setattr(bulk_batches, "LINES_PER_BATCH", lines_per_batch)
    older_kept = _at(4, **KEPT_ON)
    domains = ["licensing_commitment"]
    lines = [BROKEN, older_kept]
    upload_id = uploaded(gateway, aws, city, lines, mode="resync", domains=domains, force=True)

    done = gateway.send_signed("GET", f"/v1/regions/{CITY}/uploads/{upload_id}", city)
    upload = done.json_body["upload"]
    assert (upload["accepted"], upload["duplicate"], upload["rejected"]) == (1, 1, 0), upload
    assert (upload["status"], upload["removal"], upload["removed"]) == ("completed", "applied", 1)
    assert _outcome(gateway, city) == "broken"


def test_after_a_step_an_older_entry_after_a_newer_one_is_still_a_duplicate(gateway, city):  # noqa: F811
    """An upheld objection moved the version held on (its content stays): an entry older
    than it is ``stale_version`` alone, but after a newer entry of the push, an old message."""
    listing_id = push(gateway, city, CITY, _at(10))["outcomes"][0]["listing_id"]
    life = Lifecycle(gateway)
    assert life.file_objection(CREDIT_CODE, listing_id).status_code == 201
    upheld = life.decide(
        city, CREDIT_CODE, listing_id, "obj-1", "upheld", source_updated_at=stamp(-120)
    )
    assert upheld.status_code == 200, upheld.json_body
    older = {**_at(5), "reason": "承诺在15日内补交安全生产许可证副本（补正）"}

    newer = _at(1, outcome="broken", outcome_on=TODAY.isoformat())  # after the step

    assert _counts(push(gateway, city, CITY, newer, older)) == (1, 1, [])


def _period_entries() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A court defaulter's listing ending on day X; the same ending X-30; then X again."""
    end = china_today() + timedelta(days=300)
    held = recent_entry(valid_until=end.isoformat(), source_updated_at=stamp(-600))
    shorter = {
        **held,
        "valid_until": (end - timedelta(days=30)).isoformat(),
        "source_updated_at": stamp(-300),
    }
    return held, shorter, {**held, "source_updated_at": stamp(-60)}


def test_a_period_restored_after_it_was_shortened_is_lengthened_in_one_push_too(gateway, city):  # noqa: F811
    held, shorter, restored = _period_entries()
    push(gateway, city, CITY, held)

    reply = push(gateway, city, CITY, shorter, restored)

    assert _counts(reply) == (1, 0, [(1, "period_lengthened")])


def test_an_older_longer_period_after_a_newer_entry_is_an_old_message(gateway, city):  # noqa: F811
    held, _, _ = _period_entries()
    push(gateway, city, CITY, held)
    newer = {**held, "reason": held["reason"] + "（更正）", "source_updated_at": stamp(-60)}
    longer = {
        **held,
        "valid_until": (china_today() + timedelta(days=330)).isoformat(),
        "source_updated_at": stamp(-300),
    }

    assert _counts(push(gateway, city, CITY, newer, longer)) == (1, 1, [])


OLD = TODAY - timedelta(days=7 * 366)
REPRESENTATIVE = [{"name": "张某", "role": "legal_representative"}]


def _long_ago(minutes_ago: int, **extra: Any) -> dict[str, Any]:
    """A commitment made seven years ago (a settled one involving a person is erased five
    years after its outcome)."""
    made = {**_at(minutes_ago), "decided_on": OLD.isoformat(), "valid_from": OLD.isoformat()}
    deadline = {"deadline": (OLD + timedelta(days=15)).isoformat()}
    return {**made, "commitment": {**made["commitment"], **deadline}, **extra}


def _settled(entry: dict[str, Any], outcome: str, on: str) -> dict[str, Any]:
    return {**entry, "commitment": {**entry["commitment"], "outcome": outcome, "outcome_on": on}}


def test_an_old_outcome_after_an_entry_naming_a_person_is_past_retention(gateway, city):  # noqa: F811
    push(gateway, city, CITY, _long_ago(5))  # a company's, naming nobody
    named = _long_ago(3, responsible_persons=REPRESENTATIVE)
    outcome = _settled(_long_ago(1), "kept", (OLD + timedelta(days=20)).isoformat())

    reply = push(gateway, city, CITY, named, outcome)

    assert _counts(reply) == (1, 0, [(1, "period_ended")])
    [held] = shown(gateway, city)["listings"]
    assert held["listing"]["commitment"]["outcome"] is None


def test_an_older_outcome_after_a_newer_one_is_an_old_message(gateway, city):  # noqa: F811
    push(gateway, city, CITY, _long_ago(5, responsible_persons=REPRESENTATIVE))
    kept_today = _settled(_long_ago(1), "kept", TODAY.isoformat())
    broken_then = _settled(_long_ago(3), "broken", (OLD + timedelta(days=20)).isoformat())

    assert _counts(push(gateway, city, CITY, kept_today, broken_then)) == (1, 1, [])


def _erased(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every id reads as marked by a retention purge (erased, or its purge under way)."""
    monkeypatch.setattr(container().push_service, "_purged", lambda ids: dict.fromkeys(ids, CITY))


@pytest.mark.parametrize("held", [False, True], ids=["erased", "purge-under-way"])
@pytest.mark.parametrize(
    "second", [KEPT, {**BROKEN, "reason": "另述"}], ids=["another-outcome", "same-version"]
)
def test_every_entry_of_a_purged_listing_is_refused_so(
    gateway,
    city,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    held: bool,
    second: dict[str, Any],
) -> None:
    if held:
        push(gateway, city, CITY, HELD)
    _erased(monkeypatch)

    reply = push(gateway, city, CITY, BROKEN, second)

    assert _counts(reply) == (0, 0, [(0, "listing_purged"), (1, "listing_purged")])


def test_every_entry_of_a_listing_whose_write_stays_contended_is_refused_so(
    gateway,
    city,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    push(gateway, city, CITY, HELD)
    store = container().push_service._listings
    real = store.write
    monkeypatch.setattr(store, "write", lambda w, r: set() if w else real(w, r))  # always lost

    reply = push(gateway, city, CITY, BROKEN, KEPT)

    assert _counts(reply) == (0, 0, [(0, "listing_contended"), (1, "listing_contended")])


def test_entries_judged_against_a_write_that_lost_a_race_are_judged_again(
    gateway,
    city,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The push's broken outcome loses a race to another push of the owner storing ``kept``
    later: judged again, broken is an old message, and so is the push's kept — neither is
    refused for changing an outcome recorded by an entry that never was."""
    push(gateway, city, CITY, HELD)
    store = container().push_service._listings
    real = store.write
    raced: list[bool] = []

    def write(writes: Any, region: str) -> set[str]:
        if writes and not raced:
            raced.append(True)
            listing, version = writes[0]
            later = datetime.now(UTC) - timedelta(seconds=30)
            dumped = listing.model_dump()
            won = Listing.model_validate(
                {
                    **dumped,
                    "commitment": {**dumped["commitment"], "outcome": "kept"},
                    "source_updated_at": later,
                    "version": version_of(later, listing.source_sequence),
                }
            )
            real([(won, version)], region)
            return set()
        return set(real(writes, region))

    monkeypatch.setattr(store, "write", write)

    reply = push(gateway, city, CITY, BROKEN, KEPT)

    assert raced
    assert _counts(reply) == (0, 2, [])
    [held] = shown(gateway, city)["listings"]
    assert held["listing"]["commitment"]["outcome"] == "kept"


def _named_then_not_then_settled() -> list[dict[str, Any]]:
    """An entry naming a person, then one naming nobody, then an outcome of seven years ago:
    the listing named a person before, so its retention is over (review 379 F1)."""
    named = _long_ago(4, responsible_persons=REPRESENTATIVE)
    outcome = _settled(_long_ago(1), "kept", (OLD + timedelta(days=20)).isoformat())
    return [named, _long_ago(3), outcome]


@pytest.mark.parametrize("lines_per_batch", [500, 1])
def test_persons_named_before_by_the_batch_count_as_one_by_one(
    gateway: Gateway,
    aws: Any,
    city: Ed25519Signer,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    lines_per_batch: int,
) -> None:
    push(gateway, city, CITY, _long_ago(5))
    assert _counts(push(gateway, city, CITY, *_named_then_not_then_settled()))[2] == [
        (2, "period_ended")
    ]
    monkeypatch.setattr(bulk_batches, "LINES_PER_BATCH", lines_per_batch)
    again = [
        {**x, "decision_number": "七政服承诺〔2026〕9号"} for x in _named_then_not_then_settled()
    ]
    upload_id = uploaded(gateway, aws, city, again)

    done = gateway.send_signed("GET", f"/v1/regions/{CITY}/uploads/{upload_id}", city)
    assert [(e["line"], e["code"]) for e in done.json_body["upload"]["errors"]] == [
        (3, "period_ended")
    ]
    assert {x["listing"]["commitment"]["outcome"] for x in shown(gateway, city)["listings"]} == {
        None
    }


def test_an_outcome_changed_past_retention_is_period_ended_first(gateway, city):  # noqa: F811
    """A person's commitment held past its retention (its purge waits for the evidence
    window) takes no new version: ``period_ended``, whatever else it changes (review 379 F3)."""
    then = (OLD + timedelta(days=20)).isoformat()
    first = push(gateway, city, CITY, _settled(_long_ago(5), "kept", then))
    listing_id = first["outcomes"][0]["listing_id"]
    store = container().listings
    held = store.current([(CREDIT_CODE, listing_id)])[listing_id]
    persons = tuple(ResponsiblePerson(**p) for p in REPRESENTATIVE)
    named = held.model_copy(update={"responsible_persons": persons})
    assert store.write([(named, held.version)], CITY) == {listing_id}  # held naming a person

    changed = push(gateway, city, CITY, _settled(_long_ago(1), "broken", then))

    assert _codes(changed) == [(0, "period_ended")]


@pytest.mark.parametrize("how", ["contended", "purge-under-way"])
def test_an_entry_naming_another_region_is_answered_so_whatever_became_of_the_write(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    """Review 379 F2: it is refused at its own fault, not judged against the write."""
    relay = _relaying_city(gateway)
    entry = recent_entry(origin_region=XINXING)
    gateway.push(relay, CITY, [entry])
    service = container().push_service
    if how == "contended":
        real = service._listings.write
        monkeypatch.setattr(service._listings, "write", lambda w, r: set() if w else real(w, r))
        answer = ("listing_contended", "credit_code")
    else:
        monkeypatch.setattr(service, "_purged", lambda ids: dict.fromkeys(ids, XINXING))
        answer = ("listing_purged", "decision_number")
    right = {**entry, "reason": "更正后的理由", "source_updated_at": stamp(seconds=-5)}
    wrong = {**entry, "reason": "错县理由", "source_updated_at": stamp(), "origin_region": TAOSHAN}

    body = gateway.push(relay, CITY, [right, wrong]).json_body

    assert sorted((e["index"], e["code"], e["field"]) for e in body["errors"]) == [
        (0, *answer),
        (1, "origin_mismatch", "origin_region"),
    ]


def test_entries_of_a_purged_decision_naming_two_counties_are_both_purged(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Review 381 F2: the decision's listing was purged (its mark), and a relay's push names
    it for two counties: each entry is ``listing_purged``, in one push as apart — not the
    second ``origin_mismatch`` against the first, a listing that is not held."""
    relay = _relaying_city(gateway)
    service = container().push_service
    monkeypatch.setattr(service, "_purged", lambda ids: dict.fromkeys(ids, XINXING))
    one = recent_entry(origin_region=XINXING, source_updated_at=stamp(seconds=-5))
    two = {**one, "reason": "另一理由", "source_updated_at": stamp(), "origin_region": TAOSHAN}

    apart = [gateway.push(relay, CITY, [x]).json_body["errors"][0]["code"] for x in (one, two)]
    body = gateway.push(relay, CITY, [one, two]).json_body

    assert apart == ["listing_purged", "listing_purged"]
    assert sorted((e["index"], e["code"]) for e in body["errors"]) == [
        (0, "listing_purged"),
        (1, "listing_purged"),
    ], body["errors"]
