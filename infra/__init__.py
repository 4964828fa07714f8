"""Deployable resource definitions and the embedded local stack built from them."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any


@cache
def resource_template() -> dict[str, Any]:
    """``infra/resources.json``: the one definition of tables, queues and buckets."""
    text = resources.files("infra").joinpath("resources.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded
