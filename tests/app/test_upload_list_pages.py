"""A region's uploads listed page by page: ``next`` goes on where the page ended, newest first,
and opens only that region's list (review 168: past the 500 newest, nothing could be read)."""

from __future__ import annotations

from typing import Any

from app_support import CITY, PROVINCE, Gateway, black_entry
from upload_support import ask

from chalicelib.bootstrap import container


def _ids(reply: Any) -> list[str]:
    assert reply.status_code == 200, reply.json_body
    return [x["upload"]["manifest"]["upload_id"] for x in reply.json_body["uploads"]]


def test_pages_follow_one_another_to_the_oldest_and_end_with_no_next(gateway: Gateway) -> None:
    city = gateway.register_platform(CITY)
    made = [ask(gateway, city, [black_entry()]).upload_id for _ in range(5)]
    newest_first = [u.manifest.upload_id for u in container().uploads.page(CITY, 10)[0]]
    assert sorted(newest_first) == sorted(made)

    path = f"/v1/regions/{CITY}/uploads?limit=2"
    seen: list[str] = []
    reply = gateway.send_signed("GET", path, city)
    while True:
        seen += _ids(reply)
        following = reply.json_body["next"]
        if following is None:
            break
        reply = gateway.send_signed("GET", f"{path}&after={following}", city)

    assert seen == newest_first
    operator = gateway.client.http.get(path, headers=gateway.operator())
    again = gateway.client.http.get(
        f"{path}&after={operator.json_body['next']}", headers=gateway.operator()
    )
    assert _ids(again) == newest_first[2:4]


def test_a_next_of_another_region_or_made_up_is_a_400_at_after(gateway: Gateway) -> None:
    city = gateway.register_platform(CITY)
    province = gateway.register_platform(PROVINCE)
    for signer, region in ((city, CITY), (province, PROVINCE)):
        for _ in range(2):
            ask(gateway, signer, [black_entry()], region)
    theirs = gateway.send_signed("GET", f"/v1/regions/{PROVINCE}/uploads?limit=1", province)
    token = theirs.json_body["next"]
    assert token is not None

    for after in (token, "bm90LWEtdG9rZW4", "x" * 3000):
        reply = gateway.client.http.get(
            f"/v1/regions/{CITY}/uploads?after={after}", headers=gateway.operator()
        )
        assert reply.status_code == 400, reply.json_body
        assert reply.json_body["error"]["path"] == "after"
