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


_set = object.__setattr__  # a frozen model refuses its own __setattr__


def instance(model: type[M], fields: dict[str, Any], given: Any) -> M:
    """A ``model`` holding ``fields`` (every field, in order) with the names in ``given`` set."""
    made = model.__new__(model)
    _set(made, "__dict__", fields)
    _set(made, "__pydantic_fields_set__", set(given))
    _set(made, "__pydantic_extra__", None)
    _set(made, "__pydantic_private__", None)
    return made


def copied(model: M, update: Mapping[str, Any]) -> M:
    """``model.model_copy(update=update)`` for values of its own fields that are validated
    already, without ``model_copy``'s generic copying of extra and private attributes (the
    gateway's models have none; one that has is copied by ``model_copy`` itself)."""
    if model.__pydantic_extra__ or model.__pydantic_private__:
        return model.model_copy(update=update)
    fields = dict(model.__dict__)
    fields.update(update)
    return instance(type(model), fields, model.__pydantic_fields_set__ | update.keys())
