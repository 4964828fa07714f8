"""What is sent again, rebuilt from the exchange log as it stands and as the subscriber's
region may see it today.

Why a module of its own: a replay, a re-drive and the receipts all need a change read back from
the log (or its tombstone, once retention purged its listing), the recognition a delivery of it
carries, and whether a delivery kept dead still says what holds today; ``Resending`` decides
what to send again and when, this holds how each one is made.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from gateway.delivery.notice_standing import Acting, notice_stands, notices
from gateway.delivery.planning import Delivery
from gateway.delivery.ports import AgreementStore, ExchangeLog
from gateway.delivery.redelivery import Resend, rebuild, restatement, shown_now
from gateway.delivery.restatement_standing import (
    SubjectCode,
    flag_stands,
    recognition_on,
    restatement_stands,
)
from gateway.ports import ListingStore
from gateway.recognition import Agreement, rewards
from gateway_client.contract import (
    Change,
    ChangeType,
    Clock,
    Listing,
    Recognition,
    china_date,
)


class FromTheLog:
    def __init__(
        self,
        log: ExchangeLog,
        agreements: AgreementStore,
        listings: ListingStore,
        clock: Clock,
        acting: Acting | None = None,
    ) -> None:
        self.log = log
        self.agreements = agreements
        self.listings = listings  # the subjects of red changes
        self.clock = clock  # what is sent again is masked as its region recognises it today
        self.acting = acting  # who acts for an objection notice's owner now

    def logged(self, log_sequence: int) -> Change | None:
        """The change logged at ``log_sequence`` (None: not there, or erased)."""
        return self.logged_all([log_sequence]).get(log_sequence)

    def logged_all(self, sequences: Iterable[int]) -> dict[int, Change]:
        """The changes logged at ``sequences`` (those erased left out), read a run of
        consecutive entries at a time: a batch's lines, logged together, share their chunks,
        read once (review 153)."""
        wanted, found = set(sequences), {}
        for first, last in _runs(sorted(wanted)):
            for entry, body in self.log.entries(first, last - first + 1):
                if isinstance(body, Change) and entry.sequence in wanted:
                    found[entry.sequence] = body
        return found

    def rebuilt(self, kept: Resend) -> Delivery | None:
        """A delivery of an erased change is not rebuilt: its tombstone went out on its own.
        Nor is a restatement of an erased version."""
        if kept.log_sequence is not None:
            change = self.logged(kept.log_sequence)
        elif kept.restates is not None:
            change = self._restatement(kept, kept.restates)
        else:
            change = None
        return None if change is None else rebuild(kept, change)

    def tombstone(self, change_id: str) -> tuple[int, Change] | None:
        """A purge's tombstone and where it is logged, once fan-out has logged it."""
        sequence = self.log.sequence_of(change_id)
        change = None if sequence is None else self.logged(sequence)
        return None if sequence is None or change is None else (sequence, change)

    def shown_now(self, deliveries: list[Delivery], agreements: list[Agreement]) -> list[Delivery]:
        """Each delivery sent again with ID numbers in full only where its region recognises
        the listing as it stands today (``shown_now``)."""
        return shown_now(deliveries, agreements, self.listings, china_date(self.clock.now()))

    def red_subjects(self, changes: list[Change]) -> dict[str, list[Listing]]:
        """The listings of each subject a red change names: its incentives are held back
        while the subject has a black listing in force, as fan-out holds them back."""
        codes = {
            c.listing.credit_code
            for c in changes
            if rewards(c.listing) and c.type is not ChangeType.PURGED
        }
        return self.listings.subjects(sorted(codes)) if codes else {}

    def recognition_for(
        self, change: Change, region: str, agreements: Sequence[Agreement] | None = None
    ) -> Recognition:
        """The recognition a delivery of ``change`` to ``region`` carries, as fan-out works it
        out (on the change's day, a red listing's incentives held back under a black one),
        whatever a subscription's filters say."""
        every = self.agreements.all() if agreements is None else agreements
        return recognition_on(change, region, every, self.listings, china_date(change.occurred_at))

    def stands(self, delivery: Delivery, agreements: Sequence[Agreement]) -> bool:
        """Whether a re-drive may send ``delivery``: a ``recognition.changed`` only while it
        still says what the region recognises today. One a later agreement change superseded
        (an ended agreement's withdrawal sent, or to be sent, after it) stays dead: sent again
        after its successor, it would tell the subscriber a standing that no longer holds. A
        ``subject.intensified`` carrying a restated listing (a re-evaluation's flip) stays dead
        too: whether the flag it names still holds is the subject's, not the listing's, and a
        replay of the subject's listings tells it as it stands; any other, only while the
        subject's flag is what it says (``_flag_holds``)."""
        if delivery.type == "subject.intensified":
            return delivery.change.type is not ChangeType.RECOGNITION and self._flag_holds(
                delivery, agreements
            )
        if notices(delivery):
            return notice_stands(delivery, self.listings, self.acting)
        if delivery.type != "recognition.changed":
            return True
        today = china_date(self.clock.now())
        return restatement_stands(delivery, agreements, self.listings, today, logged_code(self.log))

    def _flag_holds(self, delivery: Delivery, agreements: Sequence[Agreement]) -> bool:
        """Whether the subject's flag for the delivery's region is today what the dead event
        says (raised or lowered): one superseded by a later flip, delivered since, stays dead,
        or the subscriber would hear the subject is under intensified punishment again, or no
        longer, when it is not (review 281). The subject is found by the change as logged: the
        one sent may carry the code masked."""
        flag, logged = delivery.intensified, None
        if delivery.log_sequence is not None:
            logged = self.logged(delivery.log_sequence)
        if flag is None or logged is None:
            return flag is None
        today = china_date(self.clock.now())
        return flag_stands(logged.listing.credit_code, delivery, agreements, self.listings, today)

    def _restatement(self, kept: Resend, listing_id: str) -> Change | None:
        """A restatement, from its version's change as the listing's log entries hold it
        (latest first: the version restated is most often the last)."""
        for sequence in reversed(self.log.sequences_of(listing_id)):
            logged = self.logged(sequence)
            found = None if logged is None else restatement(kept, logged)
            if found is not None:
                return found
        return None


_GAP = 1  # consecutive entries are read together; a gap is never read over: a chunk may hold
# one entry, and every chunk between two wanted entries would be downloaded (review 154)


def _runs(ordered: Sequence[int]) -> list[tuple[int, int]]:
    """``ordered`` sequences as (first, last) runs of members no further apart than ``_GAP``."""
    runs: list[tuple[int, int]] = []
    for sequence in ordered:
        if runs and sequence - runs[-1][1] <= _GAP:
            runs[-1] = (runs[-1][0], sequence)
        else:
            runs.append((sequence, sequence))
    return runs


def logged_code(log: ExchangeLog) -> SubjectCode:
    """``SubjectCode`` from the log: a listing's masked code is its subject's as its latest
    change still logged (not erased) holds it; one in full is its own."""

    def code_of(listing: Listing) -> str | None:
        if "*" not in listing.credit_code:
            return listing.credit_code
        for sequence in reversed(log.sequences_of(listing.listing_id)):
            for _, body in log.entries(sequence, 1):
                if isinstance(body, Change):
                    return body.listing.credit_code
        return None

    return code_of
