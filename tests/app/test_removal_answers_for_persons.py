"""A removal of another region's listing of a natural person is answered as a miss (review 35).

The listing id is the code with the kind, domain, authority and decision number every masked
copy shows (``110105***********X``): "not yours" for the right number against "no such
listing" for a wrong one let a region complete a masked ID number, thousands of candidates a
push. A company's code is no secret: its refusal still names the owner.
"""

from __future__ import annotations

from app_support import Gateway, black_entry
from lifecycle_support import push_with_removals, removal_of
from personal_support import PERSON, REGIONS, Askers, person_entry

from chalicelib.bootstrap import container
from gateway_client.contract.codes import mask

NO_AGREEMENT = REGIONS["no_agreement"]
WRONG = ["11010519491230018X", "11010519491230026X", "11010519491230034X"]  # PERSON's mask


def test_the_right_number_and_wrong_ones_get_one_answer_and_nothing_changes(
    gateway: Gateway,
) -> None:
    askers = Askers(gateway).register()
    [listed] = askers.push("owner", person_entry())
    assert {mask(w) for w in WRONG} == {mask(PERSON)}
    candidates = [*WRONG[:2], PERSON, WRONG[2]]
    removals = [removal_of(person_entry(credit_code=c), "revoked") for c in candidates]

    reply = push_with_removals(gateway, askers.signers["no_agreement"], NO_AGREEMENT, removals)

    answers = {(e["code"], e["message"], e["field"]) for e in reply.json_body["errors"]}
    assert len(reply.json_body["errors"]) == len(candidates)
    assert answers == {("unknown_listing", "no such listing is held", "")}
    held = container().listings.current([(PERSON, listed)])[listed]
    assert held.status.value == "active"


def test_a_company_s_listing_of_another_region_is_refused_naming_its_owner(
    gateway: Gateway,
) -> None:
    askers = Askers(gateway).register()
    askers.push("owner", black_entry())

    reply = push_with_removals(
        gateway,
        askers.signers["no_agreement"],
        NO_AGREEMENT,
        [removal_of(black_entry(), "revoked")],
    )

    [error] = reply.json_body["errors"]
    assert (error["code"], error["field"]) == ("not_listing_owner", "credit_code")
