"""The one place that builds adapters and services from settings, once per Lambda container."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from botocore.config import Config

from chalicelib.aws_clients import aws_client
from chalicelib.batch_files import S3BatchFiles
from chalicelib.check_answers import CheckAnswers
from chalicelib.container import Container as Container  # re-exported: handlers name it here
from chalicelib.dynamodb.activity import DynamoActivity
from chalicelib.dynamodb.agreements import DynamoAgreements
from chalicelib.dynamodb.batches import DynamoBatchLedger
from chalicelib.dynamodb.deliveries import DynamoDeliveryLog
from chalicelib.dynamodb.delivery_excerpts import DeliveryExcerpts
from chalicelib.dynamodb.delivery_pages import DeliveryPages
from chalicelib.dynamodb.delivery_receipts import RegionReceipts, delivery_receipts
from chalicelib.dynamodb.exchange_log import DynamoExchangeLog
from chalicelib.dynamodb.feedback import DynamoFeedback
from chalicelib.dynamodb.listings import DynamoListings
from chalicelib.dynamodb.nonces import DynamoNonces
from chalicelib.dynamodb.number_tries import DynamoTryCounter
from chalicelib.dynamodb.persons import DynamoPersonIndex
from chalicelib.dynamodb.query_trail import DynamoQueryTrail
from chalicelib.dynamodb.rate_limits import DynamoRateCounter
from chalicelib.dynamodb.registry import DynamoRegistry
from chalicelib.dynamodb.statistics import DynamoStatistics
from chalicelib.dynamodb.subscriptions import DynamoSubscriptions
from chalicelib.dynamodb.uploads import DynamoUploads
from chalicelib.dynamodb.upward_arrivals import Logged, UpwardArrivals
from chalicelib.dynamodb.usage import DynamoUsage
from chalicelib.erasure import StoredCopies
from chalicelib.http_transport import Urllib3Transport
from chalicelib.log_publishing import LogPublisher
from chalicelib.notifications import HealthAnnouncer
from chalicelib.s3_archive import S3Archive
from chalicelib.secret_reads import (
    SecretSigner,
    SecretSm2Signer,
    fresh_secret,
    identity_key_reader,
    lazy_secret,
    report_opening_keys,
    trail_key_reader,
)
from chalicelib.settings import Settings, event_sources, get_settings
from chalicelib.sqs_queue import SqsDeliveryQueue
from chalicelib.upload_queue import SqsUploadQueue
from gateway.checks import BulkCheck, ReportSigning, named_reader
from gateway.delivery import (
    DeliveryService,
    ObjectionNotices,
    RecognitionToday,
    UrlVerifier,
    acting_in,
    logged_code,
)
from gateway.intake import BulkIngest, BulkPolicy, PushPolicy, PushService, UploadDesk
from gateway.lifecycle import DueDates, LifecycleService, WorkdayCalendar, shipped_policies
from gateway.recognition import TryLimit, use_severity_policy
from gateway_client.contract import (
    Clock,
    GatewaySigners,
    Sm2PrivateKey,
    SystemClock,
    derive_private_key,
    use_identity_key,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient

# Standard retry mode backs off on throttling and 5xx from AWS itself.
_BOTO_CONFIG = Config(retries={"mode": "standard", "max_attempts": 6}, max_pool_connections=16)


def _client(settings: Settings, service: str) -> Any:
    return aws_client(service, settings.aws_region, settings.aws_endpoint_url, _BOTO_CONFIG)


def _acknowledged(
    dynamodb: DynamoDBClient,
    settings: Settings,
    subscriptions: DynamoSubscriptions,
    lifecycle: LifecycleService,
    logged: Logged,
) -> ObjectionNotices | UpwardArrivals:
    """The objection notices' receipts; and, when upward-reporting rules name targets, each
    listing's first arrival at them (``chalicelib.dynamodb.upward_arrivals``)."""
    notices = ObjectionNotices(lifecycle)
    targets = frozenset(rule.target for rule in settings.upward_reporting.rules)
    if not targets:
        return notices
    return UpwardArrivals(
        dynamodb, settings.listings_table, subscriptions.get, targets, notices.acknowledged, logged
    )


def build(settings: Settings, clock: Clock) -> Container:
    dynamodb: DynamoDBClient = _client(settings, "dynamodb")
    s3: S3Client = _client(settings, "s3")
    sqs: SQSClient = _client(settings, "sqs")
    registry = DynamoRegistry(dynamodb, settings.registry_table)
    due_dates = DueDates(settings.retention_years, settings.evidence_days)
    listings = DynamoListings(dynamodb, settings.listings_table, due_dates)
    subscriptions = DynamoSubscriptions(
        dynamodb, settings.subscriptions_table, settings.exchange_log_table
    )
    statistics = DynamoStatistics(dynamodb, settings.batches_table)
    deliveries = DynamoDeliveryLog(dynamodb, settings.deliveries_table, statistics)
    feedback = DynamoFeedback(dynamodb, settings.feedback_table)
    secrets = _client(settings, "secretsmanager")
    signing_secret = lazy_secret(secrets, settings.signing_key, settings.signing_key_secret_arn)
    signers = GatewaySigners(
        SecretSigner(settings.signing_key_id, lambda: derive_private_key(signing_secret())),
        SecretSm2Signer(settings.gateway_sm2_key_id, lambda: Sm2PrivateKey.derive(signing_secret()))
        if settings.sm2_signing
        else None,
    )
    use_identity_key(identity_key_reader(secrets, settings))
    use_severity_policy(settings.severity_policy)
    policy = PushPolicy(
        max_body_bytes=settings.max_body_bytes,
        tolerance=settings.tolerance,
        retention_years=settings.retention_years,
        push_rate_per_minute=settings.push_rate_per_minute,
    )
    rates = DynamoRateCounter(dynamodb, settings.batches_table)
    tries = TryLimit(
        DynamoTryCounter(dynamodb, settings.batches_table), settings.tries_per_masked_number_per_day
    )
    archive = S3Archive(s3, settings.archive_bucket)
    exchange_log = DynamoExchangeLog(dynamodb, settings.exchange_log_table, archive)
    batches = DynamoBatchLedger(dynamodb, settings.batches_table)
    activity = DynamoActivity(dynamodb, settings.batches_table)
    uploads = DynamoUploads(
        dynamodb,
        settings.uploads_table,
        DynamoStatistics(dynamodb, settings.batches_table),
        activity,
    )
    upload_queue = SqsUploadQueue(sqs, settings.upload_queue_url)
    transport = Urllib3Transport(allow_private=settings.local)
    agreements = DynamoAgreements(dynamodb, settings.agreements_table)
    usage = DynamoUsage(dynamodb, settings.batches_table)
    query_trail = DynamoQueryTrail(dynamodb, settings.query_trail_table)
    persons = DynamoPersonIndex(dynamodb, settings.persons_table)
    trail_key = trail_key_reader(secrets, settings, signing_secret)
    opening_key = report_opening_keys(identity_key_reader(secrets, settings))
    publisher = LogPublisher(exchange_log, archive, signers, settings.log_origin, clock)
    check_answers = CheckAnswers(
        dynamodb, settings.query_trail_table, archive, uploads, exchange_log.purged, clock
    )
    bulk_check = BulkCheck(
        listings.subjects,
        agreements.all,
        query_trail,
        trail_key,
        archive,
        usage,
        clock,
        settings.query_trail_period,
        ReportSigning(lambda: signers.ed25519, publisher.latest),
        check_answers,
        tries,
        opening_key,
        named_reader(persons, listings),
    )
    sns = _client(settings, "sns") if settings.operations_topic_arn else None
    lifecycle = _lifecycle(
        listings,
        archive,
        clock,
        settings,
        registry,
        StoredCopies(
            exchange_log,
            feedback,
            persons,
            S3BatchFiles(archive),
            DeliveryExcerpts(dynamodb, settings.deliveries_table),
            check_answers,
        ),
        RegionReceipts(
            delivery_receipts(
                dynamodb, settings.deliveries_table, deliveries, exchange_log, subscriptions
            ),
            subscriptions,
        ),
    )
    recognition_today = RecognitionToday(
        agreements.all, listings, clock, logged_code(exchange_log), acting_in(registry)
    )
    built = Container(
        settings=settings,
        clock=clock,
        registry=registry,
        listings=listings,
        subscriptions=subscriptions,
        agreements=agreements,
        deliveries=deliveries,
        feedback=feedback,
        exchange_log=exchange_log,
        batches=batches,
        nonces=DynamoNonces(dynamodb, settings.batches_table),
        rates=rates,
        tries=tries,
        usage=usage,
        activity=activity,
        statistics=statistics,
        query_trail=query_trail,
        persons=persons,
        trail_key=trail_key,
        report_opening_key=opening_key,
        queue=SqsDeliveryQueue(
            sqs,
            settings.delivery_queue_url,
            settings.delivery_dlq_url,
            lambda: {
                x.subscription_id for x in subscriptions.all() if x.delivery_mode == "batched"
            },
            DeliveryPages(dynamodb, settings.deliveries_table, clock.now).add,
            deliveries.recognitions.keep,
        ),
        push_service=PushService(
            registry,
            archive,
            batches,
            listings,
            clock,
            policy,
            rates,
            purged=exchange_log.purged,
        ),
        recognition_today=recognition_today,
        delivery_service=DeliveryService(
            subscriptions,
            deliveries,
            transport,
            signers,
            clock,
            settings.retry_schedule,
            acknowledgements=_acknowledged(
                dynamodb,
                settings,
                subscriptions,
                lifecycle,
                lambda sequences: built.resending.logged_all(sequences),  # built below
            ),
            files=S3BatchFiles(archive),
            erased=exchange_log.erased,
            shown=recognition_today,
            # built below: its re-drive (a sweep a release may have missed) is made on first use
            released=lambda sid, held, why: built.resending.released(sid, held, why),
        ),
        transport=transport,
        url_verifier=UrlVerifier(transport, signers, clock),
        announcer=HealthAnnouncer(sns, settings.operations_topic_arn, transport, signers),
        lifecycle=lifecycle,
        uploads=uploads,
        upload_queue=upload_queue,
        upload_desk=UploadDesk(
            registry, uploads, clock, rates, policy, settings.checks_per_minute, bulk_check.sealed
        ),
        bulk_ingest=BulkIngest(  # split by the upload queue: gateway.intake.bulk_ranges
            uploads,
            archive,
            listings,
            listings,
            clock,
            registry,
            BulkPolicy(
                removal_threshold=settings.resync_removal_threshold,
                tolerance=settings.tolerance,
                retention_years=settings.retention_years,
            ),
            bulk_check,
            upload_queue,
            purged=exchange_log.purged,
        ),
        archive=archive,
        signers=signers,
        log_publisher=publisher,
        read_operator_token=fresh_secret(
            secrets, settings.operator_token, settings.operator_token_secret_arn
        ),
        aws_clients={"dynamodb": dynamodb, "s3": s3, "sqs": sqs, **({"sns": sns} if sns else {})},
        client=lambda service: _client(settings, service),
    )
    return built


def _lifecycle(
    listings: DynamoListings,
    archive: S3Archive,
    clock: Clock,
    settings: Settings,
    registry: DynamoRegistry,
    erasure: StoredCopies,
    receipts: RegionReceipts,
) -> LifecycleService:
    return LifecycleService(
        listings,
        archive,
        clock,
        shipped_policies(),
        WorkdayCalendar(),
        settings.retention_years,
        registry,
        settings.tolerance,
        settings.evidence_days,
        erasure,
        receipts,
    )


def lifecycle_at(clock: Clock) -> LifecycleService:
    """The lifecycle service on another clock (the local stack's tick at a chosen time)."""
    c = container()
    excerpts = DeliveryExcerpts(c.aws_clients["dynamodb"], c.settings.deliveries_table)
    answers = CheckAnswers(
        c.aws_clients["dynamodb"],
        c.settings.query_trail_table,
        c.archive,
        c.uploads,
        c.exchange_log.purged,
        clock,
    )
    batch_files = S3BatchFiles(c.archive)
    copies = StoredCopies(c.exchange_log, c.feedback, c.persons, batch_files, excerpts, answers)
    receipts = RegionReceipts(c.receipts, c.subscriptions)
    return _lifecycle(c.listings, c.archive, clock, c.settings, c.registry, copies, receipts)


_clock_override: list[Clock] = []


@cache
def container() -> Container:
    return build(get_settings(), _clock_override[-1] if _clock_override else SystemClock())


def override_clock(clock: Clock | None) -> None:
    """Run the local stack on an injected clock (fault tests simulate hours without sleeping)."""
    if clock is not None and not get_settings().local:
        raise RuntimeError("only the local stack runs on an injected clock")
    _clock_override.clear()
    if clock is not None:
        _clock_override.append(clock)
    container.cache_clear()


def reset() -> None:
    """Forget cached settings and adapters (the local stack and tests reconfigure the env)."""
    _clock_override.clear()
    container.cache_clear()
    get_settings.cache_clear()
    event_sources.cache_clear()
