"""Administrative division codes: the county → city → province → nation tree.

Lists move upward to the nation (seed 001 二(四)2 "与国家有关部委…共享", seed 004 二(二)2
"报送至'信用湖北'和'信用中国'"), so the nation (100000) is the tree's root, and the national
sources (seed 003 (十一): the court's 执行信息公开网) sit directly under it as 1000NN.
"""

from __future__ import annotations

import pytest

from gateway_client.contract.regions import (
    ancestors,
    check_region_code,
    is_division,
    is_national_source,
    parent,
    subtree_prefix,
    within,
)


def test_a_county_sits_in_its_city_province_and_the_nation() -> None:
    assert ancestors("441802") == ["441802", "441800", "440000", "100000"]


@pytest.mark.parametrize(
    ("code", "up"),
    [
        ("410184", "410100"),
        ("410100", "410000"),
        ("430000", "100000"),  # a province's parent is the nation (seed 004 二(二)2)
        ("100001", "100000"),  # a national source (court) sits under the nation
        ("100099", "100000"),
        ("100000", None),  # the root
    ],
)
def test_parent_walks_county_city_province_nation(code: str, up: str | None) -> None:
    assert parent(code) == up


@pytest.mark.parametrize(
    ("code", "chain"),
    [
        ("100000", ["100000"]),
        ("100001", ["100001", "100000"]),
        ("430000", ["430000", "100000"]),
    ],
)
def test_ancestors_end_at_the_nation(code: str, chain: list[str]) -> None:
    assert ancestors(code) == chain


@pytest.mark.parametrize(
    ("code", "root", "inside"),
    [
        ("441802", "441802", True),
        ("441802", "441800", True),
        ("441802", "440000", True),
        ("441800", "441802", False),
        ("441802", "441900", False),
        ("420281", "440000", False),
        ("420281", "100000", True),  # everything lies in the nation's subtree
        ("100001", "100000", True),
        ("100000", "100000", True),
        ("100000", "430000", False),  # the nation is in no province
        ("100001", "430000", False),  # nor is a national source
        ("430000", "100001", False),  # and a source's subtree is only itself
        ("100002", "100001", False),
    ],
)
def test_within_means_the_root_itself_or_its_subtree(code: str, root: str, inside: bool) -> None:
    assert within(code, root) is inside


@pytest.mark.parametrize(
    "code",
    [
        "",
        "44180",
        "4418020",
        "041802",
        "44180a",
        "４４１８０２",  # full-width digits
        "44180２",  # ASCII start, full-width last digit
        "4٤١٨٠٢",  # Arabic-Indic digits
    ],
)
def test_a_region_code_is_six_ascii_digits_not_starting_with_zero(code: str) -> None:
    with pytest.raises(ValueError, match="6-digit"):
        check_region_code(code)


@pytest.mark.parametrize(
    ("code", "prefix"),
    [
        ("430000", "43"),
        ("430100", "4301"),
        ("430102", "430102"),
        ("100000", ""),  # the nation's subtree is every code
        ("100001", "100001"),  # a source's is its own code
    ],
)
def test_subtree_prefix_is_what_every_code_below_shares(code: str, prefix: str) -> None:
    assert subtree_prefix(code) == prefix
    assert all(c.startswith(prefix) for c in ("430102", "100001", "441802") if within(c, code))


@pytest.mark.parametrize(
    ("code", "source", "division"),
    [
        ("100001", True, False),
        ("100099", True, False),
        ("100000", False, False),
        ("100100", False, False),  # reserved block, but no source code either
        ("110000", False, True),  # 北京市: no GB/T 2260 province starts with 10
        ("430000", False, True),
    ],
)
def test_the_10_block_is_reserved_for_the_nation_and_its_sources(
    code: str, source: bool, division: bool
) -> None:
    assert (is_national_source(code), is_division(code)) == (source, division)
