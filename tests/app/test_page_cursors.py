"""A sealed page cursor opens only on the list it came from (review 168): a query trail's
``next`` on that subject's trail (on another it would start a page at a position, a time,
taken from the first — possibly an entry the reader may not see, which sealing keeps from it),
and an overdue list's ``next`` on that route for that region. Given back to any other list,
it is a 400 at ``after``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from app_support import CITY, HUNAN, Gateway
from lifecycle_support import Lifecycle
from personal_support import PERSON, Askers, person_entry
from test_commitment_routes import TODAY, commitment

SECOND_PERSON = "420281199607020349"


def _look(askers: Askers, role: str, code: str, purpose: str) -> None:
    reply = askers.ask(role, f"/v1/subjects/{code}?purpose={purpose}")
    assert reply.status_code == 200, reply.json_body


def test_a_trail_next_of_one_subject_is_refused_on_another_subjects_trail(
    gateway: Gateway,
) -> None:
    askers = Askers(gateway).register()
    askers.push("owner", person_entry())
    askers.push(
        "owner",
        person_entry(credit_code=SECOND_PERSON, decision_number="(2024)鄂0281执999号"),
    )
    for purpose in ("supervision", "public_procurement"):
        _look(askers, "agreement", PERSON, purpose)
        _look(askers, "agreement", SECOND_PERSON, purpose)

    first = askers.ask("owner", f"/v1/subjects/{PERSON}/trail?limit=1")
    assert first.status_code == 200, first.json_body
    cursor = first.json_body["next"]
    assert cursor is not None

    swapped = askers.ask("owner", f"/v1/subjects/{SECOND_PERSON}/trail?limit=1&after={cursor}")

    assert swapped.status_code == 400, swapped.json_body
    assert swapped.json_body["error"]["path"] == "after"


def _late_commitment(number: str) -> dict[str, Any]:
    """A 容缺受理 commitment of ``number``, its deadline yesterday."""
    late = commitment(deadline=(TODAY - timedelta(days=1)).isoformat())
    return {**late, "decision_number": number}


def _overdue_next(gateway: Gateway) -> tuple[Lifecycle, Any, Any, str]:
    gateway.put_region(HUNAN, name="湖南省")
    city = gateway.register_platform(CITY)
    for number in ("七政服承诺〔2026〕8号", "七政服承诺〔2026〕9号"):
        reply = gateway.push(city, CITY, [_late_commitment(number)])
        assert reply.status_code == 200, reply.json_body
    hunan = gateway.register_platform(HUNAN)
    life = Lifecycle(gateway)
    page = life.get("/v1/commitments/overdue?limit=1", hunan)
    assert page.status_code == 200, page.json_body
    assert page.json_body["next"] is not None
    return life, city, hunan, page.json_body["next"]


def test_a_commitments_overdue_next_is_refused_on_the_objections_overdue_list(
    gateway: Gateway,
) -> None:
    life, _, _, cursor = _overdue_next(gateway)

    other_route = life.get(f"/v1/objections/overdue?after={cursor}")

    assert other_route.status_code == 400, other_route.json_body
    assert other_route.json_body["error"]["path"] == "after"


def test_one_regions_overdue_next_is_refused_to_another_region(gateway: Gateway) -> None:
    life, city, _, cursor = _overdue_next(gateway)  # 湖南's next

    other_region = life.get(f"/v1/commitments/overdue?after={cursor}", city)

    assert other_region.status_code == 400, other_region.json_body
    assert other_region.json_body["error"]["path"] == "after"
