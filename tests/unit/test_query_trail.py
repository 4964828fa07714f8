"""The query trail's rules: when a query leaves an entry, what the entry holds, who reads it."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from builders import NOW, RESIDENT_ID, USCC, listing, make_resident_id, person

from gateway.recognition.disclosure import ANONYMOUS, Viewer
from gateway.recognition.query import page_of, subject_view
from gateway.recognition.query_trail import entry_for, leaves_trail, subject_key, trail_key
from gateway_client.contract.codes import mask
from gateway_client.contract.errors import SchemaError
from gateway_client.contract.purposes import Purpose, purpose_of, required

ON = NOW.date()
OPERATOR = Viewer(kind="operator", key_id="arn:aws-cn:iam::1:role/ops")
REPRESENTATIVE = make_resident_id("19850315", 217, "110108")
PERSON = listing(credit_code=RESIDENT_ID, subject_name="李某某", origin_region="441802")
COMPANY = listing(
    responsible_persons=[person("王某某", "legal_representative", REPRESENTATIVE)],
    origin_region="441802",
)


def region(code: str, relays: bool = True) -> Viewer:
    return Viewer(kind="region", region=code, relays_subregions=relays, key_id=f"k-{code}")


def test_a_purpose_is_one_of_the_documented_set() -> None:
    assert purpose_of(None) is None
    assert purpose_of("subject_request") is Purpose.SUBJECT_REQUEST
    with pytest.raises(SchemaError) as unknown:
        purpose_of("curiosity")
    with pytest.raises(SchemaError) as missing:
        required(None)
    assert unknown.value.context["path"] == missing.value.context["path"] == "purpose"


@pytest.mark.parametrize(
    ("listings", "viewer", "trail"),
    [
        pytest.param([PERSON], region("420000"), True, id="a-person-even-masked"),
        pytest.param([COMPANY], region("420000"), False, id="a-company-masked"),
        pytest.param([COMPANY], ANONYMOUS, False, id="a-company-public"),
        pytest.param([COMPANY], region("441802"), True, id="a-company-to-its-owner"),
        pytest.param([COMPANY], OPERATOR, True, id="a-company-to-the-operator"),
    ],
)
def test_a_query_leaves_a_trail_when_it_shows_a_person_or_a_full_number(
    listings: list, viewer: Viewer, trail: bool
) -> None:
    view = subject_view(listings, None, [], ON, viewer)

    assert view is not None
    assert leaves_trail(view) is trail


def test_an_entry_names_the_asker_purpose_listings_owners_and_its_expiry_not_the_number() -> None:
    other = listing(credit_code=RESIDENT_ID, domain="food_drug", origin_region="420281")
    view = subject_view([PERSON, other], "430000", [], ON, OPERATOR)
    assert view is not None

    entry = entry_for(view, view, OPERATOR, Purpose.SUPERVISION, NOW, timedelta(days=1096))

    assert (entry.asked_by, entry.key_id, entry.purpose) == (
        "operator",
        OPERATOR.key_id,
        Purpose.SUPERVISION,
    )
    assert set(entry.listing_ids) == {PERSON.listing_id, other.listing_id}
    assert entry.owners == ("420281", "441802")
    assert (entry.as_region, entry.full_ids) == ("430000", True)
    assert entry.expires_at == int((NOW + timedelta(days=1096)).timestamp())
    assert entry.masked_code == mask(RESIDENT_ID)
    assert RESIDENT_ID not in entry.model_dump_json()
    assert entry.entry_id.startswith(NOW.strftime("%Y-%m-%dT%H:%M:%S"))


def test_a_page_s_entry_names_its_listings_and_the_owners_of_all_the_answer_stands_on() -> None:
    """Reviews 88 F1 and 89 F3: owners of every listing read a page's entry; its ids stay the
    page's, so a subject listed ten thousand times does not outgrow the entry's item."""
    many = [
        listing(credit_code=RESIDENT_ID, decision_number=f"第{n}号", origin_region="420281")
        for n in range(10_000)
    ]
    view = subject_view([PERSON, *many], "430000", [], ON, OPERATOR)
    assert view is not None

    page = page_of(view, 10_000, 100)  # the last page: one listing
    entry = entry_for(view, page, OPERATOR, Purpose.SUPERVISION, NOW, timedelta(days=1))

    assert len(entry.listing_ids) == 1
    assert (entry.owners, entry.full_ids) == (("420281", "441802"), True)
    assert len(entry.model_dump_json()) < 2_000


@pytest.mark.parametrize(
    ("viewer", "reads"),
    [
        pytest.param(OPERATOR, True, id="operator"),
        pytest.param(region("441802"), True, id="owner"),
        pytest.param(region("441800"), True, id="relaying-city"),
        pytest.param(region("441800", relays=False), False, id="city-that-does-not-relay"),
        pytest.param(region("430000"), False, id="the-region-that-asked"),
    ],
)
def test_an_entry_is_read_by_the_operator_and_the_owners_of_its_listings(
    viewer: Viewer, reads: bool
) -> None:
    view = subject_view([PERSON], None, [], ON, OPERATOR)
    assert view is not None
    entry = entry_for(view, view, region("430000"), Purpose.SUPERVISION, NOW, timedelta(days=1))

    assert entry.readable_by(viewer) is reads


def test_the_trail_key_is_neither_the_secret_nor_the_signing_seed() -> None:
    secret = "s" * 64

    key = trail_key(secret)

    assert key not in (secret.encode(), hashlib.sha256(secret.encode()).digest())
    assert subject_key(key, USCC) != subject_key(trail_key("t" * 64), USCC)
    assert len(subject_key(key, USCC)) == 64
