"""Listing identity and versions: what makes two pushes the same listing, and which is newer."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone

from builders import RESIDENT_ID, USCC

from gateway_client.contract.catalogue import ListKind
from gateway_client.contract.identity import (
    LOCAL_IDENTITY_SECRET,
    identity_key,
    listing_id,
    use_identity_key,
)
from gateway_client.contract.listing import version_of

AUTHORITY = "清远市清城区人民法院"
NUMBER = "(2025)粤1802执123号"


def court_listing(**parts: str) -> str:
    values = {
        "credit_code": USCC,
        "authority": AUTHORITY,
        "decision_number": NUMBER,
        "domain": "court_defaulter",
    } | parts
    return listing_id(
        values["credit_code"],
        ListKind.BLACK,
        values["domain"],
        values["authority"],
        values["decision_number"],
    )


def test_the_same_identity_fields_give_the_same_listing_id() -> None:
    assert court_listing() == court_listing()


def test_full_width_punctuation_in_the_decision_number_is_the_same_listing() -> None:
    assert court_listing(decision_number="（2025）粤1802执123号") == court_listing()


def test_surrounding_spaces_in_the_authority_are_the_same_listing() -> None:
    assert court_listing(authority=f"  {AUTHORITY} ") == court_listing()


def test_another_decision_number_is_another_listing() -> None:
    assert court_listing(decision_number="(2025)粤1802执124号") != court_listing()


def test_another_subject_is_another_listing() -> None:
    assert court_listing(credit_code=RESIDENT_ID) != court_listing()


def test_another_domain_is_another_listing() -> None:
    assert court_listing(domain="major_tax_violation") != court_listing()


def test_the_kind_is_part_of_the_identity() -> None:
    black = listing_id(USCC, ListKind.BLACK, "d", AUTHORITY, NUMBER)
    red = listing_id(USCC, ListKind.RED, "d", AUTHORITY, NUMBER)
    assert black != red


def test_identity_fields_cannot_be_shifted_across_the_separator() -> None:
    one = listing_id(USCC, ListKind.BLACK, "court_defaulter", "A B", "C")
    two = listing_id(USCC, ListKind.BLACK, "court_defaulter", "A", "B C")
    assert one != two


def test_a_later_update_time_is_a_newer_version() -> None:
    early = version_of(datetime(2025, 3, 2, 8, tzinfo=UTC), 99)
    late = version_of(datetime(2025, 3, 2, 8, 0, 0, 1, tzinfo=UTC), 0)
    assert early < late


def test_a_higher_sequence_at_the_same_time_is_a_newer_version() -> None:
    at = datetime(2025, 3, 2, 8, tzinfo=UTC)
    assert version_of(at, 9) < version_of(at, 10)


def test_the_same_instant_in_another_offset_is_the_same_version() -> None:
    beijing = timezone(timedelta(hours=8))
    assert version_of(datetime(2025, 3, 2, 16, tzinfo=beijing), 1) == version_of(
        datetime(2025, 3, 2, 8, tzinfo=UTC), 1
    )


def test_ids_are_keyed_by_the_deployments_secret_read_only_when_first_needed() -> None:
    reads: list[str] = []

    def deployment_key() -> bytes:
        reads.append("read")
        return identity_key("a deployment's secret")

    local = court_listing(credit_code=RESIDENT_ID)
    use_identity_key(deployment_key)
    assert reads == []

    deployed = court_listing(credit_code=RESIDENT_ID)

    assert reads == ["read"]
    assert deployed != local
    assert deployed == court_listing(credit_code=RESIDENT_ID)
    use_identity_key(lambda: identity_key(LOCAL_IDENTITY_SECRET))
    assert court_listing(credit_code=RESIDENT_ID) == local


def test_the_identity_key_is_not_the_secret_itself() -> None:
    assert identity_key("s" * 64) not in (b"s" * 64, identity_key("t" * 64))


def test_until_a_key_is_set_no_id_is_derived() -> None:
    """Fails closed: a fresh process has no key, not the publicly known local one."""
    script = (
        "from gateway_client.contract.catalogue import ListKind\n"
        "from gateway_client.contract.identity import listing_id\n"
        f"listing_id({RESIDENT_ID!r}, ListKind.BLACK, 'court_defaulter', 'a', 'b')\n"
    )
    ran = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)  # noqa: S603

    assert ran.returncode != 0
    assert "no listing identity key" in ran.stderr
    assert RESIDENT_ID not in ran.stderr
