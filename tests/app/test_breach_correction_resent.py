"""Review 381: the owner's correction of the tick's broken-promise black listing, pushed again
unchanged (the same version, the same content) is a duplicate — as it is when the same two
entries come in one push. One by one the second is refused version_reused: it is compared with
the listing as stored, whose conduct_ended_on the gateway kept (breach_kept), not with what
the platform pushed."""

from __future__ import annotations

from datetime import timedelta

from app_support import NATURAL_PERSON_CODE
from test_broken_commitment_listings import city_with_policy, pushed_at, tick_at
from test_broken_promise_listing_keeps_its_breach import FIELDS, PERSON, _listings
from test_commitment_routes import broken, commitment


def _correction(gateway, city, clock):  # type: ignore[no-untyped-def]
    entries = [{**commitment(), **PERSON}, {**broken(), **PERSON}]
    assert pushed_at(gateway, city, clock, entries)["errors"] == []
    assert tick_at(gateway, clock)["broken_commitments_listed"] == 1
    [black] = [x for x in _listings(gateway) if x["kind"] == "black"]
    clock.advance(timedelta(days=1))
    corrected = {name: black[name] for name in FIELDS}
    corrected |= {
        "credit_code": NATURAL_PERSON_CODE,
        "subject_name": "王某",
        "source_updated_at": clock.now().isoformat(),
        "source_sequence": 3,
    }
    return corrected


def test_the_same_correction_twice_in_one_push_answers_accepted_then_duplicate(gateway):
    with city_with_policy(gateway) as (city, clock):
        corrected = _correction(gateway, city, clock)
        reply = pushed_at(gateway, city, clock, [corrected, corrected])
    assert (reply["accepted"], reply["duplicate"], reply["errors"]) == (1, 1, []), reply


def test_the_same_correction_pushed_again_is_a_duplicate(gateway):
    with city_with_policy(gateway) as (city, clock):
        corrected = _correction(gateway, city, clock)
        first = pushed_at(gateway, city, clock, [corrected])
        assert (first["accepted"], first["errors"]) == (1, []), first
        again = pushed_at(gateway, city, clock, [corrected])
    assert (again["duplicate"], again["errors"]) == (1, []), again


import pytest  # noqa: E402
from upload_support import uploaded  # noqa: E402

from gateway.intake import bulk_batches  # noqa: E402


@pytest.mark.parametrize("lines_per_batch", [500, 1])
def test_an_upload_of_the_correction_twice_answers_alike_wherever_its_batches_are_cut(
    gateway, aws, monkeypatch, lines_per_batch
):  # type: ignore[no-untyped-def]
    with city_with_policy(gateway) as (city, clock):
        corrected = _correction(gateway, city, clock)
        monkeypatch.setattr(bulk_batches, "LINES_PER_BATCH", lines_per_batch)
        upload_id = uploaded(gateway, aws, city, [corrected, corrected], at=clock.now())
        from chalicelib.bootstrap import container

        upload = container().uploads.get(CITY, upload_id)
    assert upload is not None
    assert (upload.accepted, upload.duplicate, [e.code for e in upload.errors]) == (1, 1, []), (
        upload
    )


from app_support import CITY  # noqa: E402
