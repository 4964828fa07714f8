"""Everything that walks the region tree, now that the nation (100000) is its root and the
national sources (1000NN) hang under it: ownership, pushes, bulk lines, subscription filters,
agreements, recognition and objection policies.

The seeds move lists county → city → province → nation (seed 001 二(四)2, seed 004 二(二)2) and
name national sector sources (seed 003 (十一): the court's 执行信息公开网). A root above every
province must not become a super-owner: the national platform and the sources list in their own
name only, and a source only in its domains.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from builders import NOW, entry, listing, make_signer, make_uscc, platform_key, signed_push
from test_ingest import Gateway, lid
from test_stats import stats_for

from gateway.intake.admission import origin_problem
from gateway.intake.bulk_batches import parse_batch
from gateway.intake.push import PushResult
from gateway.lifecycle.objection_policies import RegionPolicy, shipped_policies
from gateway.ownership import may_change
from gateway.recognition.agreement import SourceScope
from gateway.recognition.matching import NATIONAL_SOURCE, OWN_SUBTREE, recognise
from gateway.registry import Region
from gateway_client.contract import (
    DEFAULT_TOLERANCE,
    Line,
    ListingEntry,
    ListKind,
    SubscriptionFilters,
)
from gateway_client.contract.events import NotRecognised

NATION, COURT, TAX, HUNAN, CHANGSHA = "100000", "100001", "100002", "430000", "430100"

PLATFORMS = {
    NATION: Region(code=NATION, name="信用中国", kind="national_platform"),
    COURT: Region(
        code=COURT, name="最高人民法院", kind="national_source", domains=("court_defaulter",)
    ),
    TAX: Region(
        code=TAX, name="国家税务总局", kind="national_source", domains=("major_tax_violation",)
    ),
    HUNAN: Region(code=HUNAN, name="湖南省"),
    CHANGSHA: Region(code=CHANGSHA, name="长沙市"),
}


@pytest.mark.parametrize(
    ("origin", "actor", "may"),
    [
        (CHANGSHA, HUNAN, True),  # a relaying province, as before
        (CHANGSHA, NATION, False),  # the nation is every listing's ancestor, yet relays nothing
        (HUNAN, NATION, False),
        (NATION, NATION, True),  # what it listed itself
        (HUNAN, COURT, False),  # a source cannot change a province's listing
        (COURT, COURT, True),  # a source owns what it listed
        (TAX, COURT, False),  # and nothing of another source's
        (COURT, HUNAN, False),  # a province cannot change a source's listing
        (NATION, HUNAN, False),
    ],
)
def test_ownership_with_the_nation_and_national_sources(origin: str, actor: str, may: bool) -> None:
    assert may_change(origin, actor, PLATFORMS[actor].relays_subregions) is may


class National(Gateway):
    """The push service with the nation, the court source and 长沙市 registered."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.signers = {code: make_signer(f"k-{code}") for code in (NATION, COURT, CHANGSHA)}
        for code, signer in self.signers.items():
            self.registry.put_region(PLATFORMS[code])
            self.registry.put_key(platform_key(signer, code))

    def push_as(self, code: str, entries: list[Any], batch_id: str) -> PushResult:
        headers, body = signed_push(self.signers[code], code, entries, batch_id, self.clock.now())
        return self.service.push(headers, body)


def court_entry(**overrides: Any) -> dict[str, Any]:
    court = {
        "credit_code": make_uscc(7, "91430100"),
        "deciding_authority": "长沙市中级人民法院",
        "decision_number": "(2025)湘01执77号",
    }
    return entry(**(court | overrides))


def tax_entry() -> dict[str, Any]:
    return court_entry(
        domain="major_tax_violation",
        deciding_authority="国家税务总局长沙市税务局",
        decision_number="长税稽罚〔2025〕9号",
        legal_basis="《重大税收违法失信主体信息公布管理办法》第六条",
    )


def errors(result: PushResult) -> list[tuple[int, str, str]]:
    return [(e.index, e.field, e.code) for e in result.errors]


def test_a_source_pushes_in_its_domain_and_is_refused_outside_it_per_entry() -> None:
    gw = National()

    result = gw.push_as(COURT, [court_entry(), tax_entry()], "court-1")

    assert (result.accepted, errors(result)) == (1, [(1, "domain", "domain_not_permitted")])
    assert list(gw.store.listings) == [lid(court_entry())]
    assert gw.store.listings[lid(court_entry())].origin_region == COURT


@pytest.mark.parametrize(
    ("pusher", "overrides", "expected"),
    [
        pytest.param(NATION, {"origin_region": CHANGSHA}, "relay_not_permitted", id="nation-relay"),
        pytest.param(COURT, {"origin_region": CHANGSHA}, "region_not_permitted", id="source-relay"),
        pytest.param(
            CHANGSHA, {"origin_region": COURT}, "region_not_permitted", id="city-as-source"
        ),
        pytest.param(
            CHANGSHA, {"origin_region": NATION}, "region_not_permitted", id="city-as-nation"
        ),
    ],
)
def test_no_one_claims_an_origin_across_the_national_tier(
    pusher: str, overrides: dict[str, Any], expected: str
) -> None:
    gw = National()

    result = gw.push_as(pusher, [court_entry(**overrides)], "claim-1")

    assert errors(result) == [(0, "origin_region", expected)]
    assert gw.store.listings == {}


@pytest.mark.parametrize("taker", [NATION, COURT])
def test_the_nation_and_a_source_cannot_take_over_a_citys_listing(taker: str) -> None:
    gw = National()
    assert gw.push_as(CHANGSHA, [court_entry()], "cs-1").accepted == 1
    before = dict(gw.store.listings)

    newer = court_entry(source_updated_at="2025-03-03T08:00:00+08:00", reason="改写")
    result = gw.push_as(taker, [newer], "take-1")

    assert errors(result) == [(0, "credit_code", "not_listing_owner")]
    assert gw.store.listings == before


def test_a_source_bulk_line_outside_its_domains_is_refused() -> None:
    lines = [
        Line(1, 10, json.dumps(court_entry(), ensure_ascii=False).encode()),
        Line(2, 20, json.dumps(tax_entry(), ensure_ascii=False).encode()),
    ]

    parsed = parse_batch(lines, COURT, False, NOW, DEFAULT_TOLERANCE, ("court_defaulter",))

    assert [n for n, _ in parsed.candidates] == [1]
    assert [(e.line, e.field, e.code) for e in parsed.errors] == [
        (2, "domain", "domain_not_permitted")
    ]


@pytest.mark.parametrize(
    ("roots", "origin", "admits"),
    [
        ((NATION,), CHANGSHA, True),  # the nation's subtree is everything
        ((NATION,), COURT, True),
        ((COURT,), COURT, True),
        ((COURT,), HUNAN, False),
        ((HUNAN,), COURT, False),  # a province's subtree holds no national source
    ],
)
def test_subscription_source_regions_with_the_nation(
    roots: tuple[str, ...], origin: str, admits: bool
) -> None:
    filters = SubscriptionFilters(source_regions=roots)
    assert filters.admits(ListKind.BLACK, "court_defaulter", origin) is admits


@pytest.mark.parametrize(
    ("scope", "origin", "covers"),
    [
        (SourceScope(region=NATION), CHANGSHA, True),
        (SourceScope(region=NATION, subtree=False), CHANGSHA, False),
        (SourceScope(region=COURT), COURT, True),
        (SourceScope(region=COURT), TAX, False),
    ],
)
def test_agreement_sources_with_the_nation(scope: SourceScope, origin: str, covers: bool) -> None:
    assert scope.covers(origin) is covers


def test_the_national_platform_recognises_every_listing_as_its_own_subtree() -> None:
    """信用中国 receives what every province reports upward (seed 004 二(二)2)."""
    held = listing(region=CHANGSHA)

    seen = recognise(held, NATION, [], date(2025, 6, 2))

    assert (seen.recognised, seen.basis) == (True, (OWN_SUBTREE,))


def test_every_region_recognises_a_national_sources_listing_with_its_default_measures() -> None:
    """A court's 失信被执行人 applies everywhere (the memoranda are national: seed 001 二(四)2),
    including the measures aimed at its responsible persons (限制高消费)."""
    held = listing(region=COURT)

    seen = recognise(held, HUNAN, [], date(2025, 6, 2))

    assert (seen.recognised, seen.basis) == (True, (NATIONAL_SOURCE,))
    assert "restrict_high_consumption" in [m.measure_id for m in seen.measures]


def test_a_provinces_listing_still_needs_an_agreement_in_another_province() -> None:
    held = listing(region=CHANGSHA)

    seen = recognise(held, "440000", [], date(2025, 6, 2))

    assert (seen.recognised, seen.reasons) == (False, (NotRecognised.NO_AGREEMENT,))


def test_an_objection_policy_set_for_the_nation_applies_where_no_nearer_one_does() -> None:
    """Seed 002 §六(三) and seed 001 §二(四)6 stay with their regions; the nation's applies to
    the rest (and to the national sources) instead of the built-in default's general terms; the
    court's own 15 days (法释〔2017〕7号 第十二条) still hold for court defaulters."""
    book = shipped_policies()
    national = RegionPolicy.model_validate(
        {**book.default.model_dump(exclude={"domains"}), "deadline": 15, "source": "national"}
    )
    with_nation = book.model_copy(update={"regions": {**book.regions, NATION: national}})
    terms = national.for_domain("food_drug")

    assert with_nation.for_listing("440100", "food_drug") == terms
    assert with_nation.for_listing(COURT, "food_drug") == terms
    assert (
        with_nation.for_listing(COURT, "court_defaulter") == book.default.domains["court_defaulter"]
    )
    assert with_nation.for_listing("410184", "food_drug") == book.for_listing("410184", "food_drug")
    assert book.for_listing("440100", "food_drug") == book.default.for_domain("food_drug")


def test_the_nations_monthly_statistics_sum_every_province() -> None:
    """信用中国's statistics cover what every province reports (seed 004 二(二)2)."""
    nation, guangdong, hubei = (stats_for(region=r) for r in (NATION, "440000", "420000"))

    assert nation.pushes.accepted == guangdong.pushes.accepted + hubei.pushes.accepted == 24
    assert nation.repairs == guangdong.repairs + hubei.repairs


@pytest.mark.parametrize("origin", [CHANGSHA, HUNAN, COURT])
def test_the_nation_changes_nothing_it_did_not_list_whatever_its_stored_policy(
    origin: str,
) -> None:
    """Ownership does not rest on the registry alone: even told that it relays, the nation
    (every listing's ancestor) neither changes nor claims a listing of anyone else."""
    assert may_change(origin, NATION, True) is False
    assert may_change(NATION, NATION, True) is True
    claimed = ListingEntry.model_validate(court_entry(origin_region=origin))
    assert origin_problem(claimed, NATION, True) == (
        "relay_not_permitted",
        f"{NATION} does not relay its sub-regions' listings; {origin} pushes its own",
    )
