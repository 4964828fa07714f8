"""Run inside the clean virtualenv, with only the unpacked bundle on ``PYTHONPATH``: call one
packaged Lambda handler on each event of a JSON file, as one warm Lambda container would.

Stand-alone on purpose (standard library only): it is copied out of the repository and must
prove that the bundle alone (plus the runtime's boto3) imports and runs. Usage:
``python driver.py app.fan_out_changes events.json`` → one JSON line: the isolation facts and
each invocation's result.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import sys
import uuid
from typing import Any


class Context:
    """The part of Lambda's context object the handlers use."""

    function_name = "bundle-test"
    memory_limit_in_mb = 512

    def __init__(self) -> None:
        self.aws_request_id = str(uuid.uuid4())

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 60_000


def _isolation() -> dict[str, Any]:
    """What this interpreter can import: the bundle's modules from the task root, and no test
    or deployment tooling from anywhere."""
    root = os.path.realpath(os.environ["LAMBDA_TASK_ROOT"])
    facts: dict[str, Any] = {}
    for name in ("moto", "chalice.cli", "chalice.local", "chalice.test", "pytest", "infra"):
        facts[name] = _has(name)
    for name in ("app", "gateway", "chalicelib", "chalice", "pydantic", "gmalg", "boto3"):
        module = importlib.import_module(name)
        facts[f"{name}_from_bundle"] = os.path.realpath(str(module.__file__)).startswith(root)
    return facts


def _has(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def main(handler_path: str, events_path: str) -> int:
    module_name, _, attribute = handler_path.rpartition(".")
    handler = getattr(importlib.import_module(module_name), attribute)
    with open(events_path, encoding="utf-8") as events_file:
        events = json.load(events_file)
    results = [handler(event, Context()) for event in events]
    print(json.dumps({"isolation": _isolation(), "results": results}, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
