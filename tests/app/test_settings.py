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
