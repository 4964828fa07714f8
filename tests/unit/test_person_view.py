"""落实到人 (seeds 001 二(三)6, 003 (十五)): the number a person query takes, the measures aimed
at persons by their roles, and what a person query shows whom (the one-stop query's
disclosure)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from builders import (
    NOW,
    RESIDENT_ID,
    agreement,
    listing,
    make_resident_id,
    make_uscc,
    measure,
    person,
)
from builders import with_status as moved

from gateway.persons import person_number, person_view, resident_id
from gateway.recognition import ANONYMOUS, Viewer
from gateway_client.contract import (
    BadRequest,
    Listing,
    ListingStatus,
    MeasureTarget,
    PersonRole,
    mask,
    person_measures,
    roles_in,
)

ON = NOW.date()
REPRESENTATIVE = make_resident_id("19850315", 217, "110108")
PRINCIPAL = make_resident_id("19790601", 33, "110105")
COMPANY = make_uscc(7)
LEGAL = PersonRole.LEGAL_REPRESENTATIVE


def company(*persons: dict[str, object], **overrides: object) -> Listing:
    """清城区's (441802) black listing of a company naming ``persons``."""
    return listing(
        credit_code=COMPANY, origin_region="441802", responsible_persons=list(persons), **overrides
    )


# -- the number asked about --


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        (mask(REPRESENTATIVE), "masked"),
        (REPRESENTATIVE[:-1] + ("0" if REPRESENTATIVE[-1] != "0" else "1"), "wrong check digit"),
        (COMPANY, "an organisation's code"),
        ("not a number", "no code"),
    ],
)
def test_only_a_full_valid_resident_id_number_can_be_looked_up(given: str, reason: str) -> None:
    with pytest.raises(BadRequest) as refused:
        person_number(given, ON)
    assert refused.value.context == {"path": "id_number", "reason": "not_a_resident_id"}, reason


def test_a_lower_case_check_character_is_looked_up_as_its_compact_form() -> None:
    assert person_number(RESIDENT_ID.lower(), ON) == RESIDENT_ID
    assert resident_id(RESIDENT_ID.lower()) == RESIDENT_ID


def test_a_number_born_after_today_is_refused_as_the_one_stop_query_refuses_it() -> None:
    born = date(1949, 12, 31)  # RESIDENT_ID's birth date
    assert person_number(RESIDENT_ID, born) == RESIDENT_ID
    with pytest.raises(BadRequest) as refused:
        person_number(RESIDENT_ID, born - timedelta(days=1))
    assert refused.value.context == {"path": "id_number", "reason": "invalid_birth_date"}


# -- measures aimed at persons (targets, and the roles their sources name) --

SUBJECT_ONLY = measure("subject_only", targets=["subject"])
EVERY_ROLE = measure("every_role", targets=["subject", "responsible_person"])
NAMED_ROLES = measure(
    "named_roles",
    targets=["responsible_person"],
    person_roles=["legal_representative", "principal", "registered_practitioner"],
)

MEASURE_CASES = [
    # roles of the persons → the person measures (id, roles reached)
    ([LEGAL], [("every_role", [LEGAL]), ("named_roles", [LEGAL])]),
    ([PersonRole.SHAREHOLDER], [("every_role", [PersonRole.SHAREHOLDER])]),
    (
        [PersonRole.SHAREHOLDER, PersonRole.REGISTERED_PRACTITIONER],
        [
            ("every_role", [PersonRole.SHAREHOLDER, PersonRole.REGISTERED_PRACTITIONER]),
            ("named_roles", [PersonRole.REGISTERED_PRACTITIONER]),
        ],
    ),
    ([], []),
]


@pytest.mark.parametrize(("roles", "expected"), MEASURE_CASES)
def test_a_person_is_reached_by_the_measures_aimed_at_their_role(
    roles: list[PersonRole], expected: list[tuple[str, list[PersonRole]]]
) -> None:
    found = person_measures([SUBJECT_ONLY, EVERY_ROLE, NAMED_ROLES], roles)
    assert [(m.measure.measure_id, list(m.roles)) for m in found] == expected


def test_person_roles_belong_only_to_a_measure_aimed_at_persons() -> None:
    with pytest.raises(ValueError, match="person_roles"):
        measure("wrong", targets=["subject"], person_roles=["principal"])
    assert MeasureTarget.RESPONSIBLE_PERSON in EVERY_ROLE.targets


def test_a_measure_without_person_roles_dumps_as_before() -> None:
    assert "person_roles" not in EVERY_ROLE.model_dump(mode="json")


def test_the_roles_of_a_listing_are_each_listed_once_in_order() -> None:
    held = company(
        person("王某", "legal_representative", REPRESENTATIVE),
        person("王某", "shareholder", REPRESENTATIVE),
        person("刘某", "legal_representative", PRINCIPAL),
    )
    assert roles_in(held) == (LEGAL, PersonRole.SHAREHOLDER)


# -- what a person query shows (disclosure, as the one-stop query) --

OPERATOR = Viewer(kind="operator")


def region(code: str) -> Viewer:
    return Viewer(kind="region", region=code, relays_subregions=True, key_id=f"k-{code}")


COURT = company(
    person("王某", "legal_representative", REPRESENTATIVE),
    person("刘某", "principal", PRINCIPAL),
)
HUNAN = agreement()  # 湖南 (430000) recognises 广东's black lists, with one measure for all


VIEW_CASES = [
    # name, viewer, agreements, status → shown (None: 404), number in full, recognised
    ("owner", region("441802"), [], ListingStatus.ACTIVE, True, True),
    ("operator", OPERATOR, [], ListingStatus.ACTIVE, True, None),
    ("recognising-region", region("430000"), [HUNAN], ListingStatus.ACTIVE, True, True),
    ("region-without-agreement", region("420000"), [], ListingStatus.ACTIVE, False, False),
    ("owner-after-removal", region("441802"), [], ListingStatus.REVOKED, True, False),
    ("stranger-after-removal", region("420000"), [], ListingStatus.REVOKED, None, None),
]


@pytest.mark.parametrize(
    ("viewer", "agreements", "status", "in_full", "recognised"),
    [case[1:] for case in VIEW_CASES],
    ids=[case[0] for case in VIEW_CASES],
)
def test_a_person_is_shown_each_listing_as_the_one_stop_query_would_show_it(
    viewer: Viewer,
    agreements: list[object],
    status: ListingStatus,
    in_full: bool | None,
    recognised: bool | None,
) -> None:
    view = person_view(REPRESENTATIVE, [moved(COURT, status)], viewer, agreements, ON)  # type: ignore[arg-type]
    if in_full is None:
        assert view is None
        return
    assert view is not None
    [shown] = view.listings
    assert view.id_number == (REPRESENTATIVE if in_full else mask(REPRESENTATIVE))
    numbers = [p.id_number for p in shown.listing.responsible_persons]
    assert numbers == (
        [REPRESENTATIVE, PRINCIPAL] if in_full else [mask(REPRESENTATIVE), mask(PRINCIPAL)]
    )
    assert (shown.roles, shown.status, shown.recognised) == ((LEGAL,), status, recognised)


def test_the_owner_sees_the_court_measures_aimed_at_a_legal_representative() -> None:
    """Seed 001 二(三)3 and 003 (十二): 限制出境, 限制高消费, 限制购买不动产 reach the legal
    representative of a court defaulter (法释〔2015〕17号 names him)."""
    view = person_view(REPRESENTATIVE, [COURT], region("441802"), [], ON)
    assert view is not None
    [shown] = view.listings
    reached = {m.measure.measure_id: m.roles for m in shown.measures}
    assert {"restrict_exit", "restrict_high_consumption", "restrict_real_estate"} <= set(reached)
    assert all(roles == (LEGAL,) for roles in reached.values())
    assert all(MeasureTarget.RESPONSIBLE_PERSON in m.measure.targets for m in shown.measures)


def test_a_shareholder_is_not_reached_by_the_court_measures_but_by_revoked_honours() -> None:
    held = company(person("赵某", "shareholder", REPRESENTATIVE))
    view = person_view(REPRESENTATIVE, [held], region("441802"), [], ON)
    assert view is not None
    reached = {m.measure.measure_id for m in view.listings[0].measures}
    assert "revoke_honours" in reached
    assert not reached & {"restrict_exit", "restrict_high_consumption", "restrict_real_estate"}


def test_a_recognising_region_is_shown_its_agreements_measures_for_persons() -> None:
    aimed = measure("agreed_for_persons", targets=["responsible_person"])
    view = person_view(
        REPRESENTATIVE,
        [COURT],
        region("430000"),
        [agreement(measures=[measure().model_dump(mode="json"), aimed.model_dump(mode="json")])],
        ON,
    )
    assert view is not None
    assert [m.measure.measure_id for m in view.listings[0].measures] == ["agreed_for_persons"]


def test_a_listing_that_no_longer_names_the_number_is_not_shown() -> None:
    """The index is a hint: a stale entry pointing at a listing that dropped the person."""
    dropped = company(person("刘某", "principal", PRINCIPAL))
    assert person_view(REPRESENTATIVE, [dropped], OPERATOR, [], ON) is None


def test_an_anonymous_viewer_is_never_shown_a_number_in_full() -> None:
    view = person_view(REPRESENTATIVE, [COURT], ANONYMOUS, [], ON)
    assert view is not None
    assert view.id_number == mask(REPRESENTATIVE)
    assert all(p.id_number is None for p in view.listings[0].listing.responsible_persons)
