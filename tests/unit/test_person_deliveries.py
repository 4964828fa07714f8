"""Deliveries list the measures aimed at responsible persons apart (落实到人, seeds 001 二(三)6,
003 (十五)): ``person_measures``, each with the roles it reaches, beside the recognition's
measures, which keep meaning what they meant; a listing naming nobody is sent as before."""

from __future__ import annotations

import json

from builders import agreement, change, listing, make_resident_id, measure, person, subscription

from gateway.delivery.planning import payload_for, plan_deliveries

REPRESENTATIVE = make_resident_id("19850315", 217, "110108")
CITY_SUBSCRIBER = subscription("sub-city", region="441800")  # the listing's own subtree
HUNAN = subscription("sub-hunan", region="430000")  # the builders' agreement recognises it
HUBEI = subscription("sub-hubei", region="420000")  # recognises nothing


def bodies(held: object, *subs: object, agreements: list[object] | None = None) -> dict[str, dict]:
    made = change(held)  # type: ignore[arg-type]
    return {
        d.subscription_id: json.loads(payload_for(d, subscriber_region="x").to_bytes())
        for d in plan_deliveries(made, subs, agreements or [])  # type: ignore[arg-type]
    }


def test_a_court_defaulters_legal_representative_is_reached_by_the_court_measures() -> None:
    """Seed 001 二(三)3, 003 (十二): 限制出境、限制高消费、限制购买不动产, aimed at the subject
    and at its legal representative (法释〔2015〕17号)."""
    held = listing(responsible_persons=[person("王某", "legal_representative", REPRESENTATIVE)])
    body = bodies(held, CITY_SUBSCRIBER)["sub-city"]
    reached = {m["measure"]["measure_id"]: m["roles"] for m in body["person_measures"]}
    assert reached["restrict_exit"] == ["legal_representative"]
    assert reached["restrict_high_consumption"] == ["legal_representative"]
    subject_measures = {m["measure_id"] for m in body["recognition"]["measures"]}
    assert set(reached) < subject_measures  # the recognition's list is unchanged: all of them
    assert "key_supervision" in subject_measures - set(reached)


def test_a_shareholder_is_reached_only_by_the_measures_naming_shareholders() -> None:
    held = listing(responsible_persons=[person("赵某", "shareholder", REPRESENTATIVE)])
    reached = {
        m["measure"]["measure_id"]: m["roles"]
        for m in bodies(held, CITY_SUBSCRIBER)["sub-city"]["person_measures"]
    }
    assert reached == {"revoke_honours": ["shareholder"]}


def test_an_agreements_measure_for_persons_reaches_every_role_it_does_not_narrow() -> None:
    aimed = measure("agreed_for_persons", targets=["responsible_person"])
    terms = agreement(measures=[measure().model_dump(mode="json"), aimed.model_dump(mode="json")])
    held = listing(responsible_persons=[person("王某", "director", REPRESENTATIVE)])
    body = bodies(held, HUNAN, agreements=[terms])["sub-hunan"]
    assert body["person_measures"] == [
        {"measure": aimed.model_dump(mode="json"), "roles": ["director"]}
    ]


def test_a_region_that_does_not_recognise_the_listing_gets_no_person_measures() -> None:
    held = listing(responsible_persons=[person("王某", "legal_representative", REPRESENTATIVE)])
    assert "person_measures" not in bodies(held, HUBEI)["sub-hubei"]


def test_a_listing_naming_nobody_is_sent_without_the_field() -> None:
    body = bodies(listing(), CITY_SUBSCRIBER)["sub-city"]
    assert "person_measures" not in body
    assert body["recognition"]["measures"]  # measures for the subject, as before
