"""What a subscription asks to be told: list kinds, domains and source regions (with their
subtrees); each left empty means all."""

from __future__ import annotations

from gateway_client.contract.catalogue import DomainKeys, ListKind
from gateway_client.contract.listing import Listing
from gateway_client.contract.model import Frozen
from gateway_client.contract.regions import RegionCode, within


class SubscriptionFilters(Frozen):
    """Empty tuples mean "all"; source regions match their whole subtree."""

    kinds: tuple[ListKind, ...] = ()
    domains: DomainKeys = ()
    source_regions: tuple[RegionCode, ...] = ()

    def matches(self, listing: Listing) -> bool:
        return self.admits(listing.kind, listing.domain, listing.origin_region)

    def admits(self, kind: ListKind, domain: str, origin_region: str) -> bool:
        return (
            (not self.kinds or kind in self.kinds)
            and (not self.domains or domain in self.domains)
            and (
                not self.source_regions
                or any(within(origin_region, root) for root in self.source_regions)
            )
        )

    def canonical(self) -> SubscriptionFilters:
        """The same filters spelled one way: each list sorted, once, and a source region
        within another listed left out (its subtree's root takes it). Two spellings of one
        meaning are the same terms: changing one for the other moves no ``terms_since``.
        Naming every kind or domain known today is not "all" (the catalogue may grow)."""
        roots = sorted(set(self.source_regions))
        return SubscriptionFilters(
            kinds=tuple(sorted(set(self.kinds))),
            domains=tuple(sorted(set(self.domains))),
            source_regions=tuple(
                r for r in roots if not any(o != r and within(r, o) for o in roots)
            ),
        )
