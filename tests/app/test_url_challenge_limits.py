"""Challenges of an endpoint not verified yet — a creation's, ``POST …/verify`` of a pending
subscription, a ``PATCH`` of its ``url`` — are each a signed POST the API makes to a URL that
never asked for it: a region may have ``CG_URL_CHALLENGES_PER_MINUTE`` sent a minute, then 429
``rate_limited`` with nothing sent or written (review 93 F2, review 95 F7). A request under
several limits counts against all or none (review 95 F6)."""

from __future__ import annotations

from app_support import HUNAN, error_code
from delivery_support import signed, subscribe
from delivery_support import subscription_path as path_of


def test_verifying_a_pending_endpoint_again_is_limited_and_sends_nothing_past_it(gateway, hook):
    gateway.configure(url_challenges_per_minute="3")
    province = gateway.register_platform(HUNAN)
    hook.answers_challenge = False  # never proves control: stays pending
    created = subscribe(gateway, hook.url, HUNAN)  # the first challenge
    assert (created["state"], len(hook.requests)) == ("pending", 1)

    tries = [signed(gateway, province, "POST", path_of(created, "/verify")) for _ in range(3)]

    assert [r.status_code for r in tries] == [200, 200, 429]
    assert error_code(tries[2]) == "rate_limited"
    assert int(tries[2].headers["Retry-After"]) >= 1
    assert len(hook.requests) == 3  # the creation's challenge and two more


def test_new_urls_are_limited_and_one_past_the_limit_changes_nothing(gateway, hook, receiver):
    gateway.configure(url_challenges_per_minute="3")
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


def test_creations_are_challenges_too(gateway, hook):
    """Created and deleted again, to a URL that never answers: each creation challenges it."""
    gateway.configure(url_challenges_per_minute="2")
    province = gateway.register_platform(HUNAN)
    hook.answers_challenge = False
    made = []
    for _ in range(3):
        reply = signed(
            gateway, province, "POST", "/v1/subscriptions", {"region": HUNAN, "url": hook.url}
        )
        made.append(reply)
        if reply.status_code == 201:
            assert signed(gateway, province, "DELETE", path_of(reply.json_body)).status_code == 200

    assert [r.status_code for r in made] == [201, 201, 429]
    assert error_code(made[2]) == "rate_limited"
    assert len(hook.requests) == 2


def test_a_url_change_refused_for_its_challenge_uses_up_no_change_of_terms(gateway, hook, receiver):
    gateway.configure(url_challenges_per_minute="2", terms_changes_per_minute="1")
    province = gateway.register_platform(HUNAN)
    created = subscribe(gateway, receiver.url, HUNAN)  # a challenge
    hook.answers_challenge = False
    moved = signed(gateway, province, "PATCH", path_of(created), {"url": hook.url})  # another
    both = {"url": hook.url.replace("/hook", "/hook2"), "recognised_only": True}
    refused = signed(gateway, province, "PATCH", path_of(created), both)
    terms = signed(gateway, province, "PATCH", path_of(created), {"recognised_only": True})

    assert [r.status_code for r in (moved, refused, terms)] == [200, 429, 200]
    view = signed(gateway, province, "GET", path_of(created)).json_body
    assert (view["url"], view["recognised_only"]) == (hook.url, True)


def test_a_change_of_terms_refused_uses_up_no_challenge(gateway, hook, receiver):
    gateway.configure(url_challenges_per_minute="3", terms_changes_per_minute="1")
    province = gateway.register_platform(HUNAN)
    created = subscribe(gateway, receiver.url, HUNAN)  # challenge 1
    hook.answers_challenge = False
    terms = signed(gateway, province, "PATCH", path_of(created), {"recognised_only": True})
    both = {"url": hook.url, "recognised_only": False}
    refused = signed(gateway, province, "PATCH", path_of(created), both)
    moves = [
        signed(gateway, province, "PATCH", path_of(created), {"url": url})
        for url in (hook.url, hook.url.replace("/hook", "/hook2"), hook.url)
    ]

    assert [r.status_code for r in (terms, refused, *moves)] == [200, 429, 200, 200, 429]


def test_test_notices_are_limited_apart_from_challenges_and_send_nothing_past_it(gateway, receiver):
    """Review 156: each ``POST …/test`` holds the API function for up to 5 s posting to the
    endpoint; a region may have ``CG_URL_CHALLENGES_PER_MINUTE`` of them a minute, counted
    apart from its challenges, and one refused for another reason counts nothing."""
    gateway.configure(url_challenges_per_minute="2")
    province = gateway.register_platform(HUNAN)
    created = subscribe(gateway, receiver.url, HUNAN)  # one challenge, answered
    assert created["state"] == "verified"
    sent_before = len(receiver.requests)
    refused_body = signed(gateway, province, "POST", path_of(created, "/test"), {"x": 1})

    tries = [signed(gateway, province, "POST", path_of(created, "/test")) for _ in range(3)]

    assert (refused_body.status_code, error_code(refused_body)) == (400, "invalid_schema")
    assert [r.status_code for r in tries] == [200, 200, 429]
    assert error_code(tries[2]) == "rate_limited"
    assert len(receiver.requests) == sent_before + 2
    again = signed(gateway, province, "PATCH", path_of(created), {"url": receiver.url + "2"})
    assert again.status_code == 200, again.json_body  # challenges are counted apart
