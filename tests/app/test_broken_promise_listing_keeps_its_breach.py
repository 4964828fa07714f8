"""The black listing the tick makes of a person's broken promise ends its conduct on the breach
(review 296), so it is erased with the promise five years on. Its owner corrects it "as any of
its own" — a push of the fields it sees, which cannot name ``conduct_ended_on`` (the gateway
set it) — and the correction keeps the breach (review 299: it cleared it, and the person's
black listing was kept five years from its period's end, a year to three more)."""

from __future__ import annotations

from datetime import timedelta

from app_support import NATURAL_PERSON_CODE
from test_broken_commitment_listings import city_with_policy, pushed_at, tick_at
from test_commitment_routes import broken, commitment

PERSON = {"credit_code": NATURAL_PERSON_CODE, "subject_name": "王某某"}
FIELDS = ("credit_code", "kind", "domain", "severity", "reason", "legal_basis")
FIELDS += ("deciding_authority", "decision_number", "decided_on", "valid_from")


def _listings(gateway):  # type: ignore[no-untyped-def]
    path = f"/v1/subjects/{NATURAL_PERSON_CODE}?purpose=supervision"
    reply = gateway.client.http.get(path, headers=gateway.operator())
    if reply.status_code == 404:
        return []
    assert reply.status_code == 200, reply.json_body
    return [v["listing"] for v in reply.json_body["listings"]]


def _listed_then_corrected(gateway, city, clock) -> tuple[str, dict]:  # type: ignore[no-untyped-def]
    """The tick's black listing of the person's broken promise, then corrected by its owner a
    day later (another name); the breach it was made with, and the listing after."""
    entries = [{**commitment(), **PERSON}, {**broken(), **PERSON}]
    assert pushed_at(gateway, city, clock, entries)["errors"] == []
    assert tick_at(gateway, clock)["broken_commitments_listed"] == 1
    [black] = [x for x in _listings(gateway) if x["kind"] == "black"]
    assert black["conduct_ended_on"] is not None
    clock.advance(timedelta(days=1))
    corrected = {name: black[name] for name in FIELDS}
    corrected |= {
        "credit_code": NATURAL_PERSON_CODE,  # as pushed
        "subject_name": "王某",
        "source_updated_at": clock.now().isoformat(),
        "source_sequence": 3,
    }
    reply = pushed_at(gateway, city, clock, [corrected])
    assert (reply["accepted"], reply["errors"]) == (1, []), reply
    [after] = [x for x in _listings(gateway) if x["kind"] == "black"]
    assert after["subject_name"] == "王某"
    return black["conduct_ended_on"], after


def test_the_owners_correction_keeps_the_breach_as_the_conduct_end(gateway):
    with city_with_policy(gateway) as (city, clock):
        breach, after = _listed_then_corrected(gateway, city, clock)

    assert after.get("conduct_ended_on") == breach, "the correction cleared the conduct end"


def test_after_the_owners_correction_the_black_listing_still_goes_with_the_breach(gateway):
    with city_with_policy(gateway) as (city, clock):
        _listed_then_corrected(gateway, city, clock)
        clock.advance(timedelta(days=370))  # the general black listing's year is over
        tick_at(gateway, clock)
        clock.advance(timedelta(days=366 * 5 - 370 + 10))  # five years and some from the breach
        tick_at(gateway, clock)
        left = sorted(x["kind"] for x in _listings(gateway))

    assert left == [], left  # the promise is erased, and so is the black listing of its breach
