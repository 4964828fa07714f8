"""What the gateway sends an endpoint besides deliveries: health notices, the test event and
the URL-verification challenge, each signed as the subscription's deliveries are."""

from __future__ import annotations

import json
from typing import Final, Literal

from pydantic import AwareDatetime

from gateway_client.contract.model import Frozen

FAILING: Final = "subscription.failing"


DISABLED: Final = "subscription.disabled"


TEST: Final = "subscription.test"  # sent on its owner's request, to try the endpoint


class EndpointNotice(Frozen):
    """The body of the notice (the SNS message and the webhook alike)."""

    type: NoticeType
    notice_id: str
    timestamp: AwareDatetime
    subscription_id: str
    subscriber_region: str
    failing_since: AwareDatetime | None
    disables_at: AwareDatetime | None = None  # failing: when it will be disabled
    disabled_reason: str | None = None  # disabled: why

    def to_bytes(self) -> bytes:
        return json.dumps(self.model_dump(mode="json"), sort_keys=True).encode()


VERIFICATION_EVENT: Final = "subscription.verification"


class VerificationEvent(Frozen):
    """The body of the challenge; ``verification_id`` is also its ``webhook-id``."""

    type: Literal["subscription.verification"] = VERIFICATION_EVENT
    timestamp: AwareDatetime
    verification_id: str
    subscription_id: str
    subscriber_region: str
    challenge: str

    def to_bytes(self) -> bytes:
        return json.dumps(self.model_dump(mode="json"), sort_keys=True).encode()

    def answer(self) -> bytes:
        """What the endpoint sends back (with a 2xx status) to prove it wants the deliveries."""
        return json.dumps({"challenge": self.challenge}).encode()


NoticeType = Literal["subscription.failing", "subscription.disabled", "subscription.test"]
