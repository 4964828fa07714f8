"""What a subscriber receives: the delivery body (the change, what it means for the subscriber,
where it stands in the exchange log) and the recognition and intensified facts it carries."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Literal

from pydantic import AwareDatetime, Field

from gateway_client.contract.change import Change, ChangeType
from gateway_client.contract.measure import Measure
from gateway_client.contract.model import Frozen
from gateway_client.contract.persons import PersonMeasure


class NotRecognised(StrEnum):
    """Why an agreement does not carry a listing to its subscriber."""

    NO_AGREEMENT = "no_agreement"
    KIND_NOT_COVERED = "kind_not_covered"
    DOMAIN_NOT_COVERED = "domain_not_covered"
    SEVERITY_BELOW_THRESHOLD = "severity_below_threshold"
    GRADE_NOT_COVERED = "grade_not_covered"  # an evaluation result's grade is not recognised
    NOT_YET_EFFECTIVE = "agreement_not_yet_effective"
    NO_LONGER_EFFECTIVE = "agreement_no_longer_effective"
    MEASURES_SUSPENDED = "measures_suspended"  # an objection is being verified
    NOT_IN_FORCE = "listing_not_in_force"  # removed, repaired, expired, revoked or corrected


class ListedAs(StrEnum):
    """What a black-list entry counts as under the deployment's severity policy (seed 000
    二(二)1 "将严重失信行为纳入“黑名单”", 国办发〔2020〕49号)."""

    BLACK_LIST = "black_list"  # 黑名单: joint punishment
    DISHONESTY_RECORD = "dishonesty_record"  # 失信记录: exchanged and counted, no joint punishment


class Suspension(StrEnum):
    """Why measures that would apply are held back."""

    # 守信激励 yields to 失信惩戒 (seed 001 二(四)3): a red listing's incentives wait while the
    # subject has a black listing in force.
    BLACK_LISTING_IN_FORCE = "black_listing_in_force"


def _empty(value: object) -> bool:
    return not value


class Recognition(Frozen):
    """The outcome for one (listing, subscriber): by which agreements, with which measures.

    The fields after ``reasons`` are left out of the body when empty, so deliveries of red
    listings of subjects in good standing (and of other kinds) read as they always did.
    """

    subscriber_region: str
    recognised: bool
    basis: tuple[str, ...] = ()
    measures: tuple[Measure, ...] = ()
    reasons: tuple[NotRecognised, ...] = ()
    # ``dishonesty_record`` for a record; absent for a black listing, which reads as every
    # black-list entry did before the severity policy (receivers written before it still parse).
    listed_as: ListedAs | None = Field(default=None, exclude_if=_empty)
    suspended_measures: tuple[Measure, ...] = Field(default=(), exclude_if=_empty)
    suspended_because: Suspension | None = Field(default=None, exclude_if=_empty)


EventType = Literal[
    "listing.changed", "recognition.changed", "subject.intensified", "objection.filed"
]
"""``objection.filed``: the notice (核查通知) to a listing's owner that someone else objected;
the owner's deadline counts from the day its endpoint acknowledges it."""


class Intensified(Frozen):
    """加大联合惩戒力度: recognised black lists in two or more domains (or no longer)."""

    credit_code: str
    intensified: bool
    domains: tuple[str, ...]


class DeliveryPayload(Frozen):
    """The webhook body, in the Standard Webhooks ``{type, timestamp, data}`` shape.

    ``subscription_id`` and ``subscriber_region`` name its audience inside what is signed: the
    gateway's key signs every region's deliveries alike, so without them a delivery made for
    one subscription would verify at any endpoint it was pointed at. (``subscriber_region`` is
    optional only so bodies stored before it existed still parse; every delivery carries it.)
    """

    type: EventType
    timestamp: AwareDatetime
    delivery_id: str
    subscription_id: str
    subscriber_region: str | None = None
    data: Change
    recognition: Recognition
    intensified: Intensified | None = None
    log_sequence: int | None = None
    sequence: int | None = None
    # 落实到人: of ``recognition.measures``, those aimed at the listing's responsible persons,
    # with the roles they reach. Left out when there are none, so bodies of listings naming no
    # one (and bodies stored before the field existed) stay byte-identical.
    person_measures: tuple[PersonMeasure, ...] = Field(
        default=(), exclude_if=lambda value: not value
    )

    def to_bytes(self) -> bytes:
        return json.dumps(self.model_dump(mode="json"), ensure_ascii=False, sort_keys=True).encode()


def erases(delivery: DeliveryPayload) -> bool:
    """A purge's tombstone, at which a subscriber erases what it holds of the listing: a
    logged listing change only. The gateway sends no purge unlogged; a signed one that was
    (a restatement's ``data``) would erase one province's copy outside the log every other
    region audits, and be taken for proof that the erased entries were erased (review 123)."""
    return (
        delivery.data.type is ChangeType.PURGED
        and delivery.type == "listing.changed"
        and delivery.log_sequence is not None
    )
