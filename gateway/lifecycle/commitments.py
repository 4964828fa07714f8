"""What follows from a commitment's outcome, or from the lack of one.

A broken commitment is a dishonesty record (seed 004 二(二)3: a subject that breaks its public
promise "自愿接受惩戒和约束"). Whether it is also listed on the black list is its owner's call:
when the owner region's policy (``Region.broken_commitments``) says so, the tick lists it as a
``broken_commitment`` black listing of that region — same subject, same department, the
severity and legal basis the policy names, decided on the day the commitment was broken — and
it is then the owner's like any listing it pushed (removal, objections, repair). A policy
lists only what is broken from the day it was set (``BrokenCommitmentPolicy.since``); a
commitment broken that very day, read by a tick before the policy was set, is read again the
next day (``read_again_on``). Should the owner revoke the broken commitment or remove it as
corrected (or an objection's decision revoke it), the record the black listing stands on is
gone: the tick revokes that listing too (``withdrawn``, ``unlisted``). A correction of the
commitment's content is not carried over: the owner corrects the black listing as it does any
of its listings (a push updating it, or an objection's decision). An open commitment past its
deadline is reported to its owner (``overdue``), never changed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta

from gateway.broken_commitment_terms import BrokenCommitmentPolicy
from gateway.lifecycle.history_reading import former_owners, rehomed
from gateway.lifecycle.rules import STANDING, revoke_by_gateway
from gateway.promotion import promote
from gateway_client.contract import (
    CommitmentOutcome,
    Listing,
    ListingEntry,
    ListingStatus,
    ListKind,
    broken_while_in_force,
    china_date,
    effective_valid_until,
    identity_text,
    is_persons,
    listing_id,
    person_listing_id,
    resident_ids_masked,
    revoked_at,
)

BROKEN_DOMAIN = "broken_commitment"
PolicyLookup = Callable[[str], BrokenCommitmentPolicy | None]
"""A region's broken-commitment policy (``None``: it lists none)."""


def broken(listing: Listing) -> bool:
    """A breach that stands: a commitment recorded broken, in force — or whose period has
    ended since, no objection open on it and not taken back (review 318: one objected to at
    once was suspended, the tick expired it while the breach was verified, and the breach
    upheld was never listed). ``to_list`` lists nothing whose black listing's own period
    (from the breach) has ended."""
    made = listing.commitment
    if listing.kind is not ListKind.COMMITMENT or made is None:
        return False
    if made.outcome is not CommitmentOutcome.BROKEN:
        return False
    if listing.status is ListingStatus.ACTIVE:
        return True
    objected = listing.objection is not None and listing.objection.open
    return (
        listing.status is ListingStatus.EXPIRED
        and broken_while_in_force(listing)
        and not objected
        and not withdrawn(listing)
    )


WITHDRAWN = frozenset({ListingStatus.REVOKED, ListingStatus.CORRECTED})
"""A commitment's record taken back (撤销, 更正): what it showed no longer stands."""


def withdrawn(listing: Listing) -> bool:
    """A broken commitment whose record was revoked or corrected — by a removal, or by an
    objection's decision, also one made after the record's period ended (it keeps its status
    then: review 212, the black listing stood) — its black listing, if the tick made one,
    stands on nothing."""
    return (
        listing.kind is ListKind.COMMITMENT
        and listing.commitment is not None
        and listing.commitment.outcome is CommitmentOutcome.BROKEN
        and (
            listing.status in WITHDRAWN
            or (listing.status not in STANDING and revoked_at(listing) is not None)
        )
    )


def withdrawn_on(listing: Listing) -> date:
    """The day a withdrawn commitment (``withdrawn``) was taken back: its decision's, or its
    last write's."""
    decided = revoked_at(listing) if listing.status not in WITHDRAWN else None
    return china_date(decided or listing.accepted_at)


def black_listing_ids(commitment: Listing) -> tuple[str, ...]:
    """The ids the black listing of ``commitment`` may have under any policy: its decision's,
    and a person's under the id of the commitment's region (``person_listing_id``, as
    ``promote`` makes it; one listed before such ids has the decision's), and of each region
    the operator gave the commitment away from (review 360: one stored under the decision's id
    may be given after its black listing was made under its first owner's id, which was then
    never revoked with it, and listed again); and those of one listed before ID numbers in its
    decision number were masked. Each holds the commitment's keyed mark: no region can push a
    listing under one."""
    numbers = dict.fromkeys(
        _black_decision_number(commitment, cut, spelt)
        for cut in (_cut, lambda text, n: text[:n])
        for spelt in (identity_text, str)
    )
    decisions = [
        listing_id(
            commitment.credit_code,
            ListKind.BLACK,
            BROKEN_DOMAIN,
            commitment.deciding_authority,
            number,
        )
        for number in numbers
    ]
    if not is_persons(commitment):
        return tuple(decisions)
    regions = dict.fromkeys((commitment.origin_region, *former_owners(commitment)))
    own = (person_listing_id(x, region) for region in regions for x in decisions)
    return (*own, *decisions)


def _black_decision_number(
    commitment: Listing,
    cut: Callable[[str, int], str] | None = None,
    spelt: Callable[[str], str] = identity_text,
) -> str:
    """The black listing's decision number, of the commitment's as its id takes it: a space
    around it, inside the black listing's number, made another id, and the same breach was
    listed twice when the owner re-sent the promise so spelt (review 388). ``cut`` as it was
    before numbers were masked in it (review 357), ``spelt`` as the number was spelt before
    this: a listing made so is still found under its id."""
    number = (cut or _cut)(spelt(commitment.decision_number), 150)
    return f"{number}-违诺-{_mark(commitment)}"


def _cut(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with any resident ID number the join or the cut
    made masked: intake judged the commitment's fields one by one, and a decision number ending
    in six digits before a reason starting with eight, or a 19-digit run cut to 18, is a number
    deliveries would carry in full to every region (review 354). Masking may lengthen the text
    (a number written in fewer characters than its mask, ⒈ for "1.", or text shown in its NFKC
    form where no place of it maps): cut and masked again until it holds (review 357: the entry
    failed its length, and the tick on that commitment for good)."""
    cut = text[:limit].rstrip("\r")
    while (masked := resident_ids_masked(cut)) != cut:  # each round masks digits: it ends
        cut = masked[:limit].rstrip("\r")
    return cut


def unlisted(black: Listing, commitment: Listing, now: datetime) -> Listing | None:
    """``black`` revoked because the broken commitment it was made from was revoked or
    removed as corrected; ``None`` if it is withdrawn already or the operator gave it to
    another region (only its owner changes it now). One ended otherwise (repaired, expired) is
    revoked too: ended, it would still count as a true record for three years and close the
    subject's green channel, and subscribers would never hear it was withdrawn (review 296);
    its retention still counts from when it stopped applying. The commitment's own re-homing
    does not count: the record the listing stands on is still gone."""
    if black.status in WITHDRAWN:
        return None
    if rehomed(black) and black.origin_region != commitment.origin_region:
        return None
    return revoke_by_gateway(black, now, f"the broken commitment was {commitment.status.value}")


def black_listing_for(
    commitment: Listing, policy: BrokenCommitmentPolicy, now: datetime
) -> Listing:
    """The black listing a broken commitment becomes under its owner's ``policy``."""
    made = commitment.commitment
    if made is None or made.outcome_on is None:
        raise ValueError("not a broken commitment")
    terms = policy.terms_for(made.outcome_on)
    entry = ListingEntry.model_validate(
        {
            "credit_code": commitment.credit_code,
            "subject_name": commitment.subject_name,
            "kind": ListKind.BLACK,
            "domain": BROKEN_DOMAIN,
            "severity": terms.severity,
            "reason": _cut(
                f"违背信用承诺（{commitment.decision_number}）：{commitment.reason}", 4000
            ),
            "legal_basis": terms.legal_basis,
            "deciding_authority": commitment.deciding_authority,
            "decision_number": _black_decision_number(commitment),
            "decided_on": made.outcome_on,
            "valid_from": made.outcome_on,
            # the breach is the conduct: erased with the promise, five years on (review 296:
            # its period's end started a later clock, the promise quoted a year or three more)
            "conduct_ended_on": made.outcome_on,
            "responsible_persons": commitment.responsible_persons,
            "origin_region": commitment.origin_region,
            "source_updated_at": commitment.source_updated_at,
            "source_sequence": commitment.source_sequence,
        }
    )
    return promote(entry, commitment.origin_region, now)


def breach_kept(held: Listing, conduct_ended_on: date | None) -> date | None:
    """The conduct end a new version of ``held`` carries: of a black listing the gateway made
    of a broken promise, the breach it set (the promise's outcome), which no platform names —
    an owner's correction would clear it, or move it later, and keep the person's listing
    years past the promise it quotes (review 299); any other's, as given."""
    made_by_gateway = held.domain == BROKEN_DOMAIN and held.kind is ListKind.BLACK
    if not made_by_gateway or held.conduct_ended_on is None:
        return conduct_ended_on
    return min(held.conduct_ended_on, conduct_ended_on or held.conduct_ended_on)


def _mark(commitment: Listing) -> str:
    """A keyed mark of the commitment (the identity key's HMAC): no region can compute it, so
    none can push a listing under the id the owner's policy will give its broken promise."""
    return listing_id(commitment.listing_id, ListKind.BLACK, f"{BROKEN_DOMAIN}#mark", "", "")[-10:]


def to_list(held: Sequence[Listing], policy_of: PolicyLookup, now: datetime) -> list[Listing]:
    """The black listings one subject's broken commitments are due, and not yet given."""
    present = {x.listing_id for x in held}
    due = []
    for listing in held:
        policy = policy_of(listing.origin_region) if broken(listing) else None
        if policy is not None and _under(listing, policy):
            black = black_listing_for(listing, policy, now)
            listed = present.intersection(black_listing_ids(listing))
            if not listed and not _ended(black, now):
                due.append(black)
    return due


def _under(commitment: Listing, policy: BrokenCommitmentPolicy) -> bool:
    """Broken on or after the day the policy was set."""
    made = commitment.commitment
    broken_on = made.outcome_on if made is not None else None
    return policy.since is None or (broken_on is not None and broken_on >= policy.since)


def read_again_on(listing: Listing, today: date) -> date | None:
    """Tomorrow, for a commitment broken today that no policy listed: a policy its owner sets
    later today applies to it (``since`` is today), and the tick may have read it already."""
    made = listing.commitment
    if broken(listing) and made is not None and made.outcome_on == today:
        return today + timedelta(days=1)
    return None


def _ended(black: Listing, now: datetime) -> bool:
    """A period that ended by today (a commitment broken long ago): a push of it would be
    refused ``period_ended``, so the tick does not put it in force either."""
    ends = effective_valid_until(black)
    return ends is not None and ends <= china_date(now)


def unsettles(held: Listing, update: ListingEntry) -> bool:
    """Whether ``update`` changes ``held``'s commitment once its outcome is recorded: the
    record is final as it stands (a black listing may stand on its outcome and its date)."""
    settled = held.commitment is not None and held.commitment.outcome is not None
    return settled and update.commitment != held.commitment


def overdue(listing: Listing, today: date) -> dict[str, str] | None:
    """What the owner is told of an open commitment past its deadline."""
    made = listing.commitment
    if made is None or made.deadline is None or not made.overdue(today):
        return None
    if listing.status is not ListingStatus.ACTIVE:
        return None
    return {
        "listing_id": listing.listing_id,
        "origin_region": listing.origin_region,
        "kind": made.kind.value,
        "deadline": made.deadline.isoformat(),
        "deciding_authority": listing.deciding_authority,
        "decision_number": listing.decision_number,
    }
