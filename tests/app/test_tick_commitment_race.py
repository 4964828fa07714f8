"""The tick lists no broken commitment black from the page it read once the owner revoked the
commitment between that read and its write (review 252: it listed it, after the revocation was
answered, and a new listing went out to every subscriber until the next tick unlisted it)."""

from __future__ import annotations

import threading
from typing import Any

from app_support import CITY
from lifecycle_support import Lifecycle, push_with_removals, removal_of
from test_broken_commitment_listings import blacks, city, put_policy  # noqa: F401
from test_commitment_routes import broken, commitment, push

from chalicelib.dynamodb.listings import DynamoListings


def test_a_commitment_revoked_while_the_tick_reads_it_is_not_listed_black(
    gateway,
    city,  # noqa: F811
    monkeypatch,
    request_per_thread,
):
    assert put_policy(gateway).status_code == 200
    push(gateway, city, CITY, commitment(), broken())
    original = DynamoListings.pending
    revoked: list[Any] = []

    def pending(self, today, after, limit):  # the page is read, then the owner revokes
        page = original(self, today, after, limit)
        if not revoked:

            def revoke() -> None:
                revoked.append(
                    push_with_removals(gateway, city, CITY, [removal_of(broken(), "revoked")])
                )

            worker = threading.Thread(target=revoke)
            worker.start()
            worker.join()
        return page

    monkeypatch.setattr(DynamoListings, "pending", pending)
    ticked = Lifecycle(gateway).tick()
    assert ticked.status_code == 200, ticked.json_body
    [answer] = revoked
    assert answer.json_body["removed"] == 1, answer.json_body

    # the commitment was revoked before the black listing was written: none may stand on it
    in_force = [b for b in blacks(gateway) if b["status"] in ("active", "suspended")]
    assert in_force == [], (ticked.json_body, in_force)
