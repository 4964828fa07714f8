"""What the deployed stack watches, and where it says so: alarms, tracing, the operations topic.

Alarms cover what stops or delays an exchange without an error anyone would see: a dead-letter
queue holding something, fan-out behind the stream (iterator age) or a stream batch given up,
deliveries waiting over an hour, a function failing or throttled, and a subscriber's endpoint
failing or disabled (the ``SubscriptionFailing`` / ``SubscriptionDisabled`` metrics the
delivery function emits in EMF, ``chalicelib.observability``). They notify ``AlarmTopic`` when
the stack has an ``AlarmEmail``. ``OperationsTopic`` carries the endpoint health notices
themselves (which subscription, since when, why), for the operator's own tooling; the alarm
e-mail is subscribed to it too.

Every function runs with X-Ray active tracing; the Powertools settings (service, namespace,
log level, nothing of a response or an error captured in a trace) are its environment.
"""

from __future__ import annotations

from typing import Any

from infra.protection import CHINA
from infra.stream_failures import iterator_age_alarm

SERVICE = "credit-gateway"  # chalicelib.observability.SERVICE
NAMESPACE = "CreditGateway"  # chalicelib.observability.NAMESPACE
PERIOD = 300
_NOTIFY = {"Fn::If": ["HasAlarmEmail", [{"Ref": "AlarmTopic"}], {"Ref": "AWS::NoValue"}]}


def environment() -> dict[str, Any]:
    """Each function's Powertools settings, and where health notices are published."""
    return {
        "POWERTOOLS_SERVICE_NAME": SERVICE,
        "POWERTOOLS_METRICS_NAMESPACE": NAMESPACE,
        "POWERTOOLS_LOG_LEVEL": "INFO",
        "POWERTOOLS_TRACER_CAPTURE_RESPONSE": "false",
        "POWERTOOLS_TRACER_CAPTURE_ERROR": "false",
        "CG_OPERATIONS_TOPIC_ARN": {"Ref": "OperationsTopic"},
    }


def statements(function: str) -> list[dict[str, Any]]:
    """Sending trace segments (every function); publishing health notices (delivery only)."""
    granted: list[dict[str, Any]] = [
        {
            "Effect": "Allow",
            "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
            "Resource": "*",  # X-Ray has no resource-level permissions
        }
    ]
    if function == "DeliverWebhooks":
        granted.append(
            {"Effect": "Allow", "Action": ["sns:Publish"], "Resource": {"Ref": "OperationsTopic"}}
        )
    return granted


def traced(resources: dict[str, Any], functions: list[str]) -> None:
    """Active X-Ray tracing on every function where Lambda offers it (not in the China
    partition, where it stays at Lambda's ``PassThrough``). Never on the API stage: its
    segments record each request's URL, and ``/v1/subjects/{credit_code}`` names a person by
    ID number, kept in X-Ray outside the stack's log retention and erasure."""
    active = {"Fn::If": [CHINA, "PassThrough", "Active"]}
    for function in functions:
        resources[function]["Properties"]["Tracing"] = active
    resources.setdefault("RestAPI", {}).setdefault("Properties", {})["TracingEnabled"] = False


def alarms(functions: list[str]) -> dict[str, Any]:
    """The topics and every alarm, by logical id."""
    return {
        "AlarmTopic": {
            "Type": "AWS::SNS::Topic",
            "Condition": "HasAlarmEmail",
            "Properties": {
                "Subscription": [{"Protocol": "email", "Endpoint": {"Ref": "AlarmEmail"}}]
            },
        },
        "OperationsTopic": {
            "Type": "AWS::SNS::Topic",
            "Properties": {"DisplayName": "credit-gateway operations"},
        },
        "OperationsEmail": {
            "Type": "AWS::SNS::Subscription",
            "Condition": "HasAlarmEmail",
            "Properties": {
                "TopicArn": {"Ref": "OperationsTopic"},
                "Protocol": "email",
                "Endpoint": {"Ref": "AlarmEmail"},
            },
        },
        "DeadLettersAlarm": arrivals_alarm(
            "deliveries reached the dead-letter queue (re-drive them: README, Re-drive)",
            "DeliveryDeadLetterQueue",
        ),
        "UploadDeadLettersAlarm": arrivals_alarm(
            "an upload failed to ingest five times", "UploadDeadLetterQueue"
        ),
        "ReevaluationDeadLettersAlarm": arrivals_alarm(
            "an agreement re-evaluation failed five times (the hourly tick starts it again)",
            "ReevaluationDeadLetterQueue",
        ),
        "StreamFailuresAlarm": queue_alarm(
            "a listings-stream batch failed fan-out: re-drive it (README, Stream failures)",
            "StreamFailureQueue",
        ),
        "FanOutIteratorAgeAlarm": iterator_age_alarm(_NOTIFY),
        "DeliveryAgeAlarm": queue_alarm(
            "the oldest queued delivery is over an hour old",
            "DeliveryQueue",
            metric="ApproximateAgeOfOldestMessage",
            threshold=3600,
            periods=3,
        ),
        "FailingSubscriptionsAlarm": _alarm(
            "a subscriber's endpoint has failed for a day (OperationsTopic names it)",
            NAMESPACE,
            "SubscriptionFailing",
            [{"Name": "service", "Value": SERVICE}],
            statistic="Sum",
        ),
        "DeliveryErrorsAlarm": _alarm(
            "a delivery failed in the delivery function (caught per message group, so the "
            "function's own error alarm does not see it): its group is retried",
            NAMESPACE,
            "DeliveryErrors",
            [{"Name": "service", "Value": SERVICE}],
            statistic="Sum",
        ),
        "DisabledSubscriptionsAlarm": _alarm(
            "a subscriber's endpoint was disabled: it receives nothing until enabled",
            NAMESPACE,
            "SubscriptionDisabled",
            [{"Name": "service", "Value": SERVICE}],
            statistic="Sum",
        ),
        **_function_alarms(functions),
    }


def _function_alarms(functions: list[str]) -> dict[str, Any]:
    """Errors (an unhandled exception: a 500, a retried stream or queue batch) and throttles
    (reserved concurrency or the account limit reached), per function."""
    found: dict[str, Any] = {}
    for function in functions:
        dimension = [{"Name": "FunctionName", "Value": {"Ref": function}}]
        for metric, what in (("Errors", "failed"), ("Throttles", "was throttled")):
            found[f"{function}{metric}Alarm"] = _alarm(
                f"{function} {what} in the last five minutes",
                "AWS/Lambda",
                metric,
                dimension,
                statistic="Sum",
            )
    return found


def queue_alarm(
    description: str,
    queue: str,
    metric: str = "ApproximateNumberOfMessagesVisible",
    threshold: int = 0,
    periods: int = 1,
) -> dict[str, Any]:
    dimension = [{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}}]
    return _alarm(description, "AWS/SQS", metric, dimension, threshold=threshold, periods=periods)


def arrivals_alarm(description: str, queue: str) -> dict[str, Any]:
    """An alarm on messages *arriving* in a dead-letter queue (its visible count rising), not
    on its being non-empty: nothing consumes these queues — the gateway's re-drive re-sends
    from its own records — so a count held up by messages already handled kept the alarm in
    ALARM for their 14 days, and the next dead letter raised no new notification (review
    132). Each rise is one ALARM; a period without one is OK again."""
    dimension = [{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}}]
    visible = {
        "MetricStat": {
            "Metric": {
                "Namespace": "AWS/SQS",
                "MetricName": "ApproximateNumberOfMessagesVisible",
                "Dimensions": dimension,
            },
            "Period": PERIOD,
            "Stat": "Maximum",
        },
        "Id": "visible",
        "ReturnData": False,
    }
    # an idle queue publishes no data points: filled with 0, the first arrival after a quiet
    # spell is a rise too (review 133), not a value with nothing before it to differ from
    rise = {"Expression": "DIFF(FILL(visible, 0))", "Id": "rise", "ReturnData": True}
    properties = _alarm(description, "AWS/SQS", "", [])["Properties"]
    for name in ("Namespace", "MetricName", "Dimensions", "Statistic", "Period"):
        del properties[name]
    properties["Metrics"] = [visible, rise]
    return {"Type": "AWS::CloudWatch::Alarm", "Properties": properties}


def _alarm(
    description: str,
    namespace: str,
    metric: str,
    dimensions: list[dict[str, Any]],
    *,
    statistic: str = "Maximum",
    threshold: int = 0,
    periods: int = 1,
) -> dict[str, Any]:
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmDescription": description,
            "Namespace": namespace,
            "MetricName": metric,
            "Dimensions": dimensions,
            "Statistic": statistic,
            "Period": PERIOD,
            "EvaluationPeriods": periods,
            "Threshold": threshold,
            "ComparisonOperator": "GreaterThanThreshold",
            "TreatMissingData": "notBreaching",
            "AlarmActions": _NOTIFY,
        },
    }
