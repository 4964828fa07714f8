"""A refused decision quoted the path's objection id as typed, an ID number put there included
(review 287): every error message answered masks the ID numbers it quotes, as the errors a push
or an upload keeps always did."""

from __future__ import annotations

import json

from app_support import CITY, CREDIT_CODE, Gateway
from lifecycle_support import Lifecycle, listing_path, pushed, recent_entry, stamp

ID_NUMBER = "11010519491231002X"


def test_an_unknown_objection_id_holding_an_id_number_is_not_quoted_in_full(
    gateway: Gateway,
) -> None:
    life = Lifecycle(gateway)
    city = gateway.register_platform(CITY)
    lid = pushed(gateway, city, CITY, recent_entry(days_ago=125, severity="general"))
    base = listing_path(CREDIT_CODE, lid) + f"/objections/{ID_NUMBER}"

    decided = life.post(
        base + "/decision", {"outcome": "upheld", "source_updated_at": stamp()}, city
    )

    assert decided.status_code == 404
    assert ID_NUMBER not in json.dumps(decided.json_body)
    assert "110105***********X" in decided.json_body["error"]["message"]
