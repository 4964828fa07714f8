"""The registry's national tier: platforms that are not regions.

National ministries and sector platforms list (seed 003 (十一): the court's 执行信息公开网;
seed 001 二(四)2: 与国家有关部委…共享) and the national platform 信用中国 receives (seed 004
二(二)2: 报送至"信用中国"). Each kind has its codes: a region never 10xxxx, the national platform
100000, a national source 1000NN limited to its catalogue domains; neither national kind relays.
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from gateway.national import domain_problem
from gateway.registry import Region

COURT = {"code": "100001", "name": "最高人民法院", "kind": "national_source"}


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        pytest.param({"code": "430000", "name": "湖南省"}, ("region", (), True), id="province"),
        pytest.param(
            {"code": "100000", "name": "信用中国", "kind": "national_platform"},
            ("national_platform", (), False),
            id="nation-does-not-relay",
        ),
        pytest.param(
            {**COURT, "domains": ["court_defaulter", "court_defaulter"]},
            ("national_source", ("court_defaulter",), False),
            id="source-with-domains",
        ),
    ],
)
def test_each_kind_registers_with_its_codes(
    fields: dict[str, Any], expected: tuple[str, tuple[str, ...], bool]
) -> None:
    region = Region.model_validate(fields)
    assert (region.kind, region.domains, region.relays_subregions) == expected


@pytest.mark.parametrize(
    ("fields", "path", "code"),
    [
        pytest.param(
            {"code": "100001", "name": "x"}, "kind", "reserved_region_code", id="10-as-region"
        ),
        pytest.param(
            {"code": "100000", "name": "x"}, "kind", "reserved_region_code", id="nation-as-region"
        ),
        pytest.param(
            {"code": "430000", "name": "湖南省", "kind": "national_platform"},
            "kind",
            "not_the_nation",
            id="province-as-nation",
        ),
        pytest.param(
            {"code": "430000", "name": "湖南省", "kind": "national_source", "domains": ["tourism"]},
            "kind",
            "not_a_national_source_code",
            id="province-as-source",
        ),
        pytest.param(
            {"code": "100000", "name": "x", "kind": "national_source", "domains": ["tourism"]},
            "kind",
            "not_a_national_source_code",
            id="nation-as-source",
        ),
        pytest.param(COURT, "domains", "domains_required", id="source-without-domains"),
        pytest.param(
            {**COURT, "domains": ["no_such_domain"]}, "domains", "unknown_domain", id="unknown"
        ),
        pytest.param(
            {"code": "430000", "name": "湖南省", "domains": ["tourism"]},
            "domains",
            "domains_not_permitted",
            id="region-with-domains",
        ),
        pytest.param(
            {
                "code": "100000",
                "name": "信用中国",
                "kind": "national_platform",
                "relays_subregions": True,
            },
            "relays_subregions",
            "relay_not_permitted",
            id="nation-relaying",
        ),
        pytest.param(
            {**COURT, "domains": ["court_defaulter"], "relays_subregions": True},
            "relays_subregions",
            "relay_not_permitted",
            id="source-relaying",
        ),
        pytest.param({**COURT, "kind": "ministry"}, "kind", "literal_error", id="unknown-kind"),
    ],
)
def test_a_platform_that_does_not_fit_its_kind_is_refused_with_a_path(
    fields: dict[str, Any], path: str, code: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        Region.model_validate(fields)
    assert [(".".join(map(str, e["loc"])), e["type"]) for e in refused.value.errors()] == [
        (path, code)
    ]


@pytest.mark.parametrize(
    ("fields", "domain", "refused"),
    [
        ({**COURT, "domains": ["court_defaulter"]}, "court_defaulter", False),
        ({**COURT, "domains": ["court_defaulter"]}, "major_tax_violation", True),
        ({"code": "430000", "name": "湖南省"}, "major_tax_violation", False),
        ({"code": "100000", "name": "信用中国", "kind": "national_platform"}, "tourism", False),
    ],
)
def test_only_a_national_source_is_limited_to_its_domains(
    fields: dict[str, Any], domain: str, refused: bool
) -> None:
    platform = Region.model_validate(fields)
    problem = domain_problem(domain, platform.code, platform.domains)
    assert (problem is not None and problem[0] == "domain_not_permitted") is refused


def test_a_region_stored_before_kinds_reads_back_as_a_region() -> None:
    stored = (
        '{"code":"430000","name":"湖南省","push_rate_per_minute":null,"relays_subregions":true}'
    )
    assert Region.model_validate_json(stored).kind == "region"
