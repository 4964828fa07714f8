"""Regions and platform keys, one item each, looked up by region code or key id."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Collection
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.dynamodb.base import Table, is_conditional_failure, s, text
from chalicelib.dynamodb.conflicts import pause, transact
from gateway.registry import PUBLIC_KEY_TAKEN, KeyIdTaken, PlatformKey, PublicKeyTaken, Region
from gateway_client.contract import Busy, ancestors

# A key item may be written when it is new or already the same region's: by its plain
# ``region`` attribute, or — an item from before that attribute — by its document, whose
# compact JSON holds ``"region":"<code>"`` exactly once (key ids cannot hold quotes).
_SAME_REGION_OR_NEW = (
    "attribute_not_exists(pk) OR #region = :region"
    " OR (attribute_not_exists(#region) AND contains(#doc, :held_by))"
)
_ROUNDS = 10  # operator writes of one region are rare: a few rounds settle any race


class DynamoRegistry(Table):
    def get_region(self, code: str) -> Region | None:
        item = self._get({"pk": s(f"region#{code}")})
        return Region.model_validate_json(text(item, "doc")) if item else None

    def put_region(self, region: Region) -> None:
        self._put_doc({"pk": s(f"region#{region.code}")}, region.model_dump_json())

    def update_region(self, code: str, change: Callable[[Region | None], Region]) -> Region:
        """``change`` of the region as stored (None: not registered), written only while the
        stored document is still the one read, else read and changed again: two operator
        requests at once (a rename, relaying turned off) each keep what the other changed."""
        key = {"pk": s(f"region#{code}")}
        for attempt in range(_ROUNDS):
            item = self._get(key)
            held = text(item, "doc") if item else None
            region = change(Region.model_validate_json(held) if held else None)
            put: dict[str, Any] = {
                "TableName": self._table,
                "Item": {**key, "doc": s(region.model_dump_json())},
            }
            if held is None:
                put["ConditionExpression"] = "attribute_not_exists(pk)"
            else:
                put["ConditionExpression"] = "doc = :held"
                put["ExpressionAttributeValues"] = {":held": s(held)}
            if self._put_if(**put):
                return region
            if attempt + 1 < _ROUNDS:
                time.sleep(pause(attempt))
        raise Busy(
            f"region {code} kept changing under this request: nothing was written; send it again",
            retry_after=1,
        )

    def any_within(self, root: str) -> bool:
        return not self.roots_without_regions([root])

    def roots_without_regions(self, roots: Collection[str]) -> list[str]:
        covered = {root for region in self.regions() for root in ancestors(region.code)}
        return [root for root in roots if root not in covered]

    def regions(self) -> list[Region]:
        """Every registered region, by code (a scan: the registry is small)."""
        found = [Region.model_validate_json(doc) for doc in self._docs_under("region#")]
        return sorted(found, key=lambda r: r.code)

    def _docs_under(self, prefix: str) -> list[str]:
        """The documents of the items whose key starts with ``prefix``: told apart by their
        key, never by what their text holds (review 267: a key registered as ``key_id`` made
        its ``material#`` item read as a key, and every key route a 500)."""
        pages = self._client.get_paginator("scan").paginate(
            TableName=self._table,
            ConsistentRead=True,
            FilterExpression="begins_with(pk, :prefix)",
            ExpressionAttributeValues={":prefix": s(prefix)},
        )
        return [text(item, "doc") for page in pages for item in page.get("Items", [])]

    def get_key(self, key_id: str) -> PlatformKey | None:
        item = self._get({"pk": s(f"key#{key_id}")})
        return PlatformKey.model_validate_json(text(item, "doc")) if item else None

    def put_key(self, key: PlatformKey) -> None:
        """A conditional write, so two regions registering one key id at once cannot both win.

        Raises
        ------
        KeyIdTaken
        """
        try:
            self._client.put_item(
                TableName=self._table,
                Item={
                    "pk": s(f"key#{key.key_id}"),
                    "doc": s(key.model_dump_json()),
                    "region": s(key.region),
                },
                ConditionExpression=_SAME_REGION_OR_NEW,
                ExpressionAttributeNames={"#region": "region", "#doc": "doc"},
                ExpressionAttributeValues={
                    ":region": s(key.region),
                    ":held_by": s(f'"region":"{key.region}"'),
                },
            )
        except ClientError as error:
            if not is_conditional_failure(error):
                raise
            raise KeyIdTaken(
                f"key id {key.key_id} is registered for another region; choose another id",
                path="key_id",
                key_id=key.key_id,
            ) from error

    def register_key(self, key: PlatformKey) -> None:
        """The key's item and an item for its public key (``material#<SHA-256>``), both new,
        in one transaction: a key registered before these items existed is found by the scan
        the route makes first, a registration racing this one by the transaction.

        Raises
        ------
        KeyIdTaken, PublicKeyTaken
        """
        material = hashlib.sha256(key.material).hexdigest()
        new = "attribute_not_exists(pk)"
        items: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": {
                        "pk": s(f"key#{key.key_id}"),
                        "doc": s(key.model_dump_json()),
                        "region": s(key.region),
                    },
                    "ConditionExpression": new,
                }
            },
            {
                "Put": {
                    "TableName": self._table,
                    "Item": {
                        "pk": s(f"material#{material}"),
                        "doc": s(json.dumps({"material_of": key.key_id})),
                    },
                    "ConditionExpression": new,
                }
            },
        ]
        try:
            transact(self._client, items)  # type: ignore[arg-type]  # a conflict alone: again
        except ClientError as error:
            reasons = error.response.get("CancellationReasons") or []
            failed = [r.get("Code") == "ConditionalCheckFailed" for r in reasons]
            if failed[:1] == [True]:
                raise KeyIdTaken(f"key id {key.key_id} is registered", path="key_id") from error
            if failed[1:2] == [True]:
                raise PublicKeyTaken(PUBLIC_KEY_TAKEN) from error
            raise

    def all_keys(self) -> list[PlatformKey]:
        """Every key of every region, current or not (a scan: the registry is small)."""
        return [PlatformKey.model_validate_json(doc) for doc in self._docs_under("key#")]

    def keys_of(self, region: str) -> list[PlatformKey]:
        """Every key registered for a region, current or not, oldest first."""
        keys = (k for k in self.all_keys() if k.region == region)
        return sorted(keys, key=lambda k: k.valid_from)
