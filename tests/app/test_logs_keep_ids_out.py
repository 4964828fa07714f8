"""No log line carries a resident ID number, whatever the path: a natural person's listing and
a company's legal representative pushed (one entry rejected beside a valid ID), fanned out,
delivered to an endpoint that fails and echoes what it got, queried; and the gateway's own
failures, whose exception text is logged with its traceback.

Everything is captured: the app's JSON log handler, ``caplog`` at DEBUG (the records before
the handler masks them) and stdout/stderr (EMF metrics, anything printed). An ID counts as
leaked in any unmasked form: whole, its first 17 characters (the check character follows from
them), the 11 digits a mask hides, or written in full-width digits.
"""

from __future__ import annotations

import io
import json
import logging
from types import SimpleNamespace
from typing import Any

import pytest
from app_support import HUNAN, Received, StreamReader
from delivery_support import AWS_REGION, AnsweringReceiver, DeliveryQueue, Reply, subscribe
from lifecycle_support import Lifecycle
from personal_support import DAYE, PERSON, REPRESENTATIVE_ID, Askers, company_entry, person_entry
from test_tick_on_aws import FakeLambda

import app as gateway_app
from chalicelib import observability, tick_function
from chalicelib.observability import HandlerFailed, observe_event

IDS = (PERSON, REPRESENTATIVE_ID)
# Loggers whose records the app sends through its masking handler; botocore's and urllib3's
# DEBUG records (request parameters) reach only the root handler, below the runtime's level.
APP_LOGGERS = ("credit_gateway", observability.logger.name, "aws_lambda_powertools")


def unmasked_forms(number: str) -> list[str]:
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in number)
    return [number, number[:17], number[6:17], full_width, json.dumps(full_width)[1:-1]]


def leaks(text: str) -> list[str]:
    return [form for number in IDS for form in unmasked_forms(number) if form in text]


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> io.StringIO:
    """The app's handler output at DEBUG; ``caplog`` records every logger at DEBUG too."""
    written = io.StringIO()
    monkeypatch.setattr(observability.logger.registered_handler, "stream", written)
    caplog.set_level(logging.DEBUG)
    for name in APP_LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    return written


def everything_logged(
    written: io.StringIO, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> str:
    """What the handler wrote, every app record with its traceback, and stdout/stderr."""
    formatter = logging.Formatter("%(name)s %(message)s")
    records = [
        formatter.format(record)
        for record in caplog.records
        if record.name.split(".")[0] in APP_LOGGERS
    ]
    out = capsys.readouterr()
    return "\n".join([written.getvalue(), *records, out.out, out.err])


def echo(received: Received) -> Reply:
    """A receiver failing with the body it got as its answer (stored as the excerpt)."""
    return Reply(500, received.body.decode())


def test_a_person_pushed_delivered_to_a_failing_endpoint_and_queried_is_never_logged(
    gateway: Any,
    aws: Any,
    captured: io.StringIO,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    askers = Askers(gateway).register()
    hook = AnsweringReceiver(reply=echo)
    hook.start()
    try:
        subscribe(gateway, hook.url, region=HUNAN)
        stream = StreamReader(aws.streams, aws.env["CG_LISTINGS_STREAM_ARN"], AWS_REGION)
        queue = DeliveryQueue(
            aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"], aws.env["CG_DELIVERY_DLQ_URL"]
        )
        rejected = person_entry(decided_on="2024-02-30", decision_number="(2024)鄂0281执9号")
        pushed = gateway.push(
            askers.signers["owner"], DAYE, [person_entry(), company_entry(), rejected]
        )
        assert (pushed.json_body["accepted"], pushed.json_body["rejected"]) == (2, 1)

        gateway_app.fan_out_changes(stream.event(), None)
        outcome = queue.run()

        assert outcome["batchItemFailures"], "the endpoint failed: the deliveries are retried"
        assert any(PERSON in r.body.decode() for r in hook.requests)  # 湖南 recognises it
        for role in ("operator", "anonymous", "no_agreement"):
            askers.ask(role, f"/v1/subjects/{PERSON}?purpose=supervision")
    finally:
        hook.stop()

    logged = everything_logged(captured, caplog, capsys)
    assert '"route":"/v1/pushes"' in logged  # the capture works
    assert leaks(logged) == []


def test_a_failed_tick_on_aws_logs_neither_the_ids_nor_the_names_its_error_quoted(
    gateway: Any,
    monkeypatch: pytest.MonkeyPatch,
    captured: io.StringIO,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # What the lifecycle function answers when a stored listing no longer validates: the
    # runtime's errorMessage is the exception's text, which quotes the values it refused.
    message = (
        "2 validation errors for Listing\nsubject_name\n  too long [input_value='张某某']\n"
        f"responsible_persons.0.id_number\n{REPRESENTATIVE_ID} is not valid\n{PERSON}"
    )
    payload = json.dumps({"errorMessage": message, "errorType": "ValidationError"}).encode()
    fake = FakeLambda({"StatusCode": 200, "FunctionError": "Unhandled", "Payload": payload})
    monkeypatch.setattr(tick_function, "_lambda", lambda region: fake)
    gateway.configure(lifecycle_function="credit-gateway-prod-lifecycle_tick")

    assert Lifecycle(gateway).post("/v1/tick", {}).status_code == 500

    logged = everything_logged(captured, caplog, capsys)
    assert "ValidationError" in logged  # what failed is still said
    assert leaks(logged) == []
    assert "张某某" not in logged
    assert "\\u5f20" not in logged


def test_an_id_on_a_new_line_of_a_message_is_masked_in_the_json_line(
    captured: io.StringIO,
) -> None:
    # JSON writes the line break as \n: the mask, run over the written line, must see past it.
    logging.getLogger("credit_gateway.anywhere").warning("two lines:\n%s\t%s", *IDS)

    assert leaks(captured.getvalue()) == []
    assert captured.getvalue().count("***********") == 2


def test_the_aws_sdk_never_logs_bodies_whatever_the_level(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)

    assert all(
        not logging.getLogger(name).isEnabledFor(logging.INFO)
        for name in ("boto3", "botocore", "botocore.endpoint", "urllib3")
    )


def test_a_failed_event_batch_goes_on_without_its_message() -> None:
    """Lambda's runtime prints what a handler raises as it is: the type and AWS code only."""
    quoted = ValueError(f"bad record for {PERSON}")

    def failing(event: object) -> None:
        raise quoted

    event = SimpleNamespace(context=None, to_dict=lambda: {"Records": [{}]})
    with pytest.raises(HandlerFailed) as raised:
        observe_event(event, failing)

    assert str(raised.value) == "ValueError"
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__
