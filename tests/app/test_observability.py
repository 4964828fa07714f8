"""Observability through the app on moto: one JSON log line per request and per event batch,
carrying the correlation keys and never an ID number; EMF metrics for pushes and deliveries;
and an endpoint that starts failing or is disabled announced on the operations topic and, where
it still answers, to the endpoint itself, signed."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from app_support import (
    CITY,
    HUNAN,
    NATURAL_PERSON_CODE,
    Gateway,
    StreamReader,
    black_entry,
    push_body,
)
from delivery_support import (
    AWS_REGION,
    AnsweringReceiver,
    DeliveryQueue,
    push_and_fan_out,
    subscribe,
)

import app as gateway_app
from chalicelib import bootstrap, observability
from gateway_client.contract.signing import (
    Ed25519Signer,
    SignedHeaders,
    load_public_key,
    verify_ed25519,
)

ID_SHAPED = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")


@dataclass
class Context:
    aws_request_id: str
    function_name: str = "deliver-webhooks"


@pytest.fixture
def logged(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """What the app's log handler writes during the test, at INFO (a local stack may have
    left it quieter)."""
    buffer = io.StringIO()
    monkeypatch.setattr(observability.logger.registered_handler, "stream", buffer)
    before = observability.logger.log_level
    observability.set_level("INFO")
    yield buffer
    observability.set_level(logging.getLevelName(before))


def lines(logged: io.StringIO) -> list[dict[str, Any]]:
    """Every line parsed: the handler writes nothing but JSON."""
    return [json.loads(line) for line in logged.getvalue().splitlines()]


@pytest.fixture
def city(gateway: Gateway) -> Ed25519Signer:
    signer = gateway.register_platform(CITY)
    assert gateway.put_region(HUNAN).status_code == 200
    return signer


@pytest.fixture
def topic(gateway: Gateway, aws: Any) -> Any:
    """The operations topic in moto, read back through an SQS queue subscribed to it."""
    sns = boto3.client("sns", region_name=AWS_REGION)
    arn = sns.create_topic(Name="t-operations")["TopicArn"]
    url = aws.sqs.create_queue(QueueName="t-operations-copy")["QueueUrl"]
    queue_arn = aws.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn["Attributes"]["QueueArn"])
    gateway.configure(operations_topic_arn=arn)

    def published() -> list[dict[str, Any]]:
        got = aws.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
        return [json.loads(json.loads(m["Body"])["Message"]) for m in got.get("Messages", [])]

    return published


def emf_documents(captured: str) -> list[dict[str, Any]]:
    docs = [json.loads(line) for line in captured.splitlines() if line.startswith("{")]
    return [doc for doc in docs if "_aws" in doc]


def metric_names(doc: dict[str, Any]) -> set[str]:
    [directive] = doc["_aws"]["CloudWatchMetrics"]
    return {metric["Name"] for metric in directive["Metrics"]}


def dimensions(doc: dict[str, Any]) -> list[str]:
    [directive] = doc["_aws"]["CloudWatchMetrics"]
    [names] = directive["Dimensions"]
    return sorted(names)


def event_delivery(event: dict[str, Any]) -> str:
    [record] = event["Records"]
    return str(json.loads(record["body"])["delivery_id"])


def person_entry() -> dict[str, Any]:
    return black_entry(
        credit_code=NATURAL_PERSON_CODE,
        subject_name="张某",
        decision_number="(2024)黑09执777号",
        responsible_persons=[],
    )


def test_a_push_logs_one_json_line_with_its_batch_and_request_id_and_no_id_number(
    gateway: Gateway, city: Ed25519Signer, logged: io.StringIO
) -> None:
    response = gateway.push(city, CITY, [person_entry()], batch_id="b-observed-1")
    assert response.status_code == 200, response.json_body

    gateway.client.http.get(f"/v1/subjects/{NATURAL_PERSON_CODE}", headers=gateway.operator())

    [push] = [line for line in lines(logged) if line.get("route") == "/v1/pushes"]
    assert push["message"] == "request"
    assert (push["batch_id"], push["status"], push["region"], push["accepted"]) == (
        "b-observed-1",
        200,
        CITY,
        1,
    )
    assert push["function_request_id"]
    assert push["service"] == observability.SERVICE
    [query] = [line for line in lines(logged) if line.get("route") == "/v1/subjects/{credit_code}"]
    assert query["function_request_id"] != push["function_request_id"]
    assert "batch_id" not in query  # keys end with their invocation
    assert NATURAL_PERSON_CODE not in logged.getvalue()
    assert ID_SHAPED.findall(logged.getvalue()) == []


def test_an_id_number_in_any_message_is_masked_on_its_way_out(logged: io.StringIO) -> None:
    logging.getLogger("credit_gateway.anywhere").warning("subject %s", NATURAL_PERSON_CODE)
    observability.logger.warning("subject", extra={"code": NATURAL_PERSON_CODE})

    assert NATURAL_PERSON_CODE not in logged.getvalue()
    assert logged.getvalue().count("110105***********X") == 2


def test_a_push_emits_accepted_duplicate_removed_and_rejected_for_its_region(
    gateway: Gateway, city: Ed25519Signer, capsys: pytest.CaptureFixture[str]
) -> None:
    invalid = black_entry(credit_code="91110000600037341X", decision_number="(2024)黑09执9号")
    gateway.push(city, CITY, [black_entry()])
    capsys.readouterr()

    gateway.push(city, CITY, [black_entry(), invalid])

    [doc] = emf_documents(capsys.readouterr().out)
    assert metric_names(doc) == {"PushAccepted", "PushDuplicate", "PushRemoved", "PushRejected"}
    assert dimensions(doc) == ["region", "service"]
    assert doc["_aws"]["CloudWatchMetrics"][0]["Namespace"] == observability.NAMESPACE
    assert (doc["region"], doc["PushAccepted"], doc["PushDuplicate"], doc["PushRejected"]) == (
        CITY,
        [0.0],
        [1.0],
        [1.0],
    )


def test_deliveries_emit_delivered_retried_and_dead_per_subscription_and_log_their_keys(
    gateway: Gateway,
    stream: StreamReader,
    queue: DeliveryQueue,
    hook: AnsweringReceiver,
    city: Ed25519Signer,
    capsys: pytest.CaptureFixture[str],
    logged: io.StringIO,
) -> None:
    sub = subscribe(gateway, hook.url)["subscription_id"]
    hook.answer(503)
    push_and_fan_out(gateway, stream, city, CITY, [black_entry()])
    capsys.readouterr()

    event = queue.event()
    outcome = gateway_app.deliver_webhooks(event, Context("req-deliver-1"))
    assert len(outcome["batchItemFailures"]) == 1

    docs = [d for d in emf_documents(capsys.readouterr().out) if "subscription" in d]
    [doc] = docs
    assert metric_names(doc) == {"DeliveriesDelivered", "DeliveriesRetried", "DeliveriesDead"}
    assert dimensions(doc) == ["service", "subscription"]
    assert (doc["subscription"], doc["DeliveriesRetried"], doc["DeliveriesDelivered"]) == (
        sub,
        [1.0],
        [0.0],
    )
    batches = [line for line in lines(logged) if line["message"] == "event batch"]
    [batch] = [line for line in batches if line.get("function_request_id") == "req-deliver-1"]
    assert (batch["function"], batch["records"], batch["retrying"]) == ("deliver-webhooks", 1, 1)
    assert (batch["subscription_ids"], batch["delivery_ids"]) == ([sub], [event_delivery(event)])


def test_fan_out_emits_its_lag(
    gateway: Gateway,
    stream: StreamReader,
    city: Ed25519Signer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    gateway.push(city, CITY, [black_entry()])
    capsys.readouterr()

    gateway_app.fan_out_changes(stream.event(), None)

    lags = [d for d in emf_documents(capsys.readouterr().out) if "FanOutLag" in d]
    assert [dimensions(d) for d in lags] == [["service"]]
    assert lags[0]["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Unit"] == "Milliseconds"


# -- endpoint health notices --


def stored_subscription(subscription_id: str) -> Any:
    found = bootstrap.container().subscriptions.get(subscription_id)
    assert found is not None
    return found


def failing_for(subscription_id: str, days: float) -> None:
    since = datetime.now(UTC) - timedelta(days=days, minutes=1)
    subscription = stored_subscription(subscription_id)
    bootstrap.container().subscriptions.put(
        subscription.model_copy(update={"failing_since": since})
    )


def notices(hook: AnsweringReceiver) -> list[Any]:
    return [r for r in hook.requests if json.loads(r.body).get("type", "").startswith("subs")]


def check_signed(gateway: Gateway, received: Any) -> dict[str, Any]:
    signed = SignedHeaders.from_headers(received.headers)
    verify_ed25519(signed, received.body, [load_public_key(gateway.public_key)])
    body: dict[str, Any] = json.loads(received.body)
    assert signed.msg_id == body["notice_id"]
    return body


@pytest.mark.parametrize(
    ("days", "kind", "metric"),
    [(1, "subscription.failing", "SubscriptionFailing"), (5, "subscription.disabled", None)],
)
def test_an_endpoint_failing_a_day_or_disabled_is_announced_to_operations_and_to_itself(
    gateway: Gateway,
    stream: StreamReader,
    queue: DeliveryQueue,
    hook: AnsweringReceiver,
    city: Ed25519Signer,
    topic: Any,
    capsys: pytest.CaptureFixture[str],
    days: int,
    kind: str,
    metric: str | None,
) -> None:
    sub = subscribe(gateway, hook.url)["subscription_id"]
    failing_for(sub, days)
    hook.answer(500)
    push_and_fan_out(gateway, stream, city, CITY, [black_entry()])
    capsys.readouterr()

    queue.run()

    [published] = topic()
    assert (published["type"], published["subscription_id"]) == (kind, sub)
    assert published["subscriber_region"] == HUNAN
    [told] = notices(hook)
    assert check_signed(gateway, told) == published
    emitted = {name for d in emf_documents(capsys.readouterr().out) for name in metric_names(d)}
    assert (metric or "SubscriptionDisabled") in emitted
    assert stored_subscription(sub).enabled is (kind == "subscription.failing")


def test_the_warning_is_announced_once(
    gateway: Gateway,
    stream: StreamReader,
    queue: DeliveryQueue,
    hook: AnsweringReceiver,
    city: Ed25519Signer,
    topic: Any,
) -> None:
    sub = subscribe(gateway, hook.url)["subscription_id"]
    failing_for(sub, 1)
    hook.answer(500)
    push_and_fan_out(gateway, stream, city, CITY, [black_entry()])
    queue.run()
    push_and_fan_out(gateway, stream, city, CITY, [black_entry(credit_code="91430100687234560U")])

    queue.run()

    assert [n["type"] for n in topic()] == ["subscription.failing"]
    assert len(notices(hook)) == 1


def test_an_endpoint_that_answered_410_is_announced_to_operations_but_not_told(
    gateway: Gateway,
    stream: StreamReader,
    queue: DeliveryQueue,
    hook: AnsweringReceiver,
    city: Ed25519Signer,
    topic: Any,
) -> None:
    sub = subscribe(gateway, hook.url)["subscription_id"]
    hook.answer(410)
    push_and_fan_out(gateway, stream, city, CITY, [black_entry()])

    queue.run()

    [published] = topic()
    assert (published["type"], published["disabled_reason"]) == (
        "subscription.disabled",
        "the endpoint answered 410 Gone",
    )
    assert published["subscription_id"] == sub
    assert notices(hook) == []


def test_without_an_operations_topic_the_endpoint_is_still_told(
    gateway: Gateway,
    stream: StreamReader,
    queue: DeliveryQueue,
    hook: AnsweringReceiver,
    city: Ed25519Signer,
) -> None:
    sub = subscribe(gateway, hook.url)["subscription_id"]
    failing_for(sub, 5)
    hook.answer(500)
    push_and_fan_out(gateway, stream, city, CITY, [black_entry()])

    queue.run()

    [told] = notices(hook)
    assert check_signed(gateway, told)["type"] == "subscription.disabled"


def test_the_tracer_is_there_with_the_sdk_and_off_outside_lambda() -> None:
    # The development extras hold the X-Ray SDK (the bundle does not): no daemon is needed here.
    assert observability.tracer is not None
    assert observability.tracer.disabled


@pytest.mark.parametrize(
    "batch_id",
    [f"P{NATURAL_PERSON_CODE}", "110105-19491231-002X", f"zz{NATURAL_PERSON_CODE}"],
    ids=["after-a-letter", "with-separators", "unsigned"],
)
def test_a_batch_id_holding_an_id_number_is_logged_masked(
    gateway: Gateway, city: Ed25519Signer, logged: io.StringIO, batch_id: str
) -> None:
    """Review 47c F5: the client's webhook-id is logged before its signature is checked; an
    ID number next to a letter, or written with separators, passed the formatter whole."""
    if batch_id.startswith("zz"):
        body = push_body(CITY, batch_id, [])
        gateway.client.http.post("/v1/pushes", body=body, headers={"webhook-id": batch_id})
    else:
        gateway.push(city, CITY, [], batch_id=batch_id)

    text = logged.getvalue()
    assert '"batch_id"' in text
    assert NATURAL_PERSON_CODE[6:17] not in text.replace("-", "")


def test_a_batch_id_cannot_forge_a_log_lines_fields(gateway: Gateway, logged: io.StringIO) -> None:
    """Review 47d F1: masking an oddly written ID normalised the whole line (NFKC), so the
    full-width quotes of an unsigned request's webhook-id became JSON quotes and fields."""
    forged = "ﬁ＂,＂status＂:200,＂region＂:＂430000＂,＂x＂:＂110105-19491231-002X"

    gateway.client.http.post("/v1/pushes", body=b"{}", headers={"webhook-id": forged})

    [line] = [json.loads(x) for x in logged.getvalue().splitlines() if "batch_id" in x]
    assert (line["status"], line.get("region")) == (401, None)
    assert "19491231" not in json.dumps(line, ensure_ascii=False)


def test_an_exception_or_any_other_value_is_logged_masked(logged: io.StringIO) -> None:
    """Review 47e F1: values JSON has no form for (the exception in ``stack_trace``, a set,
    bytes, an object) were turned into text after the masking of values had run."""
    spaced = "110105 19491231 002X"
    wide = "".join(chr(ord(c) + 0xFEE0) for c in NATURAL_PERSON_CODE)

    class Shown:
        def __str__(self) -> str:
            return f"obj {spaced}"

    try:
        raise ValueError(f"bad {wide} and {spaced}")
    except ValueError:
        observability.logger.exception("failed")
    extra = {"s": {spaced}, "b": spaced.encode(), "o": Shown(), "f": frozenset([wide])}
    observability.logger.info("values", extra=extra)

    lines = [json.loads(x) for x in logged.getvalue().splitlines()]
    text = json.dumps(lines, ensure_ascii=False)
    assert len(lines) == 2
    assert "19491231" not in text
    assert "１９４９１２３１" not in text
