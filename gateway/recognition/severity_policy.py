"""Which severities make a black listing (黑名单: joint punishment) and which only a dishonesty
record (失信记录).

Seed 000 二(二)1 puts serious dishonesty (将严重失信行为纳入“黑名单”) on the black list, and
国办发〔2020〕49号 reserves joint punishment for 严重失信主体; a deployment may widen that
(``CG_BLACK_LIST_SEVERITIES``). A record is still exchanged, recognised, queryable and counted,
but it carries no joint-punishment measures and does not count toward intensified punishment.
A domain the law lists as serious whatever the severity pushed (``black_list_by_law``: 失信被执行人)
is always a black listing.

The policy is set once at start-up, like the listing-identity key, so that every path that
judges a listing (fan-out, agreement re-evaluation, the one-stop query, batch checks,
statistics) judges it the same way; until then it is the default, serious only.
"""

from __future__ import annotations

from pydantic import Field

from gateway_client.contract import Frozen, ListedAs, Listing, ListKind, Severity, load_catalogue

SERIOUS_ONLY = frozenset({Severity.SERIOUS})


class SeverityPolicy(Frozen):
    black_list: frozenset[Severity] = Field(
        default=SERIOUS_ONLY,
        min_length=1,
        description="severities listed as black listings; the others are dishonesty records",
    )

    def listed_as(self, listing: Listing) -> ListedAs | None:
        """``None`` for anything but a black-list entry."""
        if listing.kind is not ListKind.BLACK:
            return None
        domain = load_catalogue().domain(listing.domain)
        if listing.severity in self.black_list or (domain is not None and domain.black_list_by_law):
            return ListedAs.BLACK_LIST
        return ListedAs.DISHONESTY_RECORD


_policy = SeverityPolicy()


def use_severity_policy(policy: SeverityPolicy) -> None:
    """Set by the adapter that reads the deployment's settings, before any request is served."""
    global _policy
    _policy = policy


def severity_policy() -> SeverityPolicy:
    return _policy


def punishes(listing: Listing) -> bool:
    """A black listing under the policy: the entries joint punishment follows from."""
    return _policy.listed_as(listing) is ListedAs.BLACK_LIST
