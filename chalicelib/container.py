"""The container: the adapters ``chalicelib.bootstrap.build`` makes once per Lambda container,
and the application services built from them on first use.

Why a module of its own: what a handler may reach (the fields) and how each service is put
together from them (the cached properties) is read apart from the order ``build`` makes the
adapters in; ``bootstrap`` keeps building, caching and resetting the one container.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from chalicelib.batch_files import S3BatchFiles
from chalicelib.dynamodb.activity import DynamoActivity
from chalicelib.dynamodb.agreements import DynamoAgreements
from chalicelib.dynamodb.batches import DynamoBatchLedger
from chalicelib.dynamodb.console_sessions import DynamoConsoleSessions
from chalicelib.dynamodb.deliveries import DynamoDeliveryLog
from chalicelib.dynamodb.delivery_receipts import (
    DeliveryReceipts,
    OwedReceipts,
    delivery_receipts,
)
from chalicelib.dynamodb.exchange_log import DynamoExchangeLog
from chalicelib.dynamodb.feedback import DynamoFeedback
from chalicelib.dynamodb.listings import DynamoListings
from chalicelib.dynamodb.nonces import DynamoNonces
from chalicelib.dynamodb.persons import DynamoPersonIndex
from chalicelib.dynamodb.query_trail import DynamoQueryTrail
from chalicelib.dynamodb.rate_limits import DynamoRateCounter
from chalicelib.dynamodb.reevaluations import DynamoReevaluations
from chalicelib.dynamodb.registry import DynamoRegistry
from chalicelib.dynamodb.sealed_tokens import Sealer
from chalicelib.dynamodb.source_pages import SourcePages
from chalicelib.dynamodb.statistics import DynamoStatistics
from chalicelib.dynamodb.subscriptions import DynamoSubscriptions
from chalicelib.dynamodb.uploads import DynamoUploads
from chalicelib.dynamodb.usage import DynamoUsage
from chalicelib.dynamodb.witness_sizes import DynamoWitnessSizes
from chalicelib.http_transport import Urllib3Transport
from chalicelib.log_publishing import LogPublisher
from chalicelib.notifications import HealthAnnouncer
from chalicelib.observability import logger
from chalicelib.reevaluation_queue import SqsReevaluationTrigger
from chalicelib.s3_archive import S3Archive
from chalicelib.secret_reads import OpeningKeys, identity_key_reader
from chalicelib.settings import OPERATOR_TOKEN_RULE, Settings, weak_operator_token
from chalicelib.sqs_queue import SqsDeliveryQueue
from chalicelib.upload_queue import SqsUploadQueue
from chalicelib.witnessing import Witnessing
from gateway.console_sessions import ConsoleSessions
from gateway.delivery import (
    AgreementDesk,
    Batcher,
    DeliveryService,
    FanOut,
    RecognitionToday,
    ReevaluationRunner,
    Resending,
    SubscriptionAdmin,
    SubscriptionDesk,
    UrlVerifier,
    acting_in,
)
from gateway.intake import BulkIngest, PushService, UploadDesk
from gateway.lifecycle import LifecycleService, OverdueLists
from gateway.persons import PersonIndexer
from gateway.recognition import TryLimit
from gateway_client.contract import Clock, GatewaySigners


@dataclass(frozen=True)
class Container:
    settings: Settings
    clock: Clock
    registry: DynamoRegistry
    listings: DynamoListings
    subscriptions: DynamoSubscriptions
    agreements: DynamoAgreements
    deliveries: DynamoDeliveryLog
    feedback: DynamoFeedback
    exchange_log: DynamoExchangeLog
    batches: DynamoBatchLedger
    nonces: DynamoNonces  # request ids used by platform keys (batches table, TTL)
    rates: DynamoRateCounter  # per-minute windows (batches table, TTL)
    tries: TryLimit  # a day's tries at one masked ID number (batches table, TTL)
    usage: DynamoUsage  # monthly checks and reports per region (batches table, TTL)
    activity: DynamoActivity  # hourly pushes, deliveries, fan-out lag (batches table, TTL)
    statistics: DynamoStatistics  # monthly statistics counters (batches table, by_stats_bucket)
    query_trail: DynamoQueryTrail
    persons: DynamoPersonIndex  # responsible persons by keyed ID number (gateway.persons)
    trail_key: Callable[[], bytes]  # read on first use: only the API handler may read it
    report_opening_key: OpeningKeys  # a check's key to its openings (secret_reads)
    queue: SqsDeliveryQueue
    push_service: PushService
    # what an attempt may show in full today; renewed by each delivery invocation
    recognition_today: RecognitionToday
    delivery_service: DeliveryService
    transport: Urllib3Transport  # every post to an endpoint (SSRF-checked)
    url_verifier: UrlVerifier  # posts through the delivery transport
    announcer: HealthAnnouncer  # endpoint health notices: operations topic and the endpoint
    lifecycle: LifecycleService
    uploads: DynamoUploads
    upload_queue: SqsUploadQueue
    upload_desk: UploadDesk
    bulk_ingest: BulkIngest
    archive: S3Archive
    signers: GatewaySigners  # keys read on first use: ingest signs bulk check reports only
    log_publisher: LogPublisher
    read_operator_token: Callable[[], str | None]  # read on first use: only the API needs it
    aws_clients: dict[str, Any]  # by service name: one place to observe (or, in tests, fault) AWS
    client: Callable[[str], Any]  # a new client of a service by name (``bootstrap``'s settings)

    @property
    def operator_token(self) -> str | None:
        """The operator's token; none (every operator call 401) where the secret holds a weak
        one, which the settings would have refused inline (``weak_operator_token``). Spaces
        and line ends around it are not its own (a secret put from a file ends in one)."""
        read = self.read_operator_token()
        token = None if read is None else read.strip()
        if token is not None and weak_operator_token(token):
            logger.error(
                "the operator token's secret %s: operator calls refused", OPERATOR_TOKEN_RULE
            )
            return None
        return token

    # The application services the route bodies and event handlers call, built on first use.

    @cached_property
    def fan_out(self) -> FanOut:
        return FanOut(
            self.listings,
            self.subscriptions,
            self.agreements,
            self.exchange_log,
            self.queue,
            self.owed_receipts,
            self.log_publisher.publish,
            Batcher(S3BatchFiles(self.archive), self.clock, self.exchange_log.erased_in),
            self.registry,
            self.clock,
        )

    @cached_property
    def owed_receipts(self) -> OwedReceipts:
        """Who holds a listing, or will: what fan-out and re-evaluation plan ends by."""
        return OwedReceipts(self.receipts)

    @cached_property
    def receipts(self) -> DeliveryReceipts:
        """Who was delivered a listing, singly or in a delivered batch."""
        return delivery_receipts(
            self.aws_clients["dynamodb"],
            self.settings.deliveries_table,
            self.deliveries,
            self.exchange_log,
            self.subscriptions,
        )

    @cached_property
    def witnessing(self) -> Witnessing:
        """Witnesses cosign checkpoints through the SSRF-checked delivery transport."""
        sizes = DynamoWitnessSizes(self.aws_clients["dynamodb"], self.settings.exchange_log_table)
        return Witnessing(
            self.log_publisher, sizes, self.archive, self.transport, self.settings.witnesses
        )

    @cached_property
    def console_sessions(self) -> ConsoleSessions:
        dynamodb = self.aws_clients["dynamodb"]
        return ConsoleSessions(
            DynamoConsoleSessions(dynamodb, self.settings.batches_table),
            self.registry,
            lambda: self.operator_token,
        )

    @cached_property
    def person_indexer(self) -> PersonIndexer:
        return PersonIndexer(self.persons)

    @cached_property
    def agreement_desk(self) -> AgreementDesk:
        return AgreementDesk(
            self.agreements,
            self.registry,
            self.reevaluations,
            self.reevaluation_trigger,
            self.clock,
        )

    @cached_property
    def reevaluations(self) -> DynamoReevaluations:
        return DynamoReevaluations(
            self.aws_clients["dynamodb"],
            self.settings.reevaluations_table,
            self.settings.agreements_table,
        )

    @cached_property
    def reevaluation_trigger(self) -> SqsReevaluationTrigger:
        return SqsReevaluationTrigger(self.aws_clients["sqs"], self.settings.reevaluation_queue_url)

    def _sealer(self, label: bytes) -> Sealer:
        key = identity_key_reader(self.client("secretsmanager"), self.settings)
        return Sealer(key, label)

    @cached_property
    def backfill_tokens(self) -> Sealer:
        """The due-date backfill's ``next`` names a table key: sealed (``sealed_tokens``)."""
        return self._sealer(b"credit-gateway due backfill token v1")

    @cached_property
    def shard_backfill_tokens(self) -> Sealer:
        """The delivery shards' backfill ``next``: sealed, so a made-up one cannot skip part
        of the table and answer done."""
        return self._sealer(b"credit-gateway delivery shards backfill token v1")

    @cached_property
    def feedback_tokens(self) -> Sealer:
        """A listing's feedback pages' ``next`` names a table key: sealed, bound to the listing."""
        return self._sealer(b"credit-gateway feedback page token v1")

    @cached_property
    def overdue_tokens(self) -> Sealer:
        """The overdue lists' ``next`` may name another region's listing: sealed."""
        return self._sealer(b"credit-gateway overdue page token v1")

    @cached_property
    def upload_tokens(self) -> Sealer:
        """The uploads list's ``next``: bound to its region, made by no one else."""
        return self._sealer(b"credit-gateway uploads page token v1")

    @cached_property
    def trail_tokens(self) -> Sealer:
        """A query trail's ``next`` names an entry (when someone asked): a region reads only
        the entries that returned its listings, so it holds the position sealed."""
        return self._sealer(b"credit-gateway query trail page token v1")

    @cached_property
    def reindex_tokens(self) -> Sealer:
        """The person reindex's ``next`` names a listing's key (a credit code): sealed."""
        return self._sealer(b"credit-gateway person reindex token v1")

    @cached_property
    def rebuild_tokens(self) -> Sealer:
        """The statistics rebuild's ``next`` may name a listing's key: sealed as well."""
        return self._sealer(b"credit-gateway stats rebuild token v1")

    @cached_property
    def reevaluation_runner(self) -> ReevaluationRunner:
        dynamodb = self.aws_clients["dynamodb"]
        pages = SourcePages(
            self.listings,
            dynamodb,
            self.settings.listings_table,
            # the page token's key, from the listing-id secret (chalicelib/dynamodb/source_pages)
            identity_key_reader(self.client("secretsmanager"), self.settings),
        )
        return ReevaluationRunner(
            self.reevaluations,
            pages,
            self.subscriptions,
            self.queue,
            self.agreements,
            self.clock,
            self.owed_receipts,
        )

    @cached_property
    def subscription_desk(self) -> SubscriptionDesk:
        return SubscriptionDesk(
            self.subscriptions,
            self.registry,
            self.exchange_log,
            self.resending,
            self.clock,
            allow_loopback_http=self.settings.local,
            sm2_signing=self.signers.sm2 is not None,
            per_region=self.settings.subscriptions_per_region,
        )

    @cached_property
    def subscription_admin(self) -> SubscriptionAdmin:
        return SubscriptionAdmin(
            self.subscriptions,
            self.registry,
            self.resending,
            self.transport,
            self.signers,
            self.clock,
            allow_loopback_http=self.settings.local,
        )

    @cached_property
    def overdue(self) -> OverdueLists:
        return OverdueLists(self.listings, self.clock)

    @cached_property
    def resending(self) -> Resending:
        return Resending(
            self.subscriptions,
            self.deliveries,
            self.exchange_log,
            self.agreements,
            self.queue,
            self.url_verifier,
            listings=self.listings,
            clock=self.clock,
            sm2_signing=self.signers.sm2 is not None,
            acting=acting_in(self.registry),
        )
