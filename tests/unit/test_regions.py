"""Administrative division codes: the county → city → province tree."""

from __future__ import annotations

import pytest

from gateway_client.contract.regions import ancestors, check_region_code, parent, within


def test_a_county_sits_in_its_city_and_province() -> None:
    assert ancestors("441802") == ["441802", "441800", "440000"]


def test_a_province_has_no_parent() -> None:
    assert parent("430000") is None


@pytest.mark.parametrize(
    ("code", "root", "inside"),
    [
        ("441802", "441802", True),
        ("441802", "441800", True),
        ("441802", "440000", True),
        ("441800", "441802", False),
        ("441802", "441900", False),
        ("420281", "440000", False),
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
