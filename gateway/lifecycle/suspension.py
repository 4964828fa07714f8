"""Suspension while an objection is checked (核查期间): punishment waits for the check, an
incentive does not (联合惩戒措施在信息核实期间暂不执行; seeds 001 二(四)6 and 003).

Whether the listing punishes is judged on every write, as the listing is then: the owner may
correct a grade while it is checked, and a D tax grade raised to A stayed suspended, its
incentives withheld everywhere until the decision, while an A grade lowered to D under a
suspending objection stayed in force (review 395). The objection keeps what its filing's policy
says (``Objection.suspends``); the listing's kind and grade decide the rest."""

from __future__ import annotations

from gateway_client.contract import Listing, ListingStatus, ListKind, grade_in


def incentive(listing: Listing) -> bool:
    """A red listing, or a grade its scheme calls an incentive: nothing to suspend (review 391:
    an objection to one kept its incentives from the subject everywhere while it was checked)."""
    return listing.kind is ListKind.RED or grade_in(listing, "incentive_grades")


def checked_status(listing: Listing) -> ListingStatus:
    """The status of a listing in force while its objection is open: suspended where the
    objection suspends, the owner has its notice and the listing punishes; else in force."""
    objection = listing.objection
    checked = (ListingStatus.ACTIVE, ListingStatus.SUSPENDED)
    if listing.status not in checked or objection is None or not objection.open:
        return listing.status
    if objection.suspends and not objection.awaiting_notice and not incentive(listing):
        return ListingStatus.SUSPENDED
    return ListingStatus.ACTIVE
