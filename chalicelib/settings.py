"""Runtime configuration from the environment (Lambda env vars, or the local stack's)."""

from __future__ import annotations

import re
from datetime import timedelta
from functools import cache
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from gateway.console_sessions import SESSION_PREFIX
from gateway.delivery import DEFAULT_RETRY_SCHEDULE, SUBSCRIPTIONS_PER_REGION
from gateway.intake import DEFAULT_REMOVAL_THRESHOLD
from gateway.lifecycle import EVIDENCE_DAYS
from gateway.national import UpwardReporting
from gateway.recognition import DEFAULT_KEEP_DAYS, SeverityPolicy
from gateway.statistics import PilotTargets
from gateway_client.contract import DEFAULT_ORIGIN, PublishedKey, Severity
from gateway_client.tlog import CosignatureVerifier, NoteError

LOG_ORIGIN_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$"  # the stack's LogOrigin too


class WitnessConfig(BaseModel):
    """A witness the gateway asks to cosign its checkpoints (C2SP tlog-witness): its name, its
    cosignature verifier key, and where it takes ``POST <url>/add-checkpoint``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$")  # in keys: no spaces
    vkey: str
    url: str = Field(pattern=r"^https?://[^\s]+$", max_length=500)

    @field_validator("vkey")
    @classmethod
    def _cosignature_vkey(cls, vkey: str) -> str:
        try:
            CosignatureVerifier.from_vkey(vkey)
        except NoteError as exc:
            raise ValueError(str(exc)) from None
        return vkey

    @model_validator(mode="after")
    def _named_as_its_key(self) -> WitnessConfig:
        if self.verifier.name != self.name:
            raise ValueError(f"the vkey of witness {self.name} names {self.verifier.name}")
        return self

    @property
    def verifier(self) -> CosignatureVerifier:
        return CosignatureVerifier.from_vkey(self.vkey)


BEARER_TOKEN = re.compile(r"[!-~]{1,512}")
"""What a bearer token may be (``caller.bearer``): printable ASCII, no space, of a sane length."""
OPERATOR_TOKEN_RULE = (
    f"must have 24 to 512 printable ASCII characters, no space, not starting {SESSION_PREFIX}"
)


def weak_operator_token(token: str) -> bool:
    """A token a guess could find, one a console session's could be taken for, or one no
    ``Authorization`` header can carry (a passphrase with spaces, a trailing newline: every
    call would be read as unsigned — review 335): refused inline at start-up, and opening
    nothing when read from Secrets Manager (review 172)."""
    short = len(token) < 24
    return short or token.startswith(SESSION_PREFIX) or not BEARER_TOKEN.fullmatch(token)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CG_", frozen=True)

    stage: Literal["local", "dev", "prod"] = "prod"
    aws_endpoint_url: str | None = None
    aws_region: str = "cn-northwest-1"

    registry_table: str
    batches_table: str
    listings_table: str
    subscriptions_table: str
    agreements_table: str
    reevaluations_table: str  # agreement re-evaluation jobs (gateway.delivery.reevaluation_job)
    deliveries_table: str
    feedback_table: str
    exchange_log_table: str
    query_trail_table: str
    persons_table: str  # the person index (gateway.persons)
    delivery_queue_url: str
    delivery_dlq_url: str
    uploads_table: str
    upload_queue_url: str
    reevaluation_queue_url: str
    archive_bucket: str
    # The exchange log's name in its checkpoints (C2SP tlog-checkpoint origin, and the signed
    # note's key name): unique per deployment, e.g. "credit.example.gov.cn/exchange-log".
    log_origin: str = Field(default=DEFAULT_ORIGIN, pattern=LOG_ORIGIN_PATTERN)
    # Where endpoint health notices go (SNS); without one they only reach logs, metrics and the
    # endpoint itself.
    operations_topic_arn: str | None = None
    # Witnesses asked to cosign each checkpoint (chalicelib/witnessing.py), as a JSON list of
    # {name, vkey, url}; none by default. Only https outside the local stack.
    witnesses: tuple[WitnessConfig, ...] = ()

    # Each secret comes either inline (local stack, tests) or from Secrets Manager (deployed).
    signing_key: SecretStr | None = None
    signing_key_secret_arn: str | None = None
    signing_key_id: str = Field(pattern=r"^[A-Za-z0-9._-]{3,64}$")
    # Gateway keys receivers should accept besides the signing one (rotation: the next key
    # before the switch, the previous one with ``valid_until`` after it), as a JSON list.
    published_keys: tuple[PublishedKey, ...] = ()
    # SM2 signing (GM/T 0003): the gateway holds an SM2 key derived from the same signing
    # secret, lists it at /v1/keys, signs v1sm2 subscriptions' webhooks and every checkpoint a
    # second time with it. Off by default: receivers written before SM2 may refuse such a list.
    sm2_signing: bool = False
    # Its id; unset: the Ed25519 key id with ".sm2" appended. Rotate it together with
    # CG_SIGNING_KEY_ID, listing the previous SM2 key in CG_PUBLISHED_KEYS.
    sm2_key_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9._-]{3,64}$")
    operator_token: SecretStr | None = None
    operator_token_secret_arn: str | None = None
    # The query trail's HMAC key (``gateway.query_trail``). Deployed: its own secret, so that
    # rotating the signing key never orphans the trail; without one, derived from the signing
    # secret under a distinct label (the local stack, tests).
    trail_key: SecretStr | None = None
    trail_key_secret_arn: str | None = None
    # The listing-id key (``gateway.listing.identity_key``): required outside the local stage,
    # where the fixed local one would let anyone recompute ids from credit codes.
    identity_key: SecretStr | None = None
    identity_key_secret_arn: str | None = None

    max_body_bytes: int = Field(default=5 * 1024 * 1024, gt=0, le=6 * 1024 * 1024)
    push_rate_per_minute: int = Field(default=600, ge=1, le=100_000)
    upload_url_ttl_seconds: int = Field(default=3600, ge=60, le=7 * 24 * 3600)
    resync_removal_threshold: float = Field(default=DEFAULT_REMOVAL_THRESHOLD, gt=0, lt=1)
    retention_years: int = Field(default=5, ge=1, le=30)
    # Raw pushes and uploads are evidence this long (the bucket's lifecycle rules, from the
    # stack's EvidenceDays); a purge waits until a listing's last version is older than this.
    evidence_days: int = Field(default=EVIDENCE_DAYS, ge=1, le=3650)
    # The deployed lifecycle function: POST /v1/tick invokes it, as only its role may erase
    # (chalicelib/tick_function.py); unset, the route runs the tick in-process (the local stack).
    lifecycle_function: str | None = None
    query_trail_days: int = Field(default=DEFAULT_KEEP_DAYS, ge=1, le=30 * 366)
    anonymous_queries_per_minute: int = Field(default=60, ge=1, le=100_000)
    checks_per_minute: int = Field(default=30, ge=1, le=100_000)  # per region, each ≤ 1,000 codes
    # Replay requests a minute per subscribing region (all its subscriptions, its own requests
    # and the operator's for it), each through at most 5,000 log entries
    # (``gateway.delivery.resending.REPLAY_SPAN``): what one region may put on the shared
    # delivery queue ahead of everyone else's changes, however many subscriptions it makes.
    replays_per_minute: int = Field(default=6, ge=1, le=100_000)
    # Changes of a subscription's terms (filters, ``recognised_only``) a minute per subscribing
    # region: each is written in one transaction with a check of the exchange log's head, which
    # an append in flight then has to retry (``chalicelib.dynamodb.subscriptions``).
    terms_changes_per_minute: int = Field(default=10, ge=1, le=100_000)
    # Subscriptions one region may hold (409 ``subscription_limit_reached`` past it), and may
    # create a minute (429): every subscription is planned for every change logged, and each
    # creation is a transaction with the log's head, so neither multiplies without bound —
    # nor does a DELETE and POST stand in for a change of terms uncounted.
    subscriptions_per_region: int = Field(default=SUBSCRIPTIONS_PER_REGION, ge=1, le=10_000)
    subscription_creations_per_minute: int = Field(default=20, ge=1, le=100_000)
    # Challenges of an endpoint not yet verified a region may have sent a minute (429): each is
    # a signed POST the API function makes, waiting up to 5 s, to whatever public URL the region
    # names, which has never asked for it: a creation's, a ``verify`` of a pending subscription,
    # a new URL's. More than creations, so that creating is limited by its own limit alone.
    url_challenges_per_minute: int = Field(default=30, ge=1, le=100_000)
    # Signed lookups of one person — a natural person's code, a responsible person's number — per
    # region (and the operator) a minute: a region that may look a number up can confirm a guess,
    # so how many it may try is bounded, and each try is in the trail (found or not).
    personal_lookups_per_minute: int = Field(default=60, ge=1, le=100_000)
    # Natural persons' codes a region (and the operator) may ask at one mask a Beijing day, on
    # every route that confirms a number, the batch and bulk checks included: what bounds
    # completing a number it was shown masked (``gateway.recognition.number_tries``).
    tries_per_masked_number_per_day: int = Field(default=1000, ge=1, le=10_000_000)
    # The pilots whose monthly case targets statistics judge (gateway/data/pilot_targets.json's
    # format, as JSON); unset: seed 004's (黄石市).
    pilot_targets: PilotTargets | None = None
    # The severities that make a black listing (黑名单: joint punishment), as a JSON list; the
    # others are accepted as dishonesty records (失信记录: exchanged, counted, no measures).
    # Default: serious only, as seed 000 二(二)1 and 国办发〔2020〕49号 have it.
    black_list_severities: frozenset[Severity] = Field(
        default=SeverityPolicy().black_list, min_length=1
    )
    # Upward reporting (向上报送): which listings must reach the national platform (100000) or a
    # province, and within how many hours (gateway.national.UpwardReporting, as JSON); the
    # monthly statistics report each rule's on-time share. Unset: no rules.
    upward_reporting: UpwardReporting = UpwardReporting()
    timestamp_tolerance_seconds: int = Field(default=300, ge=1, le=3600)
    # Each delay must fit one SQS visibility timeout (under 12 h).
    retry_schedule_seconds: tuple[Annotated[int, Field(ge=0, le=11 * 3600)], ...] = Field(
        default=tuple(int(delay.total_seconds()) for delay in DEFAULT_RETRY_SCHEDULE),
        min_length=1,
        max_length=20,
    )

    @model_validator(mode="after")
    def _safe_outside_local(self) -> Settings:
        if self.stage != "local" and self.aws_endpoint_url:
            raise ValueError("CG_AWS_ENDPOINT_URL is for the local stack only")
        if self.signing_key is None and self.signing_key_secret_arn is None:
            raise ValueError("set CG_SIGNING_KEY or CG_SIGNING_KEY_SECRET_ARN")
        if not self.local and self.identity_key is None and self.identity_key_secret_arn is None:
            raise ValueError("set CG_IDENTITY_KEY or CG_IDENTITY_KEY_SECRET_ARN")
        names = [w.name for w in self.witnesses]
        if len(set(names)) != len(names):
            raise ValueError("CG_WITNESSES names a witness twice")
        if not self.local and any(not w.url.startswith("https://") for w in self.witnesses):
            raise ValueError("CG_WITNESSES: a witness is reached over https")
        ids = [key.key_id for key in self.published_keys]
        if len(set(ids)) != len(ids):
            raise ValueError("CG_PUBLISHED_KEYS lists a key_id twice")
        sm2_id = self.gateway_sm2_key_id
        if self.sm2_signing and (len(sm2_id) > 64 or sm2_id == self.signing_key_id):
            raise ValueError("set CG_SM2_KEY_ID: 3–64 characters, not the Ed25519 key's id")
        token = self.operator_token.get_secret_value() if self.operator_token else None
        if token is not None and weak_operator_token(token):
            raise ValueError(f"CG_OPERATOR_TOKEN {OPERATOR_TOKEN_RULE}")
        return self

    @property
    def gateway_sm2_key_id(self) -> str:
        return self.sm2_key_id or f"{self.signing_key_id}.sm2"

    @property
    def severity_policy(self) -> SeverityPolicy:
        return SeverityPolicy(black_list=self.black_list_severities)

    @property
    def local(self) -> bool:
        return self.stage == "local"

    @property
    def retry_schedule(self) -> tuple[timedelta, ...]:
        return tuple(timedelta(seconds=s) for s in self.retry_schedule_seconds)

    @property
    def tolerance(self) -> timedelta:
        return timedelta(seconds=self.timestamp_tolerance_seconds)

    @property
    def query_trail_period(self) -> timedelta:
        return timedelta(days=self.query_trail_days)


@cache
def get_settings() -> Settings:
    """Built on first use, never at import: importing the app needs no configuration."""
    return Settings()


class EventSources(BaseSettings):
    """What ``app.py`` needs at import time to declare event sources (deploy-time constants)."""

    model_config = SettingsConfigDict(env_prefix="CG_", frozen=True)

    # Placeholders: ``infra.package`` replaces them with the stack's real ARNs; locally the
    # event pump reads the stream and the queue itself.
    listings_stream_arn: str = (
        "arn:aws-cn:dynamodb:cn-northwest-1:000000000000:table/listings/stream/local"
    )
    delivery_queue_arn: str = "arn:aws-cn:sqs:cn-northwest-1:000000000000:deliveries.fifo"
    upload_queue_arn: str = "arn:aws-cn:sqs:cn-northwest-1:000000000000:uploads"
    reevaluation_queue_arn: str = "arn:aws-cn:sqs:cn-northwest-1:000000000000:reevaluations"
    # "iam" on AWS (``make package`` sets it): API Gateway checks SigV4 on operator-only routes.
    operator_auth: Literal["token", "iam"] = "token"


STREAM_BATCH_SIZE = 500
"""Records per fan-out invocation: the listings stream trigger's ``BatchSize``, the same in the
deployed template (``infra.stream_failures`` says why 500), Chalice's decorator and the local
stack's pump, so what is tested and measured is what is deployed."""


@cache
def event_sources() -> EventSources:
    """Read once per process, as on Lambda: every request asks (``caller.is_operator``), and
    reading the environment through pydantic-settings cost more than the rest of a refusal."""
    return EventSources()
