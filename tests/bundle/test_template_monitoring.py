"""The packaged template (``out/sam.json``) traces every function, lets each send its traces and
the delivery function publish health notices, configures Powertools, and alarms on every
condition that stops or delays an exchange silently."""

from __future__ import annotations

import json
from typing import Any

import pytest
from bundle_support import TEMPLATE, fresh_package

from infra.monitoring import NAMESPACE, SERVICE
from infra.package import FUNCTIONS

pytestmark = pytest.mark.bundle


@pytest.fixture(scope="module")
def resources() -> dict[str, Any]:
    fresh_package()
    resources: dict[str, Any] = json.loads(TEMPLATE.read_text(encoding="utf-8"))["Resources"]
    return resources


def alarms(resources: dict[str, Any]) -> list[dict[str, Any]]:
    return [r["Properties"] for r in resources.values() if r["Type"] == "AWS::CloudWatch::Alarm"]


def watched(resources: dict[str, Any], namespace: str, metric: str) -> list[Any]:
    """The dimension values of the alarms on ``metric`` (their first dimension's value), on
    the metric itself or within a metric-math expression."""
    return [
        m["Dimensions"][0]["Value"]
        for a in alarms(resources)
        for m in _metrics(a)
        if (m["Namespace"], m["MetricName"]) == (namespace, metric)
    ]


def _metrics(alarm: dict[str, Any]) -> list[dict[str, Any]]:
    if "Metrics" not in alarm:
        return [alarm]
    return [m["MetricStat"]["Metric"] for m in alarm["Metrics"] if "MetricStat" in m]


def rises(resources: dict[str, Any]) -> list[str]:
    """The queues alarmed on messages arriving (their count rising), not on being non-empty."""
    return sorted(
        m["MetricStat"]["Metric"]["Dimensions"][0]["Value"]["Fn::GetAtt"][0]
        for a in alarms(resources)
        if any(x.get("Expression") == "DIFF(FILL(visible, 0))" for x in a.get("Metrics", []))
        for m in a["Metrics"]
        if "MetricStat" in m
    )


def actions(resources: dict[str, Any], role: str) -> list[str]:
    [policy] = resources[role]["Properties"]["Policies"]
    # (a conditional statement, ``Fn::If``, grants KMS only: not what is looked for here)
    allowed = [s for s in policy["PolicyDocument"]["Statement"] if s.get("Effect") == "Allow"]
    return [action for s in allowed for action in _list(s["Action"])]


def _list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def test_every_function_runs_with_active_tracing_and_may_send_its_traces(resources):
    """Where Lambda offers X-Ray (not in China); never the API stage, whose segments would
    keep each request's URL, a person's ID number among them (review 46d)."""
    functions = [k for k, r in resources.items() if r["Type"] == "AWS::Serverless::Function"]
    assert sorted(functions) == sorted(FUNCTIONS)
    for function, role in FUNCTIONS.items():
        assert resources[function]["Properties"]["Tracing"] == {
            "Fn::If": ["InChinaPartition", "PassThrough", "Active"]
        }, function
        assert "xray:PutTraceSegments" in actions(resources, role), function
    assert resources["RestAPI"]["Properties"]["TracingEnabled"] is False


def test_every_function_is_configured_for_powertools_and_captures_nothing_personal(resources):
    for function in FUNCTIONS:
        env = resources[function]["Properties"]["Environment"]["Variables"]
        assert env["POWERTOOLS_SERVICE_NAME"] == SERVICE, function
        assert env["POWERTOOLS_METRICS_NAMESPACE"] == NAMESPACE, function
        assert env["POWERTOOLS_TRACER_CAPTURE_RESPONSE"] == "false", function
        assert env["POWERTOOLS_TRACER_CAPTURE_ERROR"] == "false", function
        assert env["CG_OPERATIONS_TOPIC_ARN"] == {"Ref": "OperationsTopic"}, function


def test_only_the_delivery_function_may_publish_health_notices(resources):
    publishers = [f for f, role in FUNCTIONS.items() if "sns:Publish" in actions(resources, role)]
    assert publishers == ["DeliverWebhooks"]
    assert resources["OperationsTopic"]["Type"] == "AWS::SNS::Topic"


def test_each_function_is_alarmed_on_errors_and_throttles(resources):
    for metric in ("Errors", "Throttles"):
        named = watched(resources, "AWS/Lambda", metric)
        assert sorted(v["Ref"] for v in named) == sorted(FUNCTIONS), metric


def test_queues_behind_and_stuck_are_alarmed(resources):
    assert watched(resources, "AWS/Lambda", "IteratorAge") == [{"Ref": "FanOutChanges"}]
    queues = sorted(
        v["Fn::GetAtt"][0]
        for v in watched(resources, "AWS/SQS", "ApproximateNumberOfMessagesVisible")
    )
    assert queues == [
        "DeliveryDeadLetterQueue",
        "ReevaluationDeadLetterQueue",
        "StreamFailureQueue",
        "UploadDeadLetterQueue",
    ]
    # nothing consumes the dead-letter queues: their alarms fire on each arrival, so one
    # already handled does not hold them in ALARM (review 132); stream failures are re-driven
    # off their queue, whose count is the work left
    assert rises(resources) == [
        "DeliveryDeadLetterQueue",
        "ReevaluationDeadLetterQueue",
        "UploadDeadLetterQueue",
    ]
    [age] = watched(resources, "AWS/SQS", "ApproximateAgeOfOldestMessage")
    assert age == {"Fn::GetAtt": ["DeliveryQueue", "QueueName"]}


def test_failing_and_disabled_subscriptions_are_alarmed_on_the_emitted_metrics(resources):
    # and deliveries failing in the function, caught per message group (review 293)
    for metric in ("SubscriptionFailing", "SubscriptionDisabled", "DeliveryErrors"):
        [alarm] = [a for a in alarms(resources) if a.get("MetricName") == metric]
        assert alarm["Namespace"] == NAMESPACE
        # EMF adds the service dimension to every metric the functions emit: it must match.
        assert alarm["Dimensions"] == [{"Name": "service", "Value": SERVICE}]
        assert (alarm["Statistic"], alarm["Threshold"]) == ("Sum", 0)


def test_every_alarm_notifies_the_alarm_topic_when_there_is_one(resources):
    for alarm in alarms(resources):
        assert alarm["AlarmActions"] == {
            "Fn::If": ["HasAlarmEmail", [{"Ref": "AlarmTopic"}], {"Ref": "AWS::NoValue"}]
        }, alarm["AlarmDescription"]
