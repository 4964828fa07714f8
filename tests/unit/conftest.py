"""Fixtures for the pure unit tests; makes ``builders`` and ``fakes`` importable as modules."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from builders import make_signer

from gateway_client.contract.signing import Ed25519Signer


@pytest.fixture
def real_now() -> datetime:
    """The wall clock, for checks made by libraries that read it themselves (standardwebhooks)."""
    return datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def signer() -> Ed25519Signer:
    return make_signer("city-441800-k1")
