"""A listing's later steps are owed to every subscription it was delivered to, whatever its
filters say now (``gateway_client.recipient_audit``): a gateway that withholds the purge of a
listing a province holds, after the province narrowed its filters, is caught; a step that may
end a listing it holds in force is listed unjudged, never passed in silence (review 180)."""

from __future__ import annotations

import types
from datetime import UTC, datetime, timedelta
from typing import Any

from app_support import CITY, HUNAN
from delivery_support import subscribe
from lifecycle_support import (
    PERSON_CODE,
    Lifecycle,
    add_months,
    china_noon,
    china_today,
    push_with_removals,
    pushed,
    recent_entry,
    removal_of,
)
from test_verify_log_terms import delivered, patched, published

import app as gateway_app
from gateway_client import log_verifier
from gateway_client.contract import DeliveryPayload
from gateway_client.log_audit import AuditReport


def _person() -> dict[str, Any]:
    ended = (china_today() - timedelta(days=10)).isoformat()
    return recent_entry(credit_code=PERSON_CODE, subject_name="黄某某", conduct_ended_on=ended)


def _narrowed(gateway: Any, aws: Any, stream: Any, hook: Any, removed: bool) -> tuple[str, dict]:
    """湖南 is delivered a person's black listing (and its removal if ``removed``), then
    narrows its filters to another domain."""
    city = gateway.register_platform(CITY)
    assert gateway.put_region(HUNAN).status_code == 200
    sid = subscribe(gateway, hook.url, filters={"domains": ["court_defaulter"]})["subscription_id"]
    person = _person()
    pushed(gateway, city, CITY, person)
    gateway_app.fan_out_changes(stream.event(), None)
    delivered(aws)
    if removed:
        push_with_removals(gateway, city, CITY, [removal_of(person, "revoked")])
        gateway_app.fan_out_changes(stream.event(), None)
        delivered(aws)
    patched(gateway, sid, {"filters": {"domains": ["food_drug"]}})
    return sid, {"city": city, "person": person}


def _stored(hook: Any) -> list[DeliveryPayload]:
    return [DeliveryPayload.model_validate_json(r.body) for r in hook.requests]


def _verified(gateway: Any, monkeypatch: Any, sid: str, stored: list, at: datetime) -> AuditReport:
    published(gateway, monkeypatch)
    client = types.SimpleNamespace(timeout=30, region=HUNAN)
    return log_verifier.verify_log(client, "http://in-process", sid, stored, now=at)


def _purged(gateway: Any, aws: Any, stream: Any) -> datetime:
    at = china_noon(add_months(china_today(), 60) + timedelta(days=1))
    assert Lifecycle(gateway).tick(at).json_body["purged"] == 1
    gateway_app.fan_out_changes(stream.event(), None)
    delivered(aws)
    return at.astimezone(UTC) + timedelta(hours=2)


def test_a_withheld_purge_of_a_listing_the_store_holds_is_never_delivered(
    gateway: Any, aws: Any, stream: Any, hook: Any, monkeypatch: Any
) -> None:
    sid, _ = _narrowed(gateway, aws, stream, hook, removed=True)
    held = _stored(hook)
    later = _purged(gateway, aws, stream)
    [tombstone] = [d for d in _stored(hook) if d.data.type.value == "purged"]
    assert tombstone.subscription_id == sid  # an honest gateway sends it: the store had it

    withheld = _verified(gateway, monkeypatch, sid, held, later)
    honest = _verified(gateway, monkeypatch, sid, _stored(hook), later)

    assert not withheld.ok
    assert f"log entry {tombstone.log_sequence} " in " ".join(withheld.problems)
    assert honest.ok, honest.problems


def test_a_step_that_may_end_a_listing_held_in_force_is_unjudged_when_not_stored(
    gateway: Any, aws: Any, stream: Any, hook: Any, monkeypatch: Any
) -> None:
    """The removal's entry does not name its listing: outside the filters now, it may be the
    end of the one the store holds in force, so it is listed, neither owed nor excused."""
    sid, made = _narrowed(gateway, aws, stream, hook, removed=False)
    held = _stored(hook)
    push_with_removals(gateway, made["city"], CITY, [removal_of(made["person"], "revoked")])
    gateway_app.fan_out_changes(stream.event(), None)
    delivered(aws)
    [removal] = [d for d in _stored(hook) if d.data.listing.status.value != "active"]
    now = datetime.now(UTC) + timedelta(hours=1)

    withheld = _verified(gateway, monkeypatch, sid, held, now)
    honest = _verified(gateway, monkeypatch, sid, _stored(hook), now)

    assert (withheld.ok, withheld.unjudged) == (True, (removal.log_sequence,))
    assert (honest.ok, honest.unjudged) == (True, ())
