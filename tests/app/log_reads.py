"""The exchange log's chunk objects a block of code downloads (S3 GetObject of ``log-chunks/``):
what the tests of reading the log once, not once a line, count."""

from __future__ import annotations

from typing import Any

import botocore.client
import pytest


def chunk_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The keys of the log chunks downloaded from now on, in order."""
    reads: list[str] = []
    current = botocore.client.BaseClient._make_api_call

    def counted(self: Any, operation: str, params: dict[str, Any]) -> Any:
        if operation == "GetObject" and str(params.get("Key", "")).startswith("log-chunks/"):
            reads.append(params["Key"])
        return current(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counted)
    return reads
