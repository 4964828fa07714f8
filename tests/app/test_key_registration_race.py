"""Two registrations of one new key id at once (review 45): both read no key, and both were
answered 201 while the last write swapped the key the other platform had been given. The write
is now atomic; the loser reads what won, as a retry would."""

from __future__ import annotations

from typing import Any

import pytest
from app_support import HUNAN, Gateway, error_code, new_signer

from chalicelib.bootstrap import container
from chalicelib.dynamodb.registry import DynamoRegistry
from gateway_client.contract.signing import public_key_text


def racing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each route's first read of the key comes before the other's write: it finds none."""
    read = DynamoRegistry.get_key
    stale: set[str] = set()

    def get_key(registry: DynamoRegistry, key_id: str) -> Any:
        if key_id not in stale:
            stale.add(key_id)
            return None
        return read(registry, key_id)

    monkeypatch.setattr(DynamoRegistry, "get_key", get_key)


@pytest.mark.parametrize(("same", "answer"), [(False, (409, "key_id_taken")), (True, (200, None))])
def test_the_registration_that_loses_the_race_is_refused_or_answered_as_a_retry(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch, same: bool, answer: tuple[int, Any]
) -> None:
    assert gateway.put_region(HUNAN).status_code == 200
    first = new_signer("k-race")
    assert gateway.add_key(HUNAN, first).status_code == 201
    racing(monkeypatch)
    second = first if same else new_signer("k-race")

    reply = gateway.add_key(HUNAN, second)

    code = error_code(reply) if reply.status_code >= 400 else None
    assert (reply.status_code, code) == answer
    held = container().registry.get_key("k-race")
    assert held is not None
    assert held.public_key == public_key_text(first.private_key)  # the key first answered 201
