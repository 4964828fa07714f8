"""Revoking a platform key names the region's subscriptions it deleted (review 248): deleting is
the widest narrowing of what a region receives — its feed stops for good, and a deleted id is
never made again — yet the answer said nothing of it, and nothing kept who deleted it."""

from __future__ import annotations

from app_support import HUNAN, new_signer
from delivery_support import signed


def _subscription(gateway, receiver) -> str:
    made = gateway.subscribe_as_operator(region=HUNAN, url=receiver.url)
    assert made.status_code == 201, made.json_body
    return str(made.json_body["subscription_id"])


def test_revoking_a_key_names_the_subscriptions_it_deleted_and_only_those(gateway, receiver):
    leaked = gateway.register_platform(HUNAN, "hn-leaked")
    other = new_signer("hn-other")
    assert gateway.add_key(HUNAN, other).status_code == 201
    by_leaked, by_other, by_operator, kept = (_subscription(gateway, receiver) for _ in range(4))
    for signer, sid in ((leaked, by_leaked), (other, by_other)):
        gone = signed(gateway, signer, "DELETE", f"/v1/subscriptions/{sid}")
        assert gone.status_code == 200, gone.json_body
    assert (
        gateway.client.http.delete(
            f"/v1/subscriptions/{by_operator}", headers=gateway.operator()
        ).status_code
        == 200
    )

    revoked = gateway.client.http.delete(
        f"/v1/regions/{HUNAN}/keys/hn-leaked", headers=gateway.operator()
    )

    assert revoked.status_code == 200, revoked.json_body
    assert revoked.json_body["subscriptions_deleted"] == [by_leaked]
    assert kept not in revoked.json_body["subscriptions_to_review"]
    again = gateway.client.http.delete(
        f"/v1/regions/{HUNAN}/keys/hn-other", headers=gateway.operator()
    )
    assert again.json_body["subscriptions_deleted"] == [by_other]
