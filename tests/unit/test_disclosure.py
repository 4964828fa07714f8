"""Who sees a listing, and how: the operator, the owner and a recognising region in full; other
signers masked; anyone the public view of what is in force (``gateway.recognition.disclosure``)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from builders import NOW, RESIDENT_ID, agreement, listing, make_resident_id, person, with_status

from gateway.recognition.disclosure import (
    ANONYMOUS,
    Disclosure,
    Viewer,
    disclosure,
    reveals_resident_id,
    shown,
)
from gateway_client.contract.codes import mask
from gateway_client.contract.listing import Listing, ListingStatus

ON = NOW.date()
OPERATOR = Viewer(kind="operator")
PERSON_ID = make_resident_id("19850315", 217, "110108")
# The listing is 清城区's (441802), in 清远市 (441800), in 广东 (440000); 湖南 (430000) has the
# builders' agreement recognising 广东's black lists; 湖北 (420000) has none.
PERSON = listing(
    credit_code=RESIDENT_ID,
    subject_name="李某某",
    origin_region="441802",
    responsible_persons=[person("李某某", "directly_responsible", PERSON_ID)],
)
IN_FORCE = agreement()
ENDED = agreement(effective_until=str(ON - timedelta(days=1)))


def region(code: str, relays: bool = True) -> Viewer:
    return Viewer(kind="region", region=code, relays_subregions=relays, key_id=f"k-{code}")


CASES = [
    # viewer, agreements, status → how it is shown (None: not at all)
    ("operator", OPERATOR, [], ListingStatus.ACTIVE, Disclosure.FULL),
    ("owner", region("441802"), [], ListingStatus.ACTIVE, Disclosure.FULL),
    ("relaying-ancestor", region("441800"), [], ListingStatus.ACTIVE, Disclosure.FULL),
    ("own-subtree", region("440000", relays=False), [], ListingStatus.ACTIVE, Disclosure.FULL),
    ("agreement-in-force", region("430000"), [IN_FORCE], ListingStatus.ACTIVE, Disclosure.FULL),
    ("agreement-ended", region("430000"), [ENDED], ListingStatus.ACTIVE, Disclosure.MASKED),
    ("no-agreement", region("420000"), [IN_FORCE], ListingStatus.ACTIVE, Disclosure.MASKED),
    ("sibling-county", region("441803"), [], ListingStatus.ACTIVE, Disclosure.MASKED),
    ("anonymous", ANONYMOUS, [], ListingStatus.ACTIVE, Disclosure.PUBLIC),
    ("anonymous-suspended", ANONYMOUS, [], ListingStatus.SUSPENDED, Disclosure.PUBLIC),
    (
        "agreement-suspended",
        region("430000"),
        [IN_FORCE],
        ListingStatus.SUSPENDED,
        Disclosure.MASKED,
    ),
    ("operator-revoked", OPERATOR, [], ListingStatus.REVOKED, Disclosure.FULL),
    ("owner-repaired", region("441802"), [], ListingStatus.REPAIRED, Disclosure.FULL),
    ("relay-expired", region("441800"), [], ListingStatus.EXPIRED, Disclosure.FULL),
    ("non-relaying-ancestor-expired", region("441800", False), [], ListingStatus.EXPIRED, None),
    ("agreement-revoked", region("430000"), [IN_FORCE], ListingStatus.REVOKED, None),
    ("anonymous-corrected", ANONYMOUS, [], ListingStatus.CORRECTED, None),
    ("anonymous-expired", ANONYMOUS, [], ListingStatus.EXPIRED, None),
]


@pytest.mark.parametrize(
    ("viewer", "agreements", "status", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_who_is_shown_a_listing_and_how(
    viewer: Viewer, agreements: list, status: ListingStatus, expected: Disclosure | None
) -> None:
    held = with_status(PERSON, status)

    assert disclosure(held, viewer, agreements, ON) == expected


def numbers(held: Listing) -> list[str | None]:
    return [held.credit_code, *(p.id_number for p in held.responsible_persons)]


def test_the_full_view_is_the_listing_as_held() -> None:
    assert shown(PERSON, Disclosure.FULL) == PERSON
    assert reveals_resident_id(PERSON)


def test_the_masked_view_masks_every_resident_id_as_a_delivery_does() -> None:
    seen = shown(PERSON, Disclosure.MASKED)

    assert numbers(seen) == [mask(RESIDENT_ID), mask(PERSON_ID)]
    assert seen.history == PERSON.history
    assert not reveals_resident_id(seen)


def test_the_public_view_holds_no_responsible_persons_id_nor_objection_nor_history() -> None:
    objected = with_status(PERSON, ListingStatus.SUSPENDED)
    objected = Listing.model_validate(
        {
            **objected.model_dump(),
            "objection": {
                "objection_id": "o-1",
                "filed_at": NOW,
                "filed_by": "441802",
                "reason": "本人对认定事实有异议",
                "deadline": ON,
                "deadline_basis": "seed",
                "suspends": True,
            },
        }
    )

    seen = shown(objected, Disclosure.PUBLIC)

    assert numbers(seen) == [mask(RESIDENT_ID), None]
    assert [p.name for p in seen.responsible_persons] == ["李某某"]
    assert (seen.objection, seen.history, seen.status) == (None, (), ListingStatus.SUSPENDED)


def test_a_companys_code_is_no_resident_id() -> None:
    company = listing(responsible_persons=[person("王某某", "legal_representative", None)])

    assert not reveals_resident_id(company)
    assert reveals_resident_id(
        listing(responsible_persons=[person("王某某", "legal_representative", PERSON_ID)])
    )
