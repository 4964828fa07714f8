"""A black listing's later version may not start its period later (review 250): a re-push with a
later ``valid_from`` restarted the longest period — a court defaulter stayed listed, and its
person's data kept, about two years more, with no extension decided (法释〔2017〕7号 第二条)."""

from __future__ import annotations

from datetime import timedelta

from app_support import CITY, CREDIT_CODE, HUNAN
from lifecycle_support import Lifecycle, china_noon, china_today, now, recent_entry, stamp


def test_a_later_valid_from_is_refused_and_the_listing_ends_on_its_day(gateway, aws):
    life = Lifecycle(gateway)
    city = gateway.register_platform(CITY)
    first = recent_entry(days_ago=700)  # court defaulter, 2 years from valid_from: 30 days left
    listing_id = gateway.push(city, CITY, [first]).json_body["outcomes"][0]["listing_id"]
    later = {
        **first,
        "valid_from": (china_today() - timedelta(days=1)).isoformat(),  # no extension decided
        "source_updated_at": (now() - timedelta(minutes=5)).isoformat(),
    }

    refused = gateway.push(city, CITY, [later]).json_body

    assert refused["accepted"] == 0, refused
    [error] = refused["errors"]
    assert (error["code"], error["field"]) == ("period_restarted", "valid_from")
    assert life.tick(china_noon(china_today() + timedelta(days=37))).status_code == 200
    assert life.status(CREDIT_CODE, listing_id) == "expired"


def test_an_earlier_or_the_same_valid_from_is_an_update_as_before(gateway, aws):
    city = gateway.register_platform(CITY)
    first = recent_entry(days_ago=100)
    gateway.push(city, CITY, [first])
    earlier = {
        **first,
        "valid_from": first["decided_on"],
        "source_updated_at": (now() - timedelta(minutes=5)).isoformat(),
    }

    assert gateway.push(city, CITY, [earlier]).json_body["accepted"] == 1


def test_an_older_entry_behind_a_refused_restart_is_written_not_answered_duplicate(gateway, aws):
    """Review 251: refused after the batch's newest was chosen, it left the older entry answered
    ``duplicate``, its rename never written."""
    city = gateway.register_platform(CITY)
    first = recent_entry(days_ago=100)
    gateway.push(city, CITY, [first])
    renamed = {
        **first,
        "subject_name": "七台河某某建设工程集团有限公司",
        "source_updated_at": (now() - timedelta(minutes=10)).isoformat(),
    }
    restarted = {
        **renamed,
        "valid_from": (china_today() - timedelta(days=1)).isoformat(),
        "source_updated_at": (now() - timedelta(minutes=5)).isoformat(),
    }

    body = gateway.push(city, CITY, [renamed, restarted]).json_body

    assert [e["code"] for e in body["errors"]] == ["period_restarted"], body
    assert (body["accepted"], body["duplicate"]) == (1, 0)
    held = Lifecycle(gateway).lookup(CREDIT_CODE).json_body["listings"][0]["listing"]
    assert held["subject_name"] == renamed["subject_name"]  # the older entry is written


def test_another_regions_later_start_is_not_its_listing_and_learns_nothing_of_the_period(
    gateway, aws
):
    city = gateway.register_platform(CITY)
    hunan = gateway.register_platform(HUNAN)
    first = recent_entry(days_ago=100)
    gateway.push(city, CITY, [first])
    later = {
        **first,
        "valid_from": (china_today() - timedelta(days=1)).isoformat(),
        "source_updated_at": (now() - timedelta(minutes=5)).isoformat(),
    }

    body = gateway.push(hunan, HUNAN, [later]).json_body

    assert [e["code"] for e in body["errors"]] == ["not_listing_owner"], body


def test_an_owner_filed_correction_does_not_restart_the_period(gateway, aws):
    """Review 251: the owner filed an objection on its own listing and decided it corrected
    with a later valid_from, restarting the period a push may not restart."""
    life = Lifecycle(gateway)
    city = gateway.register_platform(CITY)
    first = recent_entry(days_ago=700)  # court defaulter, 2 years from valid_from: 30 days left
    listing_id = gateway.push(city, CITY, [first]).json_body["outcomes"][0]["listing_id"]
    later = {
        **first,
        "valid_from": (china_today() - timedelta(days=1)).isoformat(),
        "source_updated_at": stamp(-1),
    }
    # a push of this content is refused period_restarted ...
    assert gateway.push(city, CITY, [later]).json_body["errors"][0]["code"] == "period_restarted"
    # ... the owner files an objection on its own listing and decides it itself at once
    assert life.file_objection(CREDIT_CODE, listing_id, "o-1", city).status_code == 201
    decided = life.decide(city, CREDIT_CODE, listing_id, "o-1", "corrected", corrected_entry=later)
    assert decided.status_code == 409, decided.json_body
    error = decided.json_body["error"]
    assert (error["code"], error["path"]) == ("period_restarted", "corrected_entry.valid_from")
    assert life.tick(china_noon(china_today() + timedelta(days=37))).status_code == 200
    assert life.status(CREDIT_CODE, listing_id) == "expired"  # on its own day


def test_an_old_message_is_a_duplicate_not_period_restarted(gateway, aws):
    """Review 253: a message older than the content held, whose start a later version moved
    earlier, was refused period_restarted once the check ran before planning."""
    city = gateway.register_platform(CITY)
    decided = china_today() - timedelta(days=100)
    first = recent_entry(
        days_ago=100,
        valid_from=(decided + timedelta(days=5)).isoformat(),
        source_updated_at=(now() - timedelta(hours=2)).isoformat(),
    )
    assert gateway.push(city, CITY, [first]).json_body["accepted"] == 1
    earlier = {  # the start corrected earlier: allowed
        **first,
        "valid_from": decided.isoformat(),
        "source_updated_at": (now() - timedelta(hours=1)).isoformat(),
    }
    assert gateway.push(city, CITY, [earlier]).json_body["accepted"] == 1

    # the first message again (a retry whose answer was lost, a queue redelivery)
    again = gateway.push(city, CITY, [first]).json_body

    assert (again["accepted"], again["duplicate"], again["errors"]) == (0, 1, []), again
    held = Lifecycle(gateway).lookup(CREDIT_CODE).json_body["listings"][0]["listing"]
    assert held["valid_from"] == decided.isoformat()
