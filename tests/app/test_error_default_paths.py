"""Every refusal names a ``path`` (README: ``{code, path, message}``), even where the raise
knows no field: each error class reachable from the app carries a default for that case."""

from __future__ import annotations

import importlib
import json
import pkgutil

import app  # noqa: F401 — the app's routes import what they raise
import chalicelib
import gateway
import gateway_client
from chalicelib.http_errors import error_response
from gateway_client.contract.errors import GatewayError, NotFound


def _import_everything() -> None:
    """Import every module, so an error class no route reaches yet is walked too."""
    for package in (gateway, chalicelib, gateway_client):
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            importlib.import_module(module.name)


def _subclasses(cls: type[GatewayError]) -> set[type[GatewayError]]:
    found = set(cls.__subclasses__())
    return found.union(*(_subclasses(sub) for sub in found))


def _served_path(error: GatewayError) -> str:
    return str(json.loads(error_response(error).body)["error"].get("path") or "")


def test_every_error_class_raised_without_a_path_still_names_one() -> None:
    _import_everything()
    classes = _subclasses(GatewayError)
    assert len(classes) > 40  # the walk reached the app's modules, not just the contract
    unnamed = sorted(c.__qualname__ for c in classes if not _served_path(c("refused")))
    assert unnamed == []


def test_an_explicit_path_is_kept() -> None:
    assert _served_path(NotFound("no such key", path="key_id")) == "key_id"
    assert _served_path(NotFound("no such route")) == "path"
