"""Replacing a moto function once: the local stack, the bench's moto process and the tests'
``conftest`` each install the speed-ups, and a second install must not wrap the first."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_MARK = "_local_stack_replacement"


def replace_once(owner: Any, name: str, make: Callable[[Any], Any]) -> None:
    """``owner.<name>`` becomes ``make(what it was)`` (``None`` if it was not there), unless an
    earlier call replaced it already."""
    original = getattr(owner, name, None)
    if getattr(original, _MARK, False):
        return
    replacement = make(original)
    setattr(replacement, _MARK, True)
    setattr(owner, name, replacement)
