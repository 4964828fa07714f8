"""A platform key id belongs to one region: DynamoRegistry refuses to move it to another, by a
conditional write, also over items stored before key items carried a plain ``region``."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from integration_support import ACCEPTED_AT, OTHER_REGION, REGION

from chalicelib.dynamodb.registry import DynamoRegistry
from gateway.registry import KeyIdTaken, PlatformKey, PublicKeyTaken
from gateway_client.contract.signing import generate_signing_key, load_private_key, public_key_text


@pytest.fixture
def registry(aws) -> DynamoRegistry:
    return DynamoRegistry(aws.dynamodb, aws.env["CG_REGISTRY_TABLE"])


def platform_key(key_id: str, region: str, **changes) -> PlatformKey:  # type: ignore[no-untyped-def]
    public = public_key_text(load_private_key(generate_signing_key()))
    return PlatformKey(
        key_id=key_id, region=region, public_key=public, valid_from=ACCEPTED_AT, **changes
    )


def legacy_item(aws, key: PlatformKey) -> None:  # type: ignore[no-untyped-def]
    """A key item as stored before this change: its document only, no ``region`` attribute."""
    aws.dynamodb.put_item(
        TableName=aws.env["CG_REGISTRY_TABLE"],
        Item={"pk": {"S": f"key#{key.key_id}"}, "doc": {"S": key.model_dump_json()}},
    )


def test_a_key_item_carries_its_region_as_a_plain_attribute(aws, registry):
    registry.put_key(platform_key("qth-1", REGION))

    item = aws.dynamodb.get_item(
        TableName=aws.env["CG_REGISTRY_TABLE"], Key={"pk": {"S": "key#qth-1"}}
    )["Item"]

    assert item["region"] == {"S": REGION}


def test_a_key_id_of_one_region_cannot_be_registered_for_another(registry):
    original = platform_key("qth-1", REGION)
    registry.put_key(original)

    with pytest.raises(KeyIdTaken) as caught:
        registry.put_key(platform_key("qth-1", OTHER_REGION))

    assert caught.value.context == {"path": "key_id", "key_id": "qth-1"}
    assert registry.get_key("qth-1") == original


def test_the_same_region_may_store_its_key_again(registry):
    registry.put_key(platform_key("qth-1", REGION))
    revoked = platform_key("qth-1", REGION, valid_until=ACCEPTED_AT + timedelta(days=1))

    registry.put_key(revoked)

    assert registry.get_key("qth-1") == revoked


def test_a_key_stored_without_a_region_attribute_stays_its_regions(aws, registry):
    original = platform_key("qth-old", REGION)
    legacy_item(aws, original)

    with pytest.raises(KeyIdTaken):
        registry.put_key(platform_key("qth-old", OTHER_REGION))
    revoked = original.model_copy(update={"valid_until": ACCEPTED_AT + timedelta(days=1)})
    registry.put_key(revoked)

    assert registry.get_key("qth-old") == revoked
    assert [k.key_id for k in registry.keys_of(REGION)] == ["qth-old"]


def test_a_new_key_is_registered_once_by_id_and_once_by_public_key(registry):
    """Review 45: two registrations at once both passed the route's reads, and the last write
    swapped the key a platform had been answered 201 for."""
    first = platform_key("qth-new", REGION)
    registry.register_key(first)

    with pytest.raises(KeyIdTaken):
        registry.register_key(platform_key("qth-new", REGION))  # another key, the same id
    with pytest.raises(PublicKeyTaken):
        registry.register_key(first.model_copy(update={"key_id": "qth-other"}))

    assert registry.get_key("qth-new") == first
    assert registry.get_key("qth-other") is None
    assert registry.all_keys() == [first]  # the public key's own item is no key
    assert [r.code for r in registry.regions()] == []


def test_two_registrations_racing_for_one_id_leave_one_key(registry):
    racing = [platform_key("qth-race", REGION) for _ in range(6)]
    won: list[PlatformKey] = []

    def register(key: PlatformKey) -> None:
        try:
            registry.register_key(key)
            won.append(key)
        except KeyIdTaken:
            pass

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(register, racing))

    assert len(won) == 1
    assert registry.get_key("qth-race") == won[0]
