"""How moto writes its answers: two costs cut without changing a byte of what it answers, and
one race removed (installed by ``infra.local.moto_speedup``).

moto writes each answer by walking the service's botocore model, and for every member of every
structure asks six alias providers which keys of the Python value might hold it (building an
object per provider and a snake-case form per alias): about a sixth of its CPU on the way from
a push to its webhook. For a plain ``dict`` value (what DynamoDB's answers are made of) the
candidates depend only on the providers, the member's name, its shape and that shape's parent
(a ``dict`` has no ``Meta`` and its class name is always ``dict``), so they are worked out once
per member; any other value is asked as before.

And moto makes a request id (52 characters) one ``random.choice`` at a time, on every answer:
``choices`` draws them at once from the same characters.

And moto answers a read with the stored item's own attribute dict, which it then walks to write
the answer while another request (its server answers each on a thread, as the tests' appenders
run) may add an attribute to that item: "dictionary changed size during iteration". An item is
answered from a copy of its attributes taken at once (one ``dict.copy``, which no other thread
interleaves), as DynamoDB answers an item as of one moment.
"""

from __future__ import annotations

import string
from typing import Any

from moto.core import serialize
from moto.dynamodb.models.dynamo_type import Item
from moto.moto_api._internal.moto_random import MotoRandom

from infra.local.moto_patching import replace_once

_Key = tuple[Any, str, Any, Any]  # the providers, a member's name, its shape, the shape's parent


def install() -> None:
    _pick_dict_members_by_cached_keys()
    _draw_request_ids_at_once()
    _answer_items_from_a_copy()


def _pick_dict_members_by_cached_keys() -> None:
    known: dict[_Key, tuple[str, ...]] = {}  # holds the shapes, so no id is ever reused

    def make(uncached: Any) -> Any:
        def get_possible_keys(self: Any, context: Any) -> Any:
            if type(context.obj) is not dict:
                return uncached(self, context)
            shape = context.shape
            key = (tuple(self.alias_providers), context.key, shape, getattr(shape, "parent", None))
            found = known.get(key)
            if found is None:
                found = known[key] = tuple(uncached(self, context))
            return iter(found)

        get_possible_keys.uncached = uncached  # type: ignore[attr-defined]
        return get_possible_keys

    replace_once(serialize.XFormedAttributePicker, "get_possible_keys", make)


def _draw_request_ids_at_once() -> None:
    def get_random_string(
        self: MotoRandom, length: int = 20, include_digits: bool = True, lower_case: bool = False
    ) -> str:
        pool = string.ascii_letters + (string.digits if include_digits else "")
        text = "".join(self.choices(pool, k=length))
        return text.lower() if lower_case else text

    replace_once(MotoRandom, "get_random_string", lambda _: get_random_string)


def _answer_items_from_a_copy() -> None:
    def describe_attrs(self: Any, attributes: dict[str, Any] | None = None) -> Any:
        """moto's own, from the copy: the attributes ``attributes`` names, or all."""
        attrs = self.attrs.copy()
        if attributes:
            attrs = {key: value for key, value in attrs.items() if key in attributes}
        return {"Item": attrs}

    replace_once(Item, "describe_attrs", lambda _: describe_attrs)
