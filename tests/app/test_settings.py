"""What the settings refuse before any function serves a request."""

from __future__ import annotations

import pytest
from app_support import Gateway
from pydantic import ValidationError

from chalicelib.settings import get_settings


def test_outside_the_local_stage_listing_ids_need_the_deployments_own_key(gateway: Gateway) -> None:
    gateway.configure(stage="prod")

    with pytest.raises(ValidationError, match="CG_IDENTITY_KEY"):
        get_settings()

    gateway.configure(stage="prod", identity_key_secret_arn="arn:aws-cn:secretsmanager:x")
    assert get_settings().identity_key_secret_arn == "arn:aws-cn:secretsmanager:x"


@pytest.mark.parametrize(
    ("settings", "refused"),
    [
        ({"sm2_key_id": "gw-test-1"}, True),  # the Ed25519 key's own id
        ({"signing_key_id": "g" * 61}, True),  # the derived "….sm2" id would exceed 64
        ({"signing_key_id": "g" * 61, "sm2_key_id": "gw-sm2-1"}, False),
        ({}, False),
        ({"sm2_signing": "false", "signing_key_id": "g" * 64}, False),  # no SM2 key: no SM2 id
    ],
)
def test_the_sm2_key_id_is_its_own_and_fits_a_key_id(gateway: Gateway, settings, refused) -> None:
    gateway.configure(**{"sm2_signing": "true", **settings})

    if refused:
        with pytest.raises(ValidationError, match="CG_SM2_KEY_ID"):
            get_settings()
    else:
        held = get_settings()
        assert held.sm2_signing or held.signing_key_id == "g" * 64
        if held.sm2_signing:
            assert held.gateway_sm2_key_id == settings.get("sm2_key_id", "gw-test-1.sm2")
