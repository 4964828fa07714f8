"""The catalogue is faithful to its sources: every domain and measure names where it comes from,
and every word it quotes from a seed is there, verbatim, in that seed (``docs/sources/``)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from gateway.recognition import load_measures
from gateway_client.contract import MeasureTarget, Source, load_catalogue

SOURCES = Path(__file__).resolve().parents[2] / "docs" / "sources"
SEEDS = ("000", "001", "002", "003", "004")
PINYIN = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)")  # 001's reading aids: 市(shì)


@cache
def seed_text(document: str) -> str:
    return PINYIN.sub("", (SOURCES / f"{document}.txt").read_text(encoding="utf-8"))


def problems(entry: str, sources: tuple[Source, ...]) -> list[str]:
    found = [] if sources else [f"{entry}: names no source"]
    for source in sources:
        if source.document in SEEDS:
            if not (source.section and source.quote):
                found.append(f"{entry}: seed {source.document} without section and quote")
            elif source.quote not in seed_text(source.document):
                found.append(f"{entry}: {source.quote!r} is not in seed {source.document}")
        elif not re.search(r"[\u4e00-\u9fff]", source.document):
            found.append(f"{entry}: {source.document!r} names no document")
    return found


def test_every_domain_names_its_sources_and_quotes_them_verbatim():
    found = [p for d in load_catalogue().domains for p in problems(d.key, d.sources)]
    assert found == []


def test_every_measure_names_its_sources_targets_and_legal_basis():
    found = [p for m in load_measures().measures for p in problems(m.measure_id, m.sources)]
    found += [m.measure_id for m in load_measures().measures if not m.legal_basis]
    assert found == []


@pytest.mark.parametrize(
    "label",
    [
        "政务失信",
        "虚假广告",
        "侵害消费者合法权益",
        "无证照经营",
        "恶意拖欠货款或服务费",
        "贿赂",
        "电信诈骗",
        "国家考试作弊",
        "拒不履行行政机关决定",
        "经营异常名录",
        "优秀青年志愿者",
    ],
)
def test_the_domains_the_seeds_name_are_in_the_catalogue(label):
    assert label in {d.label for d in load_catalogue().domains}


def test_the_measures_the_seeds_name_are_in_the_catalogue_aimed_as_they_say():
    measures = {m.measure_id: m for m in load_measures().measures}
    named = {
        "restrict_new_project_approval": "限制新增项目审批",
        "restrict_key_projects": "限制参与重点项目建设",
        "restrict_financial_institutions": "限制发起设立或参股金融机构",
        "restrict_exit": "限制出境",
        "restrict_real_estate": "限制购买不动产",
        "credit_loan_incentives": "信易贷",
        "promotion": "推介",
    }
    assert {k: v in measures[k].text for k, v in named.items()} == dict.fromkeys(named, True)
    to_persons = {
        m.measure_id for m in measures.values() if MeasureTarget.RESPONSIBLE_PERSON in m.targets
    }
    assert {"market_entry_ban", "revoke_honours", "restrict_high_consumption"} <= to_persons
    assert measures["credit_loan_incentives"].kinds == ("red",)


def test_a_delivered_measure_carries_its_basis_and_targets_but_not_the_catalogues_sources():
    shipped = load_measures().get("restrict_exit")

    assert shipped is not None
    assert "sources" not in shipped.model_dump()
    assert shipped.legal_basis
    assert shipped.targets == (MeasureTarget.SUBJECT, MeasureTarget.RESPONSIBLE_PERSON)
