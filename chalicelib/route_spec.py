"""How a route is declared: once, next to its handler, with what the contract says about it.

Each route module lists its routes in ``ROUTES``; ``chalicelib.routing`` registers them on the
Chalice app and ``chalicelib.openapi`` documents them, so the path, the method, who may call it
and what it answers cannot differ between the two.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from chalice.app import Response
from pydantic import BaseModel

from gateway_client.contract import errors


class Access(StrEnum):
    """Who gets past a route's authorization."""

    ANONYMOUS = "anonymous"
    ANYONE = "anyone"  # anonymous too; who asks decides what is shown
    OPERATOR = "operator"  # on AWS, behind the IAM authorizer too
    PLATFORM = "platform"
    OPERATOR_OR_PLATFORM = "operator or platform"


class Tag(StrEnum):
    """The document's groups of operations, in the order it lists them."""

    PUSH = "pushes and subjects"
    SUBS = "subscriptions and deliveries"
    META = "operation"
    AGREE = "agreements"
    LIFE = "lifecycle"
    STATS = "statistics"
    LOG = "exchange log"


@dataclass(frozen=True)
class Reply:
    """A success reply: its body model (or a plain schema) and the headers the route sets."""

    model: type[BaseModel] | dict[str, Any]
    description: str
    headers: Mapping[str, str] = field(default_factory=dict)
    media: str = "application/json"
    also: tuple[str, ...] = ()
    """Further media types the same reply may carry (a route serving files of two types)."""


@dataclass(frozen=True)
class Param:
    name: str
    schema: dict[str, Any]
    description: str
    required: bool = False


@dataclass(frozen=True)
class Operation:
    """One route: ``handler(request, **path_params)`` answers it; ``operation_id`` names its
    view function on the Chalice app."""

    method: str
    path: str
    operation_id: str
    tag: Tag
    summary: str
    access: Access
    replies: Mapping[int, Reply]
    errors: tuple[type[errors.GatewayError], ...] = ()
    body: type[BaseModel] | None = None
    body_required: bool = True
    query: tuple[Param, ...] = ()
    description: str = ""
    handler: Callable[..., Response] = field(kw_only=True)

    @property
    def is_page(self) -> bool:
        """A page or script a browser loads (the console, the docs): it reads no query, and
        the addresses people bookmark, share and reload carry their own (``/console?again``),
        so its query is not judged (``routing.check_query``)."""
        return any(reply.media in _PAGE_MEDIA for reply in self.replies.values())


_PAGE_MEDIA = frozenset({"text/html", "text/javascript"})


REGION_CODE = {"type": "string", "pattern": "^[1-9][0-9]{5}$"}


def count_param(name: str, default: int, high: int) -> Param:
    """A whole-number query parameter (``log_api.int_param`` reads it)."""
    return Param(
        name,
        {"type": "integer", "minimum": 1, "maximum": high, "default": default},
        f"ASCII digits, 1 to {high}.",
    )
