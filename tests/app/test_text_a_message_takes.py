"""SQS takes in a message only XML's characters, which leave out U+FFFE and U+FFFF: a listing
whose text held one could never be queued, and its stream batch failed on every retry (review
383). Input text refuses every noncharacter at its field, and a listing stored before that
still holds one is queued with it escaped, and delivered as stored."""

from __future__ import annotations

import re
from typing import Any

import pytest
from app_support import CITY, CREDIT_CODE, Gateway
from botocore.client import BaseClient
from botocore.exceptions import ClientError
from lifecycle_support import fan_out_and_deliver, pushed, recent_entry

from chalicelib.bootstrap import container
from gateway.lifecycle.rules import next_version

_NOT_SQS = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
REASON = "有履行能力而拒不履行生效法律文书确定的义务"


@pytest.fixture
def sqs_characters(monkeypatch: pytest.MonkeyPatch) -> None:
    """SendMessage(Batch) refused as SQS refuses a body with a character it does not take
    (moto does not check)."""
    real = BaseClient._make_api_call

    def call(self: Any, operation: str, params: dict[str, Any]) -> Any:
        bodies = [e["MessageBody"] for e in params.get("Entries", [])]
        if operation == "SendMessage":
            bodies = [params["MessageBody"]]
        if any(_NOT_SQS.search(b) for b in bodies):
            error = {"Code": "InvalidMessageContents", "Message": "Invalid binary character"}
            raise ClientError({"Error": error}, operation)
        return real(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", call)


@pytest.mark.parametrize("char", ["\uffff", "\ufffe", "\ufdd0", "\U0010ffff"], ids=ascii)
def test_a_noncharacter_is_refused_at_its_field_and_nothing_is_stored(
    gateway: Gateway, char: str
) -> None:
    city = gateway.register_platform(CITY)

    reply = gateway.push(city, CITY, [recent_entry(reason=REASON + char)])

    assert reply.json_body["accepted"] == 0, reply.json_body
    [error] = reply.json_body["errors"]
    assert error["code"] == "control_character", error
    assert error["field"] == "reason", error
    assert container().listings.subject(CREDIT_CODE) == []


def test_a_listing_stored_holding_one_is_queued_and_delivered_as_stored(
    gateway: Gateway, aws: Any, stream: Any, receiver: Any, sqs_characters: None
) -> None:
    city = gateway.register_platform(CITY)
    assert gateway.subscribe_as_operator(region=CITY, url=receiver.url).status_code == 201
    lid = pushed(gateway, city, CITY, recent_entry(reason=REASON))
    fan_out_and_deliver(aws, stream)
    held = container().listings.current([(CREDIT_CODE, lid)])[lid]
    text = REASON + "\uffff\ufffe"  # stored before the rule, as a version of its own
    stored = held.model_copy(update={"reason": text, "version": next_version(held.version)})
    assert container().listings.write([(stored, held.version)], None)

    [delivered] = fan_out_and_deliver(aws, stream)

    assert delivered.change.listing.reason == text
    assert receiver.requests[-1].body.decode().count("\uffff") == 1  # as stored, unescaped
