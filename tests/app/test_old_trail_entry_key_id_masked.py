"""A trail entry a legacy key (its id holding a resident ID number) left before its id was
masked on writing is read with the id masked, by the owners of the person's listings (other
regions) and the operator alike (review 320)."""

from __future__ import annotations

from datetime import timedelta

from app_support import Gateway, new_signer
from personal_support import PERSON, Askers, person_entry

from chalicelib import bootstrap
from gateway.recognition.disclosure import Viewer
from gateway.recognition.query_trail import Asked, subject_key, trail_entry
from gateway.registry import PlatformKey
from gateway_client.contract.signing import public_key_text

OFFICIAL_ID = "420281199503150210"
KEY_ID = f"k-{OFFICIAL_ID}"


def test_a_trail_entry_left_before_the_upgrade_is_read_with_the_key_id_masked(
    gateway: Gateway,
) -> None:
    askers = Askers(gateway).register()  # 大冶市 owns; 湖南 recognises it (agreement)
    askers.push("owner", person_entry())
    c = bootstrap.container()
    signer = new_signer(KEY_ID)
    c.registry.put_key(
        PlatformKey(
            key_id=KEY_ID,
            region="430000",
            public_key=public_key_text(signer.private_key),
            valid_from=c.clock.now() - timedelta(days=400),
        )
    )
    lookup = gateway.send_signed("GET", f"/v1/subjects/{PERSON}?purpose=supervision", signer)
    assert lookup.status_code == 200, lookup.json_body
    # the entry a lookup of that key left last month, as the release before ecdf5d32 wrote it
    viewer = Viewer(kind="region", region="430000", relays_subregions=True, key_id=KEY_ID)
    at = c.clock.now() - timedelta(days=30)
    asked = Asked(viewer, "supervision", None, at, timedelta(days=1100))
    written = trail_entry(PERSON, [], asked)
    old = written.model_copy(update={"key_id": KEY_ID, "owners": ("420281",)})  # 大冶市
    c.query_trail.record(subject_key(c.trail_key(), PERSON), old)

    read_by_owner = askers.ask("owner", f"/v1/subjects/{PERSON}/trail")

    assert read_by_owner.status_code == 200, read_by_owner.json_body
    assert OFFICIAL_ID not in read_by_owner.body.decode(), read_by_owner.json_body
    by_operator = gateway.client.http.get(
        f"/v1/subjects/{PERSON}/trail", headers=gateway.operator()
    )
    assert by_operator.status_code == 200, by_operator.json_body
    assert OFFICIAL_ID not in by_operator.body.decode()
    assert "k-420281" in by_operator.body.decode()
