"""Review 351: trail entries now name up to 2,000 listings each (review 347: ~80 KB of JSON),
and ``GET /v1/subjects/{code}/trail`` answers up to ``limit`` (1,000) of them, reading up to
20 stored pages, with no bound on the reply's bytes: a trail holding the checks of a subject
listed 2,000 times answers a page over Lambda's 6 MB (a 502 on AWS), where the check route
and the one-stop query bound theirs (``reply_bytes``/``fits_a_reply``)."""

from __future__ import annotations

from datetime import timedelta

from app_support import CREDIT_CODE, Gateway

from chalicelib.bootstrap import container
from chalicelib.http_errors import REPLY_BUDGET, reply_bytes
from gateway.recognition import TrailEntry, subject_key
from gateway.recognition.query_trail import MAX_TRAIL_IDS
from gateway_client.contract import mask


def test_a_trail_page_fits_one_reply(gateway: Gateway) -> None:
    c = container()
    now = c.clock.now()
    ids = tuple(f"lst_{i:032x}" for i in range(MAX_TRAIL_IDS))
    key = subject_key(c.trail_key(), CREDIT_CODE)
    entries = [
        TrailEntry(
            entry_id=f"{(now - timedelta(seconds=n)):%Y-%m-%dT%H:%M:%S.%fZ}#{n:016x}",
            at=now - timedelta(seconds=n),
            masked_code=mask(CREDIT_CODE),
            asked_by="430000",
            key_id="k-hunan",
            purpose="administrative_approval",
            as_region="430000",
            listing_ids=ids,  # one part of a check of a subject listed 2,000+ times
            owners=("420281",),
            full_ids=False,
            expires_at=int((now + timedelta(days=1000)).timestamp()),
            check_id=f"chk_{n:032x}",
        )
        for n in range(1, 101)
    ]
    c.query_trail.record_all([(key, e) for e in entries])

    reply = gateway.client.http.get(
        f"/v1/subjects/{CREDIT_CODE}/trail?limit=100", headers=gateway.operator()
    )

    assert reply.status_code == 200
    size = reply_bytes(reply.json_body)
    assert size <= REPLY_BUDGET, f"{size} bytes, over Lambda's reply budget {REPLY_BUDGET}"
