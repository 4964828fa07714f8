"""Every module logger sits under ``credit_gateway``: only that tree goes through the masking
formatter, so a record from a logger named after its module would print an ID unmasked."""

from __future__ import annotations

import importlib
import logging
import pkgutil

import chalicelib
import gateway


def _module_loggers() -> dict[str, str]:
    found: dict[str, str] = {}
    for package in (gateway, chalicelib):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            module = importlib.import_module(info.name)
            for value in vars(module).values():
                if isinstance(value, logging.Logger):
                    found[info.name] = value.name
    return found


def test_every_module_logger_is_under_the_masked_tree() -> None:
    loggers = _module_loggers()

    assert loggers  # the walk found the modules that log
    outside = {m: name for m, name in loggers.items() if not name.startswith("credit_gateway.")}
    assert outside == {}
