"""Announcing an endpoint's health change: to the operations topic and to the endpoint itself.

The delivery service decides that a subscription has failed long enough to warn, or is now
disabled (``gateway.delivery.health``); this publishes the notice to SNS
(``CG_OPERATIONS_TOPIC_ARN``; without one, nothing is published) and POSTs it, signed as the
subscription's deliveries are, to its endpoint, once. Neither may fail the delivery batch: the
transition is already stored, and the ``SubscriptionFailing`` / ``SubscriptionDisabled`` metrics
(alarmed) are emitted whatever happens here.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.observability import emit, logger
from gateway.delivery import HealthChange, Subscription, WebhookTransport, webhook_headers
from gateway_client.contract import DISABLED, EndpointNotice, GatewaySigners

NOTICE_TIMEOUT_SECONDS = 5.0  # sent from the delivery handler, between deliveries
METRIC = {DISABLED: "SubscriptionDisabled"}  # else SubscriptionFailing


class HealthAnnouncer:
    def __init__(
        self,
        sns: Any,
        topic_arn: str | None,
        transport: WebhookTransport,
        signers: GatewaySigners,
    ) -> None:
        self._sns = sns
        self._topic_arn = topic_arn
        self._transport = transport
        self._signers = signers

    def announce(self, change: HealthChange, subscription: Subscription | None) -> None:
        """Publish ``change``; tell the endpoint too unless it answered 410, is gone, or the
        subscription points elsewhere now (``HealthChange.tells``)."""
        notice = change.notice
        emit({METRIC.get(notice.type, "SubscriptionFailing"): 1})
        logger.warning(
            "subscription health: %s",
            notice.type,
            extra={"notice_id": notice.notice_id, "subscriber_region": notice.subscriber_region},
        )
        self._publish(notice)
        if subscription is not None and change.tells(subscription):
            self._tell(subscription, notice)

    def _publish(self, notice: EndpointNotice) -> None:
        if self._topic_arn is None:
            return
        subject = f"credit-gateway {notice.type}: {notice.subscription_id}"
        try:
            self._sns.publish(
                TopicArn=self._topic_arn,
                Subject=subject[:100],
                Message=notice.to_bytes().decode(),
                MessageAttributes={"type": {"DataType": "String", "StringValue": notice.type}},
            )
        except (BotoCoreError, ClientError):
            logger.exception("the operations topic refused the notice %s", notice.notice_id)

    def _tell(self, subscription: Subscription, notice: EndpointNotice) -> None:
        body = notice.to_bytes()
        timestamp = int(notice.timestamp.timestamp())
        headers = webhook_headers(subscription, self._signers, notice.notice_id, timestamp, body)
        answer = self._transport.post(subscription.url, headers, body, NOTICE_TIMEOUT_SECONDS)
        logger.info(
            "endpoint told of %s: answered %d",
            notice.type,
            answer.status,
            extra={"notice_id": notice.notice_id},
        )
