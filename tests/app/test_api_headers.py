"""Every JSON answer carries the headers that keep it data: shared with the console's origin and
holding text other regions pushed, it is never sniffed as markup, and, as it may name a person,
it is not stored by a browser or proxy unless its route says so (review 46c)."""

from __future__ import annotations

from app_support import CITY, CREDIT_CODE, Gateway, black_entry


def test_an_answer_and_a_refusal_are_not_sniffed_or_stored(gateway: Gateway) -> None:
    city = gateway.register_platform(CITY)
    gateway.push(city, CITY, [black_entry(subject_name="<img src=x onerror=alert(1)>某公司")])

    found = gateway.client.http.get(f"/v1/subjects/{CREDIT_CODE}")
    refused = gateway.client.http.get("/v1/subjects/not-a-code")

    for reply in (found, refused):
        assert reply.headers["Content-Type"] == "application/json; charset=utf-8"
        assert reply.headers["X-Content-Type-Options"] == "nosniff"
        assert reply.headers["Cache-Control"] == "no-store"
    assert (found.status_code, refused.status_code) == (200, 400)


def test_a_route_that_may_be_cached_says_so(gateway: Gateway) -> None:
    keys = gateway.client.http.get("/v1/keys")

    assert keys.headers["Cache-Control"] == "max-age=300"
    assert keys.headers["X-Content-Type-Options"] == "nosniff"
