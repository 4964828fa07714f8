"""A court defaulter (失信被执行人) is a black listing by law whatever severity was pushed
(``black_list_by_law``), and is judged serious wherever a severity is compared: a 严重失信
agreement (``min_severity: serious``, the README's example) recognises it, serious-only
catalogue measures apply to it, and it counts toward intensified punishment (review 400: one
pushed as general was refused ``severity_below_threshold`` by the agreement, masked for its
subscriber, left out of 湖南's flag and of 市场和行业禁入)."""

from __future__ import annotations

from app_support import (
    CREDIT_CODE,
    DAYE,
    HUBEI,
    HUNAN,
    agreement_terms,
    create_agreement,
    daye_black_entry,
)


def test_a_court_defaulter_pushed_as_general_is_recognised_by_a_serious_only_agreement(gateway):
    gateway.put_region(HUNAN, name="湖南省")
    gateway.put_region(HUBEI, name="湖北省")
    daye = gateway.register_platform(DAYE)
    pushed = gateway.push(daye, DAYE, [daye_black_entry(severity="general")])
    assert pushed.json_body["accepted"] == 1, pushed.json_body
    made = create_agreement(gateway, agreement_terms())  # min_severity: serious
    assert made.status_code == 201, made.json_body

    view = gateway.client.http.get(
        f"/v1/subjects/{CREDIT_CODE}?as={HUNAN}", headers=gateway.operator()
    )

    assert view.status_code == 200, view.json_body
    [listing] = view.json_body["listings"]
    assert listing["listed_as"] == "black_list"  # joint punishment by law
    # ... so the 严重失信 agreement recognises it, with the agreement's measures
    assert (listing["recognised"], listing["reasons"]) == (True, [])
    assert [m["measure_id"] for m in listing["measures"]] == [
        "strict_licensing_review",
        "restrict_franchise",
    ]


def test_a_court_defaulter_pushed_as_general_gets_the_serious_measures_in_its_own_province(gateway):
    """Its own subtree applies every catalogue measure that fits: 市场和行业禁入
    (``market_entry_ban``, min_severity serious) fits a court defaulter, serious by law."""
    daye = gateway.register_platform(DAYE)
    gateway.put_region(HUBEI, name="湖北省")
    serious = daye_black_entry(
        decision_number="(2024)鄂0281执1号", credit_code="91430100687234560U"
    )
    general = daye_black_entry(severity="general")
    assert gateway.push(daye, DAYE, [serious, general]).json_body["accepted"] == 2

    def measures(code: str) -> list[str]:
        view = gateway.client.http.get(
            f"/v1/subjects/{code}?as={HUBEI}", headers=gateway.operator()
        )
        [listing] = view.json_body["listings"]
        assert listing["listed_as"] == "black_list"
        return sorted(m["measure_id"] for m in listing["measures"])

    assert "market_entry_ban" in measures("91430100687234560U")
    assert measures(CREDIT_CODE) == measures("91430100687234560U")


def test_a_court_defaulter_pushed_as_general_counts_toward_intensified_punishment_where_recognised(
    gateway,
):
    """Two black listings in two domains that 湖南's 严重失信 agreement covers: 加大联合惩戒力度
    for 湖南 (a court defaulter counts toward it whatever severity its court typed)."""
    gateway.put_region(HUNAN, name="湖南省")
    gateway.put_region(HUBEI, name="湖北省")
    daye = gateway.register_platform(DAYE)
    tax = daye_black_entry(
        domain="major_tax_violation",
        deciding_authority="国家税务总局大冶市税务局",
        decision_number="大税稽罚〔2024〕3号",
    )
    court = daye_black_entry(severity="general")
    assert gateway.push(daye, DAYE, [court, tax]).json_body["accepted"] == 2
    terms = agreement_terms(domains=["court_defaulter", "major_tax_violation"])
    assert create_agreement(gateway, terms).status_code == 201

    own = gateway.client.http.get(
        f"/v1/subjects/{CREDIT_CODE}?as={HUBEI}", headers=gateway.operator()
    )
    hunan = gateway.client.http.get(
        f"/v1/subjects/{CREDIT_CODE}?as={HUNAN}", headers=gateway.operator()
    )

    assert own.json_body["intensified"] is True  # both black listings, in their own province
    assert hunan.json_body["intensified"] is True
