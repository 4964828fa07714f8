"""A subject's standing: which black-list entries punish (severity policy), red lists yielding to
black ones, and the green channel judged from the gateway's own history.

Seed 000 二(二)1 "将严重失信行为纳入“黑名单”" and 国办发〔2020〕49号 (serious only); seed 001
二(四)3 退出机制 (a black-listed subject loses its red-list incentives); seed 000 二(一)2
"连续三年无不良信用记录" (the green channel).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from builders import CITY, NOW, agreement, listing, red_entry, subscription, with_status

from gateway.delivery.red_yield import plan_yield
from gateway.recognition.disclosure import Viewer
from gateway.recognition.matching import intensified_domains, recognise
from gateway.recognition.query import subject_view
from gateway.recognition.severity_policy import SeverityPolicy, use_severity_policy
from gateway.recognition.standing import Refusal, green_channel, held_back, yielded
from gateway_client.contract.catalogue import Severity
from gateway_client.contract.change import change_between
from gateway_client.contract.events import ListedAs, Suspension
from gateway_client.contract.listing import Listing, ListingStatus, version_of

ON = NOW.date()
GUANGDONG = "440000"  # 清远 (441800) lies in it: its own subtree
HUNAN = "430000"


def black(domain: str = "food_drug", severity: str = "serious", n: int = 1) -> Listing:
    return listing(domain=domain, severity=severity, decision_number=f"清信惩〔2025〕{n}号")


RED = listing(red_entry())  # A级纳税人: incentives for 清远's own subtree
MODEL = listing(red_entry(domain="trustworthiness_model", decision_number="清信办〔2025〕3号"))


def ended(held: Listing, status: ListingStatus, at: datetime) -> Listing:
    """``held`` ended (``status``) at ``at``, with the step that ended it."""
    step = {"event": "removed", "status": status, "at": at, "by": CITY, "reason": "removed"}
    moved = {"status": status, "history": [step], "version": version_of(at, 0), "accepted_at": at}
    return Listing.model_validate({**held.model_dump(), **moved})


# -- severity policy: which severities make a black listing --


@pytest.mark.parametrize(
    ("black_list", "severity", "listed_as", "punished"),
    [
        pytest.param(None, "serious", ListedAs.BLACK_LIST, True, id="default-serious"),
        pytest.param(
            None, "relatively_serious", ListedAs.DISHONESTY_RECORD, False, id="default-较重"
        ),
        pytest.param(None, "general", ListedAs.DISHONESTY_RECORD, False, id="default-一般"),
        pytest.param(
            ["serious", "relatively_serious"],
            "relatively_serious",
            ListedAs.BLACK_LIST,
            True,
            id="widened-较重",
        ),
        pytest.param(
            ["serious", "relatively_serious"],
            "general",
            ListedAs.DISHONESTY_RECORD,
            False,
            id="widened-一般",
        ),
    ],
)
def test_the_deployments_severities_decide_what_is_a_black_listing_and_what_a_record(
    black_list: list[str] | None, severity: str, listed_as: ListedAs, punished: bool
) -> None:
    """Seed 000 二(二)1, 49号: a dishonesty record is recognised and carries no measures."""
    if black_list is not None:
        use_severity_policy(SeverityPolicy(black_list=frozenset(Severity(s) for s in black_list)))
    entry = black(severity=severity)

    outcome = recognise(entry, GUANGDONG, [], ON)

    # a delivery says so only of a record: a black listing reads as black entries always have
    said = listed_as if listed_as is ListedAs.DISHONESTY_RECORD else None
    assert (outcome.recognised, outcome.listed_as) == (True, said)
    assert bool(outcome.measures) is punished
    agreed = recognise(entry, HUNAN, [agreement(sources=[{"region": CITY}])], ON)
    assert (agreed.recognised, bool(agreed.measures)) == (True, punished)


def test_dishonesty_records_do_not_count_toward_intensified_punishment() -> None:
    """Seed 002 六(六) counts black lists in two domains; records are not black lists."""
    court, food = black("court_defaulter"), black("ecology_environment", "general", 2)
    tax = black("major_tax_violation", "serious", 3)

    assert intensified_domains([court, food], GUANGDONG, [], ON) == {"court_defaulter"}
    assert intensified_domains([court, tax], GUANGDONG, [], ON) == {
        "court_defaulter",
        "major_tax_violation",
    }


@pytest.mark.parametrize("severity", ["general", "relatively_serious", "serious"])
def test_a_court_defaulter_is_a_black_listing_whatever_severity_the_court_pushed(
    severity: str,
) -> None:
    """49号 names 失信被执行人 among the serious lists: no policy makes one a mere record, and
    its measures (限制高消费 …) always follow."""
    outcome = recognise(black("court_defaulter", severity), GUANGDONG, [], ON)

    assert outcome.listed_as is None  # a black listing
    assert "restrict_high_consumption" in [m.measure_id for m in outcome.measures]


def test_a_red_or_other_listing_has_no_black_list_class() -> None:
    assert recognise(RED, GUANGDONG, [], ON).listed_as is None


def test_the_query_says_what_each_black_list_entry_counts_as() -> None:
    entries = [black("court_defaulter"), black("ecology_environment", "general", 2)]
    view = subject_view(entries, None, [], ON, OPERATOR)

    assert view is not None
    assert {v.listing.domain: v.listed_as for v in view.listings} == {
        "court_defaulter": ListedAs.BLACK_LIST,
        "ecology_environment": ListedAs.DISHONESTY_RECORD,
    }
    assert view.intensified_domains == ("court_defaulter",)


# -- red lists yield to black ones --

OPERATOR = Viewer(kind="operator")


@pytest.mark.parametrize(
    ("others", "suspended"),
    [
        pytest.param([], False, id="no-black"),
        pytest.param([black()], True, id="black-listing-in-force"),
        pytest.param([black(severity="general")], False, id="dishonesty-record-only"),
        pytest.param([with_status(black(), ListingStatus.EXPIRED)], False, id="black-ended"),
        pytest.param([with_status(black(), ListingStatus.SUSPENDED)], False, id="black-objected"),
    ],
)
def test_a_red_listings_incentives_wait_while_a_black_listing_is_in_force(
    others: list[Listing], suspended: bool
) -> None:
    """Seed 001 二(四)3: the incentives are held back, with the reason, not dropped."""
    plain = recognise(RED, GUANGDONG, [], ON)
    assert plain.measures

    outcome = yielded(plain, RED, [RED, *others])

    assert outcome.recognised
    if suspended:
        assert outcome.measures == ()
        assert outcome.suspended_measures == plain.measures
        assert outcome.suspended_because is Suspension.BLACK_LISTING_IN_FORCE
    else:
        assert outcome == plain


def test_a_black_listing_anywhere_suspends_even_where_it_is_not_recognised() -> None:
    """湖南 recognises only red lists from 广东: the subject's black listing still counts."""
    reds_only = agreement(kinds=["red"], sources=[{"region": CITY}])
    court = black()
    assert not recognise(court, HUNAN, [reds_only], ON).recognised

    outcome = yielded(recognise(RED, HUNAN, [reds_only], ON), RED, [RED, court])

    assert outcome.measures == ()
    assert outcome.suspended_measures


def test_the_query_shows_a_red_listings_measures_suspended_and_why() -> None:
    view = subject_view([RED, black()], GUANGDONG, [], ON, OPERATOR)

    assert view is not None
    red = next(v for v in view.listings if v.listing.listing_id == RED.listing_id)
    assert red.recognised
    assert red.measures == ()
    assert red.suspended_measures == recognise(RED, GUANGDONG, [], ON).measures
    assert red.suspended_because is Suspension.BLACK_LISTING_IN_FORCE


def test_a_flip_of_the_black_standing_re_sends_each_recognised_red_listing() -> None:
    """Listed → incentives held back; ended → restored; each as recognition.changed."""
    court = black()
    listed = change_between(court, None)
    assert listed is not None
    subs = [subscription("sub-gd", region=GUANGDONG), subscription("sub-hn", region=HUNAN)]

    held_back = plan_yield(listed, [RED], [RED, court], set(), subs, [], ON)

    assert [(d.subscription_id, d.type) for d in held_back] == [("sub-gd", "recognition.changed")]
    assert held_back[0].change.listing.listing_id == RED.listing_id
    assert held_back[0].recognition.suspended_measures

    gone = ended(court, ListingStatus.EXPIRED, NOW + timedelta(days=1))
    expired = change_between(gone, court)
    assert expired is not None
    restored = plan_yield(expired, [RED, court], [RED, gone], set(), subs, [], ON)
    assert [(d.subscription_id, d.type) for d in restored] == [("sub-gd", "recognition.changed")]
    assert restored[0].recognition.measures == recognise(RED, GUANGDONG, [], ON).measures
    assert restored[0].recognition.suspended_measures == ()
    assert restored[0].delivery_id != held_back[0].delivery_id


def test_no_flip_and_red_listings_already_planned_in_the_batch_send_nothing_more() -> None:
    court, second = black(), black("major_tax_violation", n=2)
    listed = change_between(second, None)
    assert listed is not None
    subs = [subscription("sub-gd", region=GUANGDONG)]

    assert plan_yield(listed, [RED, court], [RED, court, second], set(), subs, [], ON) == []
    planned = {(RED.listing_id, "sub-gd")}
    assert plan_yield(listed, [RED], [RED, second], planned, subs, [], ON) == []


def test_a_red_listing_planned_for_one_subscription_is_restated_to_the_others() -> None:
    """Its own change in the batch reached one subscription only (review 399: the others, its
    holders whose filters narrowed, were told nothing of the incentives held back)."""
    second = black("major_tax_violation", n=2)
    listed = change_between(second, None)
    assert listed is not None
    subs = [subscription("sub-gd", region=GUANGDONG), subscription("sub-gd2", region=GUANGDONG)]

    held_back = plan_yield(listed, [RED], [RED, second], {(RED.listing_id, "sub-gd")}, subs, [], ON)

    assert [d.subscription_id for d in held_back] == ["sub-gd2"]


# -- the green channel, from the gateway's own history --

SEEN_ALL = frozenset({"*"})


@pytest.mark.parametrize(
    ("history", "open_", "refusals", "open_from"),
    [
        pytest.param([], True, (), None, id="clean"),
        pytest.param([black()], False, (Refusal.BLACK_LISTING_STANDING,), None, id="in-force"),
        pytest.param(
            [with_status(black(), ListingStatus.SUSPENDED)],
            False,
            (Refusal.BLACK_LISTING_STANDING,),
            None,
            id="under-objection",
        ),
        pytest.param(
            [black(severity="general")],
            False,
            (Refusal.BLACK_LISTING_STANDING,),
            None,
            id="dishonesty-record-is-a-bad-record",
        ),
        pytest.param(
            [ended(black(), ListingStatus.EXPIRED, NOW - timedelta(days=200))],
            False,
            (Refusal.ENDED_WITHIN_THREE_YEARS,),
            (NOW - timedelta(days=200)).date().replace(year=NOW.year + 2),
            id="ended-this-year",
        ),
        pytest.param(
            [ended(black(), ListingStatus.REPAIRED, NOW - timedelta(days=3 * 366))],
            True,
            (),
            None,
            id="repaired-over-three-years-ago",
        ),
        pytest.param(
            [ended(black(), ListingStatus.PERFORMED, NOW - timedelta(days=30))],
            False,
            (Refusal.ENDED_WITHIN_THREE_YEARS,),
            (NOW - timedelta(days=30)).date().replace(year=NOW.year + 3),
            id="court-performed-last-month",
        ),
        pytest.param(
            [ended(black(), ListingStatus.REVOKED, NOW - timedelta(days=10))],
            True,
            (),
            None,
            id="revoked-was-never-a-record",
        ),
    ],
)
def test_the_green_channel_needs_three_clean_years_in_the_gateways_history(
    history: list[Listing], open_: bool, refusals: tuple[Refusal, ...], open_from: object
) -> None:
    """Seed 000 二(一)2 连续三年无不良信用记录; revoked or corrected listings never were records."""
    seen = frozenset(x.listing_id for x in [MODEL, *history])

    verdict = green_channel([MODEL, *history], [MODEL], seen, ON)

    assert (verdict.open, verdict.refused_because, verdict.open_from) == (
        open_,
        refusals,
        open_from,
    )
    assert verdict.basis == ((MODEL.listing_id,) if open_ else ())


def test_a_refusal_names_no_record_the_asker_may_not_see() -> None:
    hidden = ended(black(), ListingStatus.REPAIRED, NOW - timedelta(days=100))

    verdict = green_channel([MODEL, hidden], [MODEL], frozenset({MODEL.listing_id}), ON)

    assert (verdict.open, verdict.refused_because, verdict.open_from) == (
        False,
        (Refusal.CREDIT_HISTORY,),
        None,
    )


def test_without_a_qualifying_red_listing_the_channel_says_so() -> None:
    verdict = green_channel([RED], [RED], frozenset({RED.listing_id}), ON)

    assert (verdict.open, verdict.refused_because) == (
        False,
        (Refusal.NO_QUALIFYING_RED_LISTING,),
    )


def test_the_query_refuses_the_channel_for_a_black_listing_this_region_does_not_recognise() -> None:
    """Before, only black listings that applied in the asking region closed it."""
    reds_only = agreement(kinds=["red"], sources=[{"region": CITY}])

    view = subject_view([MODEL, black()], HUNAN, [reds_only], ON, OPERATOR)

    assert view is not None
    assert view.benefits.green_channel is False
    assert view.benefits.refused_because == (Refusal.BLACK_LISTING_STANDING,)


def test_without_a_region_only_a_red_listing_in_force_is_shown_held_back() -> None:
    """The operator's view: an in-force red listing waits on the black listing in force; an
    ended one holds nothing back (it applies to nothing)."""
    revoked = ended(MODEL, ListingStatus.REVOKED, NOW - timedelta(days=1))

    assert held_back(RED, [RED, black()]) is Suspension.BLACK_LISTING_IN_FORCE
    assert held_back(revoked, [revoked, black()]) is None
    assert held_back(RED, [RED]) is None
