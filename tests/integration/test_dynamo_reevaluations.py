"""Agreement re-evaluation jobs on DynamoDB: the revision and its job in one transaction (both
or neither), jobs started once, advanced only over the step they read, found again through the
sparse index; and a job walked over the source index page by page, never scanning listings,
with a sealed page token, resumed after a budget stop to the same deliveries as the
whole-table comparison."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from integration_support import every_subject, listing

from chalicelib.dynamodb.agreements import DynamoAgreements
from chalicelib.dynamodb.listings import DynamoListings
from chalicelib.dynamodb.reevaluations import DynamoReevaluations
from chalicelib.dynamodb.source_pages import SourcePages
from chalicelib.dynamodb.subscriptions import DynamoSubscriptions
from gateway.delivery import Delivery, ReevaluationRunner, Subscription, recognition_changes
from gateway.delivery.reevaluation_job import revision_job
from gateway.recognition import Agreement, SourceScope
from gateway_client.contract import Conflict, FixedClock
from gateway_client.contract.identity import LOCAL_IDENTITY_SECRET, identity_key

HUNAN = "430000"
SAVED_AT = datetime(2025, 6, 2, 9, 30, tzinfo=UTC)
PERSON = "11010519491231002X"
MEASURE = {
    "measure_id": "agreed_joint_supervision",
    "text": "列为重点监管对象",
    "department": "市场监管部门",
    "mandatory": True,
}


def agreement(revision: int = 1, title: str = "湘粤备忘录", sources: Any = None) -> Agreement:
    return Agreement.model_validate(
        {
            "title": title,
            "subscriber_region": HUNAN,
            "sources": sources or [{"region": "440000", "subtree": True}],
            "kinds": ["black"],
            "effective_from": "2025-01-01",
            "measures": [MEASURE],
            "agreement_id": "agr_00000000000000aa",
            "revision": revision,
            "updated_at": SAVED_AT,
        }
    )


@pytest.fixture
def agreements(aws: Any) -> DynamoAgreements:
    return DynamoAgreements(aws.dynamodb, aws.env["CG_AGREEMENTS_TABLE"])


@pytest.fixture
def jobs(aws: Any) -> DynamoReevaluations:
    env = aws.env
    return DynamoReevaluations(
        aws.dynamodb, env["CG_REEVALUATIONS_TABLE"], env["CG_AGREEMENTS_TABLE"]
    )


# --- the outbox --------------------------------------------------------------------------------


def test_the_dated_mark_only_moves_forward_and_is_no_job(jobs) -> None:
    first = jobs.dated_through()
    jobs.date_through(date(2026, 3, 2))
    jobs.date_through(date(2026, 3, 1))  # a late tick of an earlier day

    assert (first, jobs.dated_through(), jobs.unfinished()) == (None, date(2026, 3, 2), [])


def test_regions_held_back_stay_beside_the_dated_mark(jobs) -> None:
    jobs.hold_back({"430000": date(2026, 3, 1)})
    jobs.date_through(date(2026, 3, 3))
    held = jobs.held_back()
    jobs.hold_back({})

    assert (held, jobs.held_back()) == ({"430000": date(2026, 3, 1)}, {})
    assert jobs.dated_through() == date(2026, 3, 3)


def test_a_save_judged_against_a_count_moved_since_writes_nothing(agreements, jobs) -> None:
    """Review 163: two signs at once each passed the region's size limit alone."""
    first, second = agreement(), agreement(revision=2)
    jobs.save(first, revision_job(None, first, []), 0)

    with pytest.raises(Conflict):
        jobs.save(second, revision_job(first, second, []), 0)  # read before the first saved

    assert agreements.get(first.agreement_id) == first
    assert jobs.get(revision_job(first, second, []).job_id) is None
    assert jobs.region_saves(first.subscriber_region) == 1


def test_a_revision_and_its_job_are_written_in_one_transaction(agreements, jobs) -> None:
    signed = agreement()
    job = revision_job(None, signed, [])

    jobs.save(signed, job, 0)

    assert agreements.get(signed.agreement_id) == signed
    assert jobs.get(job.job_id) == job
    assert jobs.unfinished() == [job.job_id]
    assert jobs.region_saves(signed.subscriber_region) == 1
    # the day of the region's last revision, for its date jobs to start from (review 167 F1)
    assert jobs.revised_on([signed.subscriber_region, "440000"]) == {
        signed.subscriber_region: job.on
    }


def test_a_saved_job_is_stamped_committed_unless_a_run_moved_it_on_first(agreements, jobs) -> None:
    signed, other = agreement(), agreement(revision=2)
    job, moved = revision_job(None, signed, []), revision_job(signed, other, [])
    jobs.save(signed, job, 0)
    jobs.save(other, moved, 1)
    assert jobs.advance(moved, moved.moved_on("next", 0))  # a run took it up before the stamp

    jobs.committed(job, signed.updated_at + timedelta(milliseconds=40))
    jobs.committed(moved, other.updated_at)

    assert jobs.get(job.job_id).committed_at == signed.updated_at + timedelta(milliseconds=40)
    assert jobs.get(moved.job_id).committed_at is None  # it keeps its window


def test_when_the_job_cannot_be_written_the_agreement_is_not_saved_either(aws, agreements) -> None:
    broken = DynamoReevaluations(aws.dynamodb, "no-such-table", aws.env["CG_AGREEMENTS_TABLE"])
    signed = agreement()

    with pytest.raises(ClientError):
        broken.save(signed, revision_job(None, signed, []), 0)

    assert agreements.get(signed.agreement_id) is None


def test_a_revision_saved_twice_is_a_conflict_and_the_second_writes_nothing(
    agreements, jobs
) -> None:
    first, second = agreement(2, "先到"), agreement(2, "后到")
    jobs.save(first, revision_job(agreement(), first, []), 0)

    with pytest.raises(Conflict) as refused:
        jobs.save(second, revision_job(agreement(), second, []), 1)

    assert refused.value.context["path"] == "agreement_id"
    assert agreements.get(first.agreement_id) == first
    assert jobs.get("agr_00000000000000aa@2") == revision_job(agreement(), first, [])


def test_a_job_is_started_once_moves_on_only_from_the_step_it_read_and_then_leaves_the_index(
    jobs,
) -> None:
    job = revision_job(None, agreement(), [])
    assert jobs.start([job]) == [job]
    assert jobs.start([job]) == []

    one = job.moved_on("next", 2)
    assert jobs.advance(job, one)
    assert not jobs.advance(job, job.moved_on("other", 0))  # another run got there first
    done = one.moved_on(None, 0)
    assert done.finished
    assert jobs.advance(one, done)

    assert jobs.get(job.job_id) == done
    assert jobs.unfinished() == []


# --- the walk ----------------------------------------------------------------------------------


class Collected:
    def __init__(self) -> None:
        self.sent: list[Delivery] = []

    def enqueue(self, deliveries: Iterable[Delivery], dedup_suffix: str = "") -> None:
        self.sent += list(deliveries)


def no_listing_scans(aws: Any) -> list[str]:
    """Every Scan of the listings table from here on, by a botocore hook (the test asserts none)."""
    scans: list[str] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        if params.get("TableName") == aws.env["CG_LISTINGS_TABLE"]:
            scans.append(params["TableName"])

    aws.dynamodb.meta.events.register("before-call.dynamodb.Scan", record)
    return scans


def test_a_job_walks_its_sources_without_a_scan_and_resumes_to_the_whole_table_result(
    aws, jobs, agreements
) -> None:
    listings = DynamoListings(aws.dynamodb, aws.env["CG_LISTINGS_TABLE"])
    held = [
        listing(region=region, credit_code=code, decision_number=f"(2024)执{n}号")
        for n, (region, code) in enumerate(
            [
                ("441802", "91110000600037341L"),
                ("440100", "91110000600037341L"),
                ("441802", PERSON),
                ("440300", "91430100687234560U"),
                ("430100", "91430100687234560U"),  # 湖南's own: not walked
                ("420281", "91110000600037341L"),  # 湖北's: not walked
            ]
        )
    ]
    for x in held:
        listings.write([(x, None)], x.origin_region)
    subscriptions = DynamoSubscriptions(
        aws.dynamodb, aws.env["CG_SUBSCRIPTIONS_TABLE"], aws.env["CG_EXCHANGE_LOG_TABLE"]
    )
    subscriptions.put(
        Subscription.model_validate(
            {
                "subscription_id": "sub-hn",
                "region": HUNAN,
                "url": "https://credit.hunan.example.cn/hooks",
                "created_at": SAVED_AT,
            }
        )
    )
    signed = agreement(sources=[{"region": "440000", "subtree": True}])
    job = revision_job(None, signed, [])
    jobs.save(signed, job, 0)
    whole = recognition_changes(
        every_subject(listings), HUNAN, [], [signed], subscriptions.all(), job.job_id, SAVED_AT
    )
    scans = no_listing_scans(aws)
    pages = SourcePages(
        listings,
        aws.dynamodb,
        aws.env["CG_LISTINGS_TABLE"],
        lambda: identity_key(LOCAL_IDENTITY_SECRET),
    )
    queue = Collected()
    runner = ReevaluationRunner(jobs, pages, subscriptions, queue, agreements, FixedClock(SAVED_AT))

    runs, left = 0, None
    while left is None or not left.finished:
        runs += 1
        budget = iter([False, True])  # one page an invocation
        left = runner.run(job.job_id, budget.__next__)
        assert left is not None
        if not left.finished:
            assert PERSON not in (left.page or "")  # the page token is sealed
            assert PERSON not in jobs.get(job.job_id).model_dump_json()  # type: ignore[union-attr]

    assert runs > 1
    assert scans == []
    assert Counter(d.delivery_id for d in queue.sent) == Counter(d.delivery_id for d in whole)
    assert len(whole) == 4  # 广东's four listings in force, for 湖南's one subscription
    assert jobs.unfinished() == []


def test_a_nation_wide_source_reaches_every_province(aws) -> None:
    listings = DynamoListings(aws.dynamodb, aws.env["CG_LISTINGS_TABLE"])
    for n, region in enumerate(("441802", "110105", "650102", "100001")):
        x = listing(region=region, decision_number=f"(2024)执{n}号")
        listings.write([(x, None)], region)
    pages = SourcePages(
        listings,
        aws.dynamodb,
        aws.env["CG_LISTINGS_TABLE"],
        lambda: identity_key(LOCAL_IDENTITY_SECRET),
    )
    found, page = [], None
    while True:
        keys, page = pages.active_in(SourceScope(region="100000"), page)
        found += keys
        if page is None:
            break
    assert len(found) == 4
