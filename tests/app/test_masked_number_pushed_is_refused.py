"""A masked resident ID number (``110105***********X``, as a masked delivery or view shows it)
names no one: pushed as a responsible person's, it is refused at its field with nothing
written (review 370: it was stored, bound to a person neither the person index nor a query
could find, and sent as if it were the number to regions that may see it)."""

from __future__ import annotations

from app_support import CITY, Gateway
from lifecycle_support import Lifecycle, recent_entry


def test_a_masked_responsible_persons_number_is_refused_in_a_push(gateway: Gateway) -> None:
    city = gateway.register_platform(CITY)
    entry = recent_entry(
        decision_number="(2026)黑09执370号",
        responsible_persons=[
            {"name": "张某", "role": "legal_representative", "id_number": "110105***********X"}
        ],
    )

    reply = gateway.push(city, CITY, [entry]).json_body

    assert reply["accepted"] == 0, reply
    refused = [(e["field"], e["code"]) for e in reply["errors"]]
    assert refused == [("responsible_persons.0.id_number", "invalid_credit_code")], reply
    held = Lifecycle(gateway).lookup(entry["credit_code"]).json_body
    assert held.get("listings", []) == [], held
