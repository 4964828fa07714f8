"""Whose objection policy applies: the listing owner's (its ``origin_region``, else the nearest
enclosing region with a policy), for the listing's domain where that region sets one apart —
never the filer's (``data/objection_policies.json``)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from pydantic import Field

from gateway_client.contract import NATION, Frozen, ObjectionTerms, ancestors

ObjectionPolicy = ObjectionTerms
"""A policy is the terms an objection filed under it carries (``Objection.terms``)."""


class RegionPolicy(ObjectionTerms):
    """A region's policy, with the domains (重点领域 keys) it handles otherwise."""

    domains: dict[str, ObjectionTerms] = Field(default_factory=dict)

    def for_domain(self, domain: str) -> ObjectionTerms:
        chosen = self.domains.get(domain)
        if chosen is not None:
            return chosen
        return ObjectionTerms.model_validate(self.model_dump(exclude={"domains"}))


class PolicyBook(Frozen):
    version: str
    note: str = ""
    default: RegionPolicy
    regions: dict[str, RegionPolicy]

    def for_listing(self, origin_region: str, domain: str) -> ObjectionTerms:
        """The owner's policy: of the nearest region (itself, its city, its province) that has
        one, for ``domain`` where that region names it; else the default, for ``domain`` where
        national rules name it (a court defaulter's review: 法释〔2017〕7号 第十二条). A policy
        for the nation itself replaces the default's general terms, not the deadlines national
        rules set apart for a domain: those hold unless it names the domain too (review 333),
        with its own word on suspension."""
        for region in ancestors(origin_region):
            policy = self.regions.get(region)
            if policy is None:
                continue
            national = self.default.domains.get(domain)
            if region == NATION and national is not None and domain not in policy.domains:
                # the rule's deadline; whether filing suspends, as the nation's policy says
                # (the court rule says nothing of it: review 345)
                return national.model_copy(update={"suspends": policy.suspends})
            return policy.for_domain(domain)
        return self.default.for_domain(domain)


@cache
def shipped_policies() -> PolicyBook:
    text = resources.files("gateway.data").joinpath("objection_policies.json").read_text("utf-8")
    return PolicyBook.model_validate(json.loads(text))
