"""Models assembled from values already validated, without validating them again.

Hot paths (promotion of every ingested entry, a delivery per change and subscriber) build
models from values that are already instances of the right types. ``Model(**values)`` validates
them again and ``Model.model_construct`` walks every field's aliases and defaults on each call;
``assembled`` does what ``model_construct`` does with the defaults worked out once per model.
Only models whose defaults are immutable (None, enum members, numbers, strings, empty tuples)
qualify, so one default value may be shared by every instance.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from functools import cache
from typing import Any, TypeVar

from pydantic import BaseModel

from gateway_client.contract import copied, instance

__all__ = ["assembled", "copied", "defaults_of", "instance"]

M = TypeVar("M", bound=BaseModel)

_IMMUTABLE = (type(None), bool, int, float, str, bytes, Enum, frozenset)


def _immutable(value: Any) -> bool:
    if isinstance(value, tuple):
        return all(_immutable(item) for item in value)
    return isinstance(value, _IMMUTABLE)


@cache
def _shape(model: type[BaseModel]) -> tuple[tuple[str, ...], dict[str, Any]]:
    """The model's field names in order, and its defaults (each checked immutable)."""
    defaults: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        if field.is_required():
            continue
        value = field.get_default(call_default_factory=True)
        if not _immutable(value):
            raise TypeError(f"{model.__name__}.{name} has a mutable default: assemble it otherwise")
        defaults[name] = value
    return tuple(model.model_fields), defaults


def defaults_of(model: type[BaseModel]) -> Mapping[str, Any]:
    return _shape(model)[1]


def assembled(model: type[M], values: Mapping[str, Any]) -> M:
    """``model.model_construct(**values)`` for ``values`` that name only fields of ``model``
    and are validated instances already: the fields not named take their defaults, the fields
    named make up ``model_fields_set``."""
    order, defaults = _shape(model)
    return instance(model, {n: values[n] if n in values else defaults[n] for n in order}, values)
