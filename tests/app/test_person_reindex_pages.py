"""``POST /v1/persons/reindex`` walks the listings table a page a call: a province's table does
not fit one function's memory nor API Gateway's 29 s, so the operator follows ``next`` (sealed:
it names a listing's key, a credit code) until it is null, and every person is indexed again."""

from __future__ import annotations

import json
from typing import Any

import pytest
from app_support import OTHER_CREDIT_CODE, Gateway, StreamReader, error_code
from personal_support import REPRESENTATIVE_ID, Askers, company_entry

import app as gateway_app

PATH = "/v1/persons/reindex"


@pytest.fixture
def emptied(gateway: Gateway, stream: StreamReader, aws: Any) -> tuple[Askers, list[Any]]:
    """Two companies naming the representative, indexed by the stream, then the index emptied
    as before the upgrade; what it held."""
    askers = Askers(gateway).register()
    askers.push("owner", company_entry())
    askers.push(
        "owner", company_entry(credit_code=OTHER_CREDIT_CODE, decision_number="(2024)鄂0281执9号")
    )
    gateway_app.fan_out_changes(stream.event(), None)
    table = aws.env["CG_PERSONS_TABLE"]
    held = aws.dynamodb.scan(TableName=table)["Items"]
    for item in held:
        aws.dynamodb.delete_item(
            TableName=table, Key={"person": item["person"], "listing_id": item["listing_id"]}
        )
    return askers, held


def _keys(items: list[Any]) -> list[tuple[str, str]]:
    return sorted((i["person"]["S"], i["listing_id"]["S"]) for i in items)


def test_the_operator_follows_next_until_every_listing_is_indexed_again(
    emptied: tuple[Askers, list[Any]], aws: Any
) -> None:
    askers, held = emptied
    operator = askers.gateway.operator()
    pages, put, after = [], 0, None
    while True:
        query = f"?limit=1&after={after}" if after else "?limit=1"
        reply = askers.gateway.client.http.post(PATH + query, headers=operator, body=b"{}")
        assert reply.status_code == 200, reply.json_body
        pages.append(reply.json_body)
        put += reply.json_body["entries"]
        after = reply.json_body["next"]
        if after is None:
            break
        assert OTHER_CREDIT_CODE not in after
        assert REPRESENTATIVE_ID not in after

    assert len(pages) >= 2  # a page a call, not the table at once
    assert put == len(held) == 2
    again = aws.dynamodb.scan(TableName=aws.env["CG_PERSONS_TABLE"])["Items"]
    assert _keys(again) == _keys(held)


@pytest.mark.parametrize(
    ("query", "path"), [("?after=forged", "after"), ("?limit=0", "limit"), ("?limit=x", "limit")]
)
def test_a_page_it_did_not_answer_is_refused_and_nothing_is_indexed(
    emptied: tuple[Askers, list[Any]], aws: Any, query: str, path: str
) -> None:
    askers, _ = emptied

    reply = askers.gateway.client.http.post(
        PATH + query, headers=askers.gateway.operator(), body=b"{}"
    )

    assert (reply.status_code, error_code(reply)) == (400, "invalid_schema"), reply.json_body
    assert reply.json_body["error"]["path"] == path
    assert aws.dynamodb.scan(TableName=aws.env["CG_PERSONS_TABLE"])["Items"] == []
    assert REPRESENTATIVE_ID not in json.dumps(reply.json_body)
