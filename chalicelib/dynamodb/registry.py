"""Regions and platform keys, one item each, looked up by region code or key id."""

from __future__ import annotations

from chalicelib.dynamodb.base import Table, s, text
from gateway.registry import PlatformKey, Region


class DynamoRegistry(Table):
    def get_region(self, code: str) -> Region | None:
        item = self._get({"pk": s(f"region#{code}")})
        return Region.model_validate_json(text(item, "doc")) if item else None

    def put_region(self, region: Region) -> None:
        self._put_doc({"pk": s(f"region#{region.code}")}, region.model_dump_json())

    def get_key(self, key_id: str) -> PlatformKey | None:
        item = self._get({"pk": s(f"key#{key_id}")})
        return PlatformKey.model_validate_json(text(item, "doc")) if item else None

    def put_key(self, key: PlatformKey) -> None:
        self._put_doc({"pk": s(f"key#{key.key_id}")}, key.model_dump_json())

    def keys_of(self, region: str) -> list[PlatformKey]:
        """Every key registered for a region, current or not (a scan: the registry is small)."""
        keys = [
            PlatformKey.model_validate_json(doc) for doc in self._scan_docs() if '"key_id"' in doc
        ]
        return sorted((k for k in keys if k.region == region), key=lambda k: k.valid_from)
