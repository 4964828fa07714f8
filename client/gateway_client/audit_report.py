"""What ``gateway verify-log`` found (``log_audit.audit``), and what it remembers for the next
run (``Seen``, the ``--state`` file)."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, Field

from gateway_client.contract import Frozen, SubscriptionFilters


class Terms(Frozen):
    """What a subscription was sent by: its filters, ``recognised_only``, and the log's head
    when they last changed (``terms_since``), as the gateway showed them."""

    filters: SubscriptionFilters
    recognised_only: bool = False
    since: int = 0


class AuditReport(Frozen):
    checked_entries: int
    checked_deliveries: int
    verified_through: int
    problems: tuple[str, ...]
    # Signed by a key no longer published (retired after a rotation), or (checking SM2) made
    # before the gateway signed with SM2: neither trusted nor reported as forged; later
    # checkpoints under the current key cover the same tree.
    skipped_checkpoints: tuple[int, ...] = ()
    # Entries the subscription is owed, logged within the grace period and not yet stored:
    # still being delivered (or retried), not yet missing.
    in_flight: tuple[int, ...] = ()
    latest_root: str | None = None  # what to remember for the next run's consistency check
    # The largest checkpoint the required witnesses cosigned (0: none asked, or none found),
    # and how many stored deliveries lie beyond it: under the gateway's signature only until
    # witnesses cosign a later checkpoint (the latest already extends the witnessed one).
    witnessed_through: int = 0
    beyond_witnessed: int = 0
    latest_origin: str | None = None
    latest_at: datetime | None = None  # when the latest was signed (``checkpoint_trust``)
    owed_from: int | None = None
    # Stored deliveries the log does not number (restatements of a listing's recognition):
    # their listing was checked against a logged delivery of the same version where one is
    # stored; these had none, so nothing proves them.
    unproven: tuple[str, ...] = ()
    salted_since: datetime | None = None  # the salting cut-over applied (``salting_audit``)
    moves_since: datetime | None = None  # the moves cut-over applied (``contract.moves``)
    # Stored after a later change of their listing (a re-drive, a replay, a restatement of an
    # older version): applied by version they change nothing (``delivery_audit.late_arrivals``).
    late: tuple[str, ...] = ()
    # Not stored, and not judged owed or not: logged while the subscription's filters were
    # others than now, or for a recognised-only subscription (the log does not record what
    # its region recognised). Neither proven delivered nor reported missing.
    unjudged: tuple[int, ...] = ()
    # Entries the gateway says retention erased that nothing the subscriber holds vouches for,
    # though a later tombstone of the same kind, domain and origin makes it plausible: listed,
    # neither excused in silence nor reported missing (``log_verifier.erasures_held``).
    erased_unvouched: tuple[int, ...] = ()
    terms: Terms | None = None  # as judged by, for the next run (``terms_audit.terms_problems``)
    terms_history: tuple[Terms, ...] = ()  # the past terms shown, newest first (not kept)
    # Stored lines re-verified against the signature ``gateway listen`` kept for each
    # (``proof_audit``); those of a v1 subscription matching a secret given (which whoever
    # holds it could have made); those of a batch file an erasure cut (the log binds their
    # data alone); those stored without one (before it kept them, or by another receiver);
    # and those whose signature could not be checked here, with why.
    reverified: int = 0
    by_secret: int = 0
    cut: tuple[str, ...] = ()
    unsigned: tuple[str, ...] = ()
    unreverified: tuple[tuple[str, str], ...] = ()
    checked_at: datetime | None = None  # the run's own clock (``salting_audit.passed_by``)

    @property
    def ok(self) -> bool:
        return not self.problems


class Seen(Frozen):
    """What a previous run verified: the next run proves the log still extends that
    checkpoint, under the same name, and that the subscription is still owed from as early.
    Read from a file anyone with the disk may edit: a size or root no checkpoint could have
    is refused when read, as the file it is (``subscriber_files.read_seen``)."""

    size: int = Field(ge=0)
    root: str = Field(pattern="^[0-9a-f]{64}$")
    origin: str | None = None
    owed_from: int | None = None
    salted_since: AwareDatetime | None = None
    moves_since: AwareDatetime | None = None  # left out by a file an earlier version wrote
    terms: Terms | None = None
    # the terms read after the checkpoint (``terms_audit.terms_in_force`` relies on it; a file
    # an earlier version wrote read them before, and its terms judge nothing)
    terms_after_checkpoint: bool = False
    checked_at: AwareDatetime | None = None  # the run's own clock
    at: AwareDatetime | None = None  # when that checkpoint was signed: a larger one is not earlier
