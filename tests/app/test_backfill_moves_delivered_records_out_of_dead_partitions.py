"""A delivered record left in a dead partition — by a move cut short, or by the first version
of the dead partitions — is moved out by the shard backfill (review 324: it passed over every
delivered record that keeps its listing as ``listing``)."""

from __future__ import annotations

from typing import Any

from delivery_support import as_operator, died_on_failures

from chalicelib.dynamodb.delivery_items import shard_key


def test_the_shard_backfill_moves_a_delivered_record_out_of_a_dead_partition(
    gateway: Any, aws: Any, stream: Any, queue: Any, hook: Any
) -> None:
    _city, sub, path, dead = died_on_failures(gateway, stream, queue, hook)
    hook.answer(204)
    assert as_operator(gateway, "post", f"{path}/redrive", b"{}").status_code in (200, 202)
    queue.run()
    table = aws.env["CG_DELIVERIES_TABLE"]
    key = {"delivery_id": {"S": dead["delivery_id"]}}
    # as the release of cae0a769 left it (its delivered write kept the dead partition)
    stranded = shard_key(sub, dead["delivery_id"], "dead#")
    aws.dynamodb.update_item(
        TableName=table,
        Key=key,
        UpdateExpression="SET subscription_shard = :s",
        ExpressionAttributeValues={":s": {"S": stranded}},
    )
    after = None
    for _ in range(50):
        url = "/v1/deliveries/shards/backfill" + (f"?after={after}" if after else "")
        reply = as_operator(gateway, "post", url, b"{}")
        assert reply.status_code == 200, reply.json_body
        after = reply.json_body.get("next")
        if not after:
            break
    item = aws.dynamodb.get_item(TableName=table, Key=key)["Item"]
    assert item["state"]["S"] == "delivered"
    shard = item["subscription_shard"]["S"]
    assert "#dead#" not in shard, (
        f"delivered, still in a dead partition after the shard backfill: {shard}"
    )
    assert "#off#" not in shard, shard
