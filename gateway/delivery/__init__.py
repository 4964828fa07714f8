"""Who gets which change: subscriptions, fan-out, signed webhooks, retries, replay, health."""

from gateway.delivery.addresses import parse_address, refusal
from gateway.delivery.agreement_desk import AgreementDesk, Saved
from gateway.delivery.batch_writing import Batcher
from gateway.delivery.batching import (
    BATCH_KEY_PREFIX,
    MAX_LOG_SPAN,
    Batch,
    batch_of,
    file_of,
    lines_in,
    log_range,
    queued_from_json,
    without,
)
from gateway.delivery.fan_out import FanOut
from gateway.delivery.health import HealthChange
from gateway.delivery.intensified import EVENT as INTENSIFIED
from gateway.delivery.intensified import in_feedback_rate, plan_intensified
from gateway.delivery.judging import DEFAULT_RETRY_SCHEDULE
from gateway.delivery.notice_standing import acting_in
from gateway.delivery.objection_notices import NOTICE, ObjectionNotices, plan_notices
from gateway.delivery.planning import (
    Delivery,
    Planned,
    delivery_id,
    payload_for,
    plan_deliveries,
    planned_deliveries,
    replace_listings,
    stamped,
)
from gateway.delivery.ports import WebhookTransport
from gateway.delivery.rebuilding import logged_code
from gateway.delivery.records import (
    NEVER_SENT,
    Attempt,
    DeliveryRecord,
    DeliveryState,
    HttpResponse,
    Progress,
)
from gateway.delivery.redelivery import (
    Erased,
    RecognitionToday,
    Resend,
    rebuild,
    replayable,
    resend_of,
)
from gateway.delivery.reevaluation import recognition_changes
from gateway.delivery.reevaluation_job import ReevaluationJob
from gateway.delivery.reevaluation_outbox import JobsNotStored, daily_reevaluations
from gateway.delivery.reevaluation_runner import ReevaluationRunner
from gateway.delivery.referenced import Referenced, by_reference
from gateway.delivery.resending import Replayed, Resending, StartPastHead
from gateway.delivery.sending import DeliveryService
from gateway.delivery.subscribing import SUBSCRIPTIONS_PER_REGION, Created, SubscriptionDesk
from gateway.delivery.subscription import (
    UNSHOWN,
    Kind,
    SignatureScheme,
    Subscription,
    SubscriptionChanges,
    SubscriptionRequest,
    declinable,
)
from gateway.delivery.subscription_admin import DEFAULT_OVERLAP, Changed, SubscriptionAdmin, Tried
from gateway.delivery.url_verification import UrlVerifier
from gateway.delivery.webhook_signing import webhook_headers
from gateway.delivery.webhook_url import check_webhook_url

__all__ = [
    "BATCH_KEY_PREFIX",
    "DEFAULT_OVERLAP",
    "DEFAULT_RETRY_SCHEDULE",
    "INTENSIFIED",
    "MAX_LOG_SPAN",
    "NEVER_SENT",
    "NOTICE",
    "SUBSCRIPTIONS_PER_REGION",
    "UNSHOWN",
    "AgreementDesk",
    "Attempt",
    "Batch",
    "Batcher",
    "Changed",
    "Created",
    "Delivery",
    "DeliveryRecord",
    "DeliveryService",
    "DeliveryState",
    "Erased",
    "FanOut",
    "HealthChange",
    "HttpResponse",
    "JobsNotStored",
    "Kind",
    "ObjectionNotices",
    "Planned",
    "Progress",
    "RecognitionToday",
    "ReevaluationJob",
    "ReevaluationRunner",
    "Referenced",
    "Replayed",
    "Resend",
    "Resending",
    "Saved",
    "SignatureScheme",
    "StartPastHead",
    "Subscription",
    "SubscriptionAdmin",
    "SubscriptionChanges",
    "SubscriptionDesk",
    "SubscriptionRequest",
    "Tried",
    "UrlVerifier",
    "WebhookTransport",
    "acting_in",
    "batch_of",
    "by_reference",
    "check_webhook_url",
    "daily_reevaluations",
    "declinable",
    "delivery_id",
    "file_of",
    "in_feedback_rate",
    "lines_in",
    "log_range",
    "logged_code",
    "parse_address",
    "payload_for",
    "plan_deliveries",
    "plan_intensified",
    "plan_notices",
    "planned_deliveries",
    "queued_from_json",
    "rebuild",
    "recognition_changes",
    "refusal",
    "replace_listings",
    "replayable",
    "resend_of",
    "stamped",
    "webhook_headers",
    "without",
]
