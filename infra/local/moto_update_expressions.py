"""What moto does with an update's expression, done with less work (installed by
``infra.local.moto_speedup``); every update is applied and refused exactly as before.

moto parses every ``UpdateExpression`` twice per update (once to check its placeholders,
once to run it), inside a transaction too: a fifth of its CPU on the way from a push to its
webhook. The parse is a pure function of the expression's text, and what moto does with the
tree copies it first (its validator deep-copies it; the placeholder check only reads it), so
each text is parsed once.

moto checks an update's clauses (at most one ADD, one SET, one REMOVE) at every nested
expression node of its tree, each check searching the whole subtree below: quadratic in the
clauses and actions, about a tenth of its CPU on the way from a push to its webhook. The root's
subtree holds every clause of every node below it, so one check at the root refuses exactly the
updates the nested checks refuse.

And each of the ten passes over the tree that validate and apply an update rebuilt its table of
node kinds and their handlers at every node it visited (twice at a node it handles): the table
belongs to the pass, so it is built once per pass, and the visit is otherwise moto's own.

And every update deep-copies its parsed tree (the passes change the copy), each node through
``copy``'s generic ``__reduce_ex__`` round: a quarter of an update's time. A node is its
``__dict__`` (its kind, its children, its parent), so it is copied as ``deepcopy`` would copy
it — the new node in the memo first, then each attribute in order — without that round, as moto
already copies its items and attribute values.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

from moto.dynamodb.parsing.ast_nodes import DepthFirstTraverser, Node, UpdateExpression
from moto.dynamodb.parsing.expressions import UpdateExpressionParser
from moto.dynamodb.parsing.validators import ActionCountValidator

from infra.local.moto_patching import replace_once


def install() -> None:
    _cache_update_expressions()
    _count_clauses_at_the_root()
    _build_each_pass_table_once()
    _copy_nodes_directly()


def _cache_update_expressions() -> None:
    # bound to the class: by text alone
    replace_once(UpdateExpressionParser, "make", functools.lru_cache(maxsize=4096))


def _count_clauses_at_the_root() -> None:
    def make(nested: Any) -> Any:
        def traverse(self: Any, node: Any) -> Any:
            if isinstance(node, UpdateExpression):
                return self.verify_action_counts(node)  # its subtree holds every clause
            return nested(self, node)

        return traverse

    replace_once(ActionCountValidator, "traverse", make)


def _build_each_pass_table_once() -> None:
    """``DepthFirstTraverser.traverse_node_recursively`` as moto writes it, its pass's kinds and
    handlers (``nodes_to_be_processed``, ``_processing_map``: no pass overrides how they are
    used) looked up once per pass instead of at every node."""

    def traverse_node_recursively(self: Any, node: Any, child_id: int = -1) -> Any:
        table = self.__dict__.get("_table_once")
        if table is None:
            table = (self.nodes_to_be_processed(), tuple(self._processing_map().items()))
            self.__dict__["_table_once"] = table
        kinds, handlers = table
        if isinstance(node, Node):
            parent_node = node.parent
            if node.children is not None:
                for i, child_node in enumerate(node.children):
                    self.pre_processing_of_child(node, i)
                    self.traverse_node_recursively(child_node, i)
            if isinstance(node, kinds):
                node = next(handle(node) for kind, handle in handlers if isinstance(node, kind))
                node.parent = parent_node
                if parent_node:
                    parent_node.children[child_id] = node
        return node

    replace_once(
        DepthFirstTraverser, "traverse_node_recursively", lambda _: traverse_node_recursively
    )


def _copy_nodes_directly() -> None:
    def __deepcopy__(self: Any, memo: dict[int, Any]) -> Any:
        copied = type(self).__new__(type(self))
        memo[id(self)] = copied  # before the children, whose parent it is
        for name, value in vars(self).items():
            setattr(copied, name, copy.deepcopy(value, memo))
        return copied

    replace_once(Node, "__deepcopy__", lambda _: __deepcopy__)
