"""Challenges of an endpoint not verified yet — ``POST …/verify`` of a pending subscription, a
``PATCH`` of its ``url`` — are each a signed POST the API makes to a URL that never asked for
it: a region may have ``CG_URL_CHALLENGES_PER_MINUTE`` sent a minute, then 429 ``rate_limited``
with nothing sent or written (review 93 F2)."""

from __future__ import annotations

from app_support import HUNAN, error_code
from delivery_support import signed, subscribe
from delivery_support import subscription_path as path_of


def test_verifying_a_pending_endpoint_again_is_limited_and_sends_nothing_past_it(gateway, hook):
    gateway.configure(url_challenges_per_minute="2")
    province = gateway.register_platform(HUNAN)
    hook.answers_challenge = False  # never proves control: stays pending
    created = subscribe(gateway, hook.url, HUNAN)
    assert (created["state"], len(hook.requests)) == ("pending", 1)

    tries = [signed(gateway, province, "POST", path_of(created, "/verify")) for _ in range(3)]

    assert [r.status_code for r in tries] == [200, 200, 429]
    assert error_code(tries[2]) == "rate_limited"
    assert int(tries[2].headers["Retry-After"]) >= 1
    assert len(hook.requests) == 3  # the creation's challenge and two more


def test_new_urls_are_limited_and_one_past_the_limit_changes_nothing(gateway, hook, receiver):
    gateway.configure(url_challenges_per_minute="2")
    province = gateway.register_platform(HUNAN)
    created = subscribe(gateway, receiver.url, HUNAN)
    hook.answers_challenge = False
    first, second = hook.url, hook.url.replace("/hook", "/hook2")

    moves = [
        signed(gateway, province, "PATCH", path_of(created), {"url": url})
        for url in (first, second, second, first)  # the same URL again is no challenge
    ]
    described = signed(gateway, province, "PATCH", path_of(created), {"description": "改说明"})

    assert [r.status_code for r in [*moves, described]] == [200, 200, 200, 429, 200]
    assert error_code(moves[3]) == "rate_limited"
    view = signed(gateway, province, "GET", path_of(created)).json_body
    assert (view["url"], view["description"]) == (second, "改说明")
    assert len(hook.requests) == 2


def test_a_verified_endpoint_verified_again_is_not_counted(gateway, receiver):
    gateway.configure(url_challenges_per_minute="1")
    province = gateway.register_platform(HUNAN)
    created = subscribe(gateway, receiver.url, HUNAN)
    assert created["state"] == "verified"

    tries = [signed(gateway, province, "POST", path_of(created, "/verify")) for _ in range(3)]

    assert [r.status_code for r in tries] == [200] * 3
