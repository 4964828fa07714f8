"""A repair of a listing another step ended (here the owner's objection decision revoking it)
is 409 ``listing_not_in_force`` whatever its stamp, and changes nothing: as a removal of a
listing ended otherwise is refused (review 45), never dropped as an older message (README;
review 395 asked which)."""

from __future__ import annotations

from app_support import CREDIT_CODE
from lifecycle_support import QINGCHENG, Lifecycle, listing_path, pushed, qingcheng_entry, stamp


def test_a_repair_stamped_before_the_revocation_that_ended_the_listing_is_refused(
    gateway,
) -> None:  # type: ignore[no-untyped-def]
    life = Lifecycle(gateway)
    owner = gateway.register_platform(QINGCHENG)
    entry = qingcheng_entry(days_ago=400)  # relatively serious: 6 months' publicity passed
    listing_id = pushed(gateway, owner, QINGCHENG, entry)
    assert life.file_objection(CREDIT_CODE, listing_id, "o-2", owner).status_code == 201
    repaired_at, revoked_at = stamp(-20), stamp(-10)
    revoked = life.post(
        listing_path(CREDIT_CODE, listing_id) + "/objections/o-2/decision",
        {"outcome": "revoked", "note": "认定有误", "source_updated_at": revoked_at},
        owner,
    )
    assert revoked.status_code == 200, revoked.json_body

    late = life.repair(owner, CREDIT_CODE, listing_id, source_updated_at=repaired_at)

    assert (late.status_code, late.json_body["error"]["code"]) == (409, "listing_not_in_force")
    assert life.status(CREDIT_CODE, listing_id) == "revoked"
