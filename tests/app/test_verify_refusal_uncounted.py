"""Review 342: ``POST …/verify`` of a pending ``v1sm2`` subscription on a gateway holding no SM2
key is refused (400 ``sm2_not_offered``, nothing sent), yet the refusal is counted against
``CG_URL_CHALLENGES_PER_MINUTE``: the region's next real challenge is 429. Every other route
counts only what passed its checks ("a rate limit counts ... never a refusal"), and creation and
PATCH check the scheme (``check_signable``) before counting."""

from __future__ import annotations

from app_support import HUNAN
from delivery_support import signed
from delivery_support import subscription_path as path_of


def test_a_verify_refused_for_its_scheme_uses_up_no_challenge(gateway, hook):
    gateway.configure(url_challenges_per_minute="2", sm2_signing="true")
    province = gateway.register_platform(HUNAN)
    hook.answers_challenge = False  # stays pending
    created = signed(
        gateway,
        province,
        "POST",
        "/v1/subscriptions",
        {"region": HUNAN, "url": hook.url, "signature_scheme": "v1sm2"},
    )
    assert created.status_code == 201, created.json_body  # challenge 1 of 2
    assert created.json_body["state"] == "pending"
    sent = len(hook.requests)

    gateway.configure(sm2_signing=None)
    refused = signed(gateway, province, "POST", path_of(created.json_body, "/verify"))
    assert refused.status_code == 400, refused.json_body
    assert refused.json_body["error"]["code"] == "sm2_not_offered"
    assert len(hook.requests) == sent  # nothing sent

    gateway.configure(sm2_signing="true")
    again = signed(gateway, province, "POST", path_of(created.json_body, "/verify"))

    # challenge 2 of 2: the refusal above counted nothing
    assert again.status_code == 200, again.json_body
    assert len(hook.requests) == sent + 1
