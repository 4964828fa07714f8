"""The local stack's parsed ``UpdateExpression``s (``infra/local/moto_speedup.py``): each text is
parsed once, and every update still applies its own names and values to its own item, inside a
transaction too; a malformed expression is refused every time, and so is a clause given twice
(the clauses counted once, at the root)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.dynamodb.parsing.ast_nodes import Node
from moto.dynamodb.parsing.expressions import UpdateExpressionParser

EXPRESSION = "ADD #n :one SET #tag = :tag"


@pytest.fixture
def ddb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_ACCOUNT_ID_ENDPOINT_MODE", "disabled")  # as tests/aws_support.py
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield client


def _update(pk: str, name: str, tag: str) -> dict[str, Any]:
    return {
        "TableName": "t",
        "Key": {"pk": {"S": pk}},
        "UpdateExpression": EXPRESSION,
        "ExpressionAttributeNames": {"#n": name, "#tag": "tag"},
        "ExpressionAttributeValues": {":one": {"N": "1"}, ":tag": {"S": tag}},
    }


def test_one_expression_text_updates_each_item_with_its_own_names_and_values(ddb: Any) -> None:
    ddb.update_item(**_update("a", "x", "first"))
    ddb.update_item(**_update("a", "x", "second"))
    ddb.update_item(**_update("b", "y", "third"))
    ddb.transact_write_items(TransactItems=[{"Update": _update("b", "y", "fourth")}])

    a = ddb.get_item(TableName="t", Key={"pk": {"S": "a"}})["Item"]
    b = ddb.get_item(TableName="t", Key={"pk": {"S": "b"}})["Item"]
    assert (a["x"], a["tag"], "y" in a) == ({"N": "2"}, {"S": "second"}, False)
    assert (b["y"], b["tag"], "x" in b) == ({"N": "2"}, {"S": "fourth"}, False)
    assert UpdateExpressionParser.make.cache_info().hits > 0  # type: ignore[attr-defined]


def test_a_malformed_expression_is_refused_every_time(ddb: Any) -> None:
    for _ in range(2):
        with pytest.raises(ClientError):
            ddb.update_item(**{**_update("a", "x", "t"), "UpdateExpression": "ADD #n :one SET"})


@pytest.mark.parametrize(
    ("expression", "clause"),
    [
        ("ADD #n :one SET #tag = :tag ADD #m :one", "ADD"),
        ("SET #tag = :tag ADD #n :one SET #m = :one", "SET"),
        ("REMOVE #tag ADD #n :one REMOVE #m", "REMOVE"),
    ],
)
def test_an_update_with_a_clause_twice_is_still_refused(
    ddb: Any, expression: str, clause: str
) -> None:
    """The clauses are counted once, at the root of the tree: a clause given twice anywhere in
    it is still refused, and nothing is written."""
    with pytest.raises(ClientError, match=f'"{clause}" section can only be used once'):
        ddb.update_item(
            TableName="t",
            Key={"pk": {"S": "a"}},
            UpdateExpression=expression,
            ExpressionAttributeNames={"#n": "n", "#m": "m", "#tag": "tag"},
            ExpressionAttributeValues={":one": {"N": "1"}, ":tag": {"S": "t"}}
            if ":tag" in expression
            else {":one": {"N": "1"}},
        )
    assert "Item" not in ddb.get_item(TableName="t", Key={"pk": {"S": "a"}})


def test_one_clause_of_each_kind_with_many_actions_applies_them_all(ddb: Any) -> None:
    ddb.put_item(TableName="t", Item={"pk": {"S": "a"}, "gone": {"S": "x"}})
    names = {f"#c{i}": f"c{i}" for i in range(40)}
    adds = ", ".join(f"#c{i} :one" for i in range(40))
    ddb.update_item(
        TableName="t",
        Key={"pk": {"S": "a"}},
        UpdateExpression=f"ADD {adds} SET #tag = :tag REMOVE #gone",
        ExpressionAttributeNames={**names, "#tag": "tag", "#gone": "gone"},
        ExpressionAttributeValues={":one": {"N": "1"}, ":tag": {"S": "t"}},
    )
    item = ddb.get_item(TableName="t", Key={"pk": {"S": "a"}})["Item"]
    assert all(item[f"c{i}"] == {"N": "1"} for i in range(40))
    assert item["tag"] == {"S": "t"}
    assert "gone" not in item


def _shape(node: Any) -> Any:
    """A tree as nested (kind, children) with its leaves, and each child's parent checked."""
    if not isinstance(node, Node):
        return node
    for child in node.children or []:
        if isinstance(child, Node):
            assert child.parent is node
    return (type(node).__name__, [_shape(c) for c in node.children or []])


def _nodes(node: Any) -> list[Any]:
    if not isinstance(node, Node):
        return []
    return [node, *(n for c in node.children or [] for n in _nodes(c))]


def test_a_parsed_tree_is_copied_as_copy_would_copy_it(monkeypatch: pytest.MonkeyPatch) -> None:
    tree = UpdateExpressionParser.make(
        "ADD #a :one, #b :two SET #c = list_append(#d, :e), #g = if_not_exists(#g, :z) REMOVE #f[1]"
    )
    copied = copy.deepcopy(tree)
    monkeypatch.delattr(Node, "__deepcopy__")
    generic = copy.deepcopy(tree)

    assert _shape(copied) == _shape(generic) == _shape(tree)
    assert copied.parent is None
    assert not {id(n) for n in _nodes(copied)} & {id(n) for n in _nodes(tree)}
