"""Objections by regions that received a listing, over the HTTP routes (seed 001 湖南 §二(四)6:
the regions carrying out the measures tell the provider, whose 20 days run from that notice;
seed 002 新郑 §六(三): the subject files, and each step has its own deadline).

The owner (清城) and a recipient (湖南) each subscribe a real endpoint; a region that merely
could have subscribed (大冶, filtered to another domain) never receives the listing. Every
refusal writes nothing and delivers nothing.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from app_support import CITY, CREDIT_CODE, DAYE, GUANGDONG, HUNAN, error_code
from lifecycle_support import (
    QINGCHENG,
    XINZHENG,
    Lifecycle,
    china_noon,
    china_today,
    fan_out,
    fan_out_and_deliver,
    listing_path,
    pushed,
    qingcheng_entry,
    recent_entry,
    stamp,
    xinzheng_entry,
)

from gateway.lifecycle import WorkdayCalendar


@pytest.fixture
def life(gateway) -> Lifecycle:  # type: ignore[no-untyped-def]
    return Lifecycle(gateway)


def subscribe(gateway, receiver, region: str, **filters: Any) -> str:  # type: ignore[no-untyped-def]
    response = gateway.subscribe_as_operator(region=region, url=receiver.url, filters=filters)
    assert response.status_code == 201, response.json_body
    return str(response.json_body["subscription_id"])


class Scene:
    """清城 listed a subject; 湖南's subscription was delivered it, 大冶's was not."""

    def __init__(self, gateway, aws, stream, receiver, life) -> None:  # type: ignore[no-untyped-def]
        self.gateway, self.aws, self.stream, self.receiver, self.life = (
            gateway,
            aws,
            stream,
            receiver,
            life,
        )
        self.owner = gateway.register_platform(QINGCHENG)
        self.hunan = gateway.register_platform(HUNAN)
        self.daye = gateway.register_platform(DAYE)
        self.owner_sub = subscribe(gateway, receiver, QINGCHENG, domains=["food_drug"])
        self.hunan_sub = subscribe(gateway, receiver, HUNAN)
        subscribe(gateway, receiver, DAYE, domains=["food_drug"])  # could have: never did
        self.listing_id = pushed(gateway, self.owner, QINGCHENG, qingcheng_entry())
        delivered = fan_out_and_deliver(aws, stream)
        assert [d.subscription_id for d in delivered] == [self.hunan_sub]
        self.receiver.requests.clear()

    @property
    def path(self) -> str:
        return listing_path(CREDIT_CODE, self.listing_id) + "/objections"

    def file(self, signer, on_behalf: str = "subject", objection_id: str = "obj-1"):  # type: ignore[no-untyped-def]
        body = {"objection_id": objection_id, "reason": "已履行完毕", "on_behalf": on_behalf}
        return self.life.post(self.path, body, signer)

    def held(self) -> dict[str, Any]:
        response = self.life.lookup(CREDIT_CODE)
        assert response.status_code == 200, response.json_body
        [view] = response.json_body["listings"]
        return dict(view["listing"])

    def received(self) -> list[dict[str, Any]]:
        return [json.loads(r.body) for r in self.receiver.requests]


@pytest.fixture
def scene(gateway, aws, stream, receiver, life) -> Scene:  # type: ignore[no-untyped-def]
    return Scene(gateway, aws, stream, receiver, life)


def test_a_recipient_s_objection_reaches_the_owner_whose_deadline_counts_from_the_notice(scene):
    filed = scene.file(scene.hunan, "own_verification")
    waiting = filed.json_body["listing"]["objection"]

    delivered = fan_out_and_deliver(scene.aws, scene.stream)
    held = scene.held()

    assert filed.status_code == 201, filed.json_body
    assert (waiting["awaiting_notice"], waiting["deadline"], waiting["on_behalf"]) == (
        True,
        None,
        "own_verification",
    )
    notices = [d for d in delivered if d.type == "objection.filed"]
    assert [d.subscription_id for d in notices] == [scene.owner_sub]  # whatever its filters
    assert "objection.filed" in [body["type"] for body in scene.received()]
    objection = held["objection"]
    assert (objection["awaiting_notice"], objection["filed_by"]) == (False, HUNAN)
    assert objection["deadline"] == (china_today() + timedelta(days=20)).isoformat()
    assert objection["deadline_basis"].startswith("20 calendar days from the notice")
    # 清城 (二十五) suspends for its own objections; a recipient's objection suspends nothing
    assert (objection["suspends"], held["status"]) == (False, "active")


def test_the_recipient_may_not_decide_or_verify_the_objection_it_filed(scene):
    scene.file(scene.hunan)
    fan_out(scene.aws, scene.stream)
    before = scene.held()["version"]
    base = listing_path(CREDIT_CODE, scene.listing_id) + "/objections/obj-1"

    decided = scene.life.post(
        base + "/decision", {"outcome": "revoked", "source_updated_at": stamp()}, scene.hunan
    )
    verified = scene.life.post(base + "/verified", {"source_updated_at": stamp()}, scene.hunan)

    assert (decided.status_code, error_code(decided)) == (403, "not_listing_owner")
    assert (verified.status_code, error_code(verified)) == (403, "not_listing_owner")
    assert scene.held()["version"] == before
    assert fan_out(scene.aws, scene.stream) == []


def _never_received(scene: Scene):  # type: ignore[no-untyped-def]
    return scene.file(scene.daye)


def _anonymous(scene: Scene):  # type: ignore[no-untyped-def]
    body = json.dumps({"objection_id": "obj-1", "reason": "异议"}).encode()
    headers = {"content-type": "application/json"}
    return scene.gateway.client.http.post(scene.path, headers=headers, body=body)


def _malformed(scene: Scene):  # type: ignore[no-untyped-def]
    return scene.file(scene.hunan, on_behalf="the_neighbours")


def _future_dated(scene: Scene):  # type: ignore[no-untyped-def]
    body = json.dumps({"objection_id": "obj-1", "reason": "异议"}).encode()
    ahead = datetime.now(UTC) + timedelta(minutes=10)
    return scene.gateway.post_signed(scene.path, scene.hunan, None, body, now=ahead)


def _operator_for_itself(scene: Scene):  # type: ignore[no-untyped-def]
    return scene.file(None, on_behalf="own_verification")


def _unknown_listing(scene: Scene):  # type: ignore[no-untyped-def]
    body = {"objection_id": "obj-1", "reason": "异议"}
    return scene.life.post(listing_path(CREDIT_CODE, "lst_unknown") + "/objections", body)


@pytest.mark.parametrize(
    ("act", "status", "code", "path"),
    [
        pytest.param(_never_received, 403, "listing_not_received", "listing_id", id="daye"),
        pytest.param(_anonymous, 401, "missing_signature", None, id="anonymous"),
        pytest.param(_malformed, 400, "invalid_schema", "on_behalf", id="malformed"),
        pytest.param(_future_dated, 401, None, None, id="future-dated"),
        pytest.param(_operator_for_itself, 400, "bad_request", "on_behalf", id="operator-own"),
        pytest.param(_unknown_listing, 404, "not_found", "listing_id", id="unknown-listing"),
    ],
)
def test_a_refused_filing_is_a_clear_4xx_and_writes_and_delivers_nothing(
    scene, act, status, code, path
):
    before = scene.held()

    response = act(scene)

    assert response.status_code == status, response.json_body
    if code is not None:
        assert error_code(response) == code
    if path is not None:
        assert response.json_body["error"]["path"] == path
    assert scene.held() == before
    assert fan_out(scene.aws, scene.stream) == []
    assert scene.received() == []


def test_a_replayed_filing_is_refused_and_changes_nothing_more(scene):
    body = json.dumps({"objection_id": "obj-1", "reason": "异议"}).encode()
    first = scene.gateway.post_signed(scene.path, scene.hunan, "m-replayed-1", body)
    after_first = scene.held()

    again = scene.gateway.post_signed(scene.path, scene.hunan, "m-replayed-1", body)

    assert first.status_code == 201, first.json_body
    assert (again.status_code, error_code(again)) == (409, "request_replayed")
    assert scene.held() == after_first


def test_a_verification_stamped_in_the_future_is_refused_and_stores_nothing(scene):
    scene.file(scene.owner)
    fan_out(scene.aws, scene.stream)
    before = scene.held()
    path = listing_path(CREDIT_CODE, scene.listing_id) + "/objections/obj-1/verified"

    response = scene.life.post(path, {"source_updated_at": stamp(600)}, scene.owner)

    assert (response.status_code, error_code(response)) == (400, "future_version")
    assert response.json_body["error"]["path"] == "source_updated_at"
    assert scene.held() == before
    assert fan_out(scene.aws, scene.stream) == []


def test_a_xinzheng_objection_whose_owner_never_got_the_notice_is_overdue_at_forwarding(
    gateway, life
):
    """002 新郑 §六(三): forwarded within 5 working days of the filing; the tick and the overdue
    route name the late step."""
    xinzheng = gateway.register_platform(XINZHENG)
    listing_id = pushed(gateway, xinzheng, XINZHENG, xinzheng_entry())
    filed = life.file_objection(
        CREDIT_CODE, listing_id, "xz-obj-1"
    )  # the operator, for the subject
    forward_by, _ = WorkdayCalendar().add_workdays(china_today(), 5)

    on_the_day = life.tick(china_noon(forward_by))
    after = life.tick(china_noon(forward_by + timedelta(days=1)))

    assert filed.status_code == 201, filed.json_body
    steps = filed.json_body["listing"]["objection"]["steps"]
    assert [(s["name"], s["deadline"]) for s in steps] == [
        ("forwarded", forward_by.isoformat()),
        ("verified", None),
        ("replied", None),
    ]

    def steps(reply: Any) -> list[tuple[str, str]]:
        # ``notice`` (a week without the owner's acknowledgement) falls near forwarding; its
        # own rule is tested in test_objection_rights.py
        late = reply.json_body["overdue_objections"]
        return [(x["step"], x["deadline"]) for x in late if x["step"] != "notice"]

    assert steps(on_the_day) == []
    assert steps(after) == [("forwarded", forward_by.isoformat())]
    assert "notice" in [x["step"] for x in after.json_body["overdue_objections"]]


# --- two recipient regions ----------------------------------------------------------------------

WITHHELD_REASON = "本公司已于2026年10月全额缴纳罚款并完成整改，申请撤销"


def _received_by_two(gateway, aws, stream, receiver):  # type: ignore[no-untyped-def]
    """清城's listing delivered to 湖南 and 广东: the three signers and its objections path."""
    owner, hunan, guangdong = (
        gateway.register_platform(code) for code in (QINGCHENG, HUNAN, GUANGDONG)
    )
    for region in (QINGCHENG, HUNAN, GUANGDONG):
        made = gateway.subscribe_as_operator(region=region, url=receiver.url)
        assert made.status_code == 201, made.json_body
    listing_id = pushed(gateway, owner, QINGCHENG, qingcheng_entry())
    fan_out_and_deliver(aws, stream)
    return owner, hunan, guangdong, listing_path(CREDIT_CODE, listing_id) + "/objections"


def test_another_regions_objection_decided_since_does_not_lift_the_pause(
    gateway, aws, stream, receiver, life
):
    owner, hunan, guangdong, path = _received_by_two(gateway, aws, stream, receiver)

    def file(signer, objection_id):  # type: ignore[no-untyped-def]
        return life.post(path, {"objection_id": objection_id, "reason": "异议"}, signer)

    def decide(objection_id):  # type: ignore[no-untyped-def]
        body = {"outcome": "upheld", "source_updated_at": stamp()}
        assert life.post(f"{path}/{objection_id}/decision", body, owner).status_code == 200

    assert file(hunan, "hn-1").status_code == 201
    decide("hn-1")
    assert file(guangdong, "gd-1").status_code == 201  # the other recipient's turn
    decide("gd-1")
    before = life.lookup(CREDIT_CODE).json_body["listings"][0]["listing"]

    refiled = file(hunan, "hn-2")  # 湖南's own objection was decided today

    assert (refiled.status_code, error_code(refiled)) == (409, "objection_decided_recently")
    assert refiled.json_body["error"]["path"] == "objection_id"
    assert life.lookup(CREDIT_CODE).json_body["listings"][0]["listing"] == before


def test_a_recipient_s_filing_sent_again_after_its_decision_is_a_replay(
    gateway, aws, stream, receiver, life
):
    """Its retry (a fresh webhook-id) arriving once the owner decided it: the refiling pause
    was judged before the replay, and refused the very objection it counts (review 36)."""
    owner, hunan, _, path = _received_by_two(gateway, aws, stream, receiver)
    body = {"objection_id": "hn-1", "reason": "异议"}
    assert life.post(path, body, hunan).status_code == 201
    decision = {"outcome": "upheld", "source_updated_at": stamp()}
    assert life.post(f"{path}/hn-1/decision", decision, owner).status_code == 200
    before = life.lookup(CREDIT_CODE).json_body["listings"][0]["listing"]

    again = life.post(path, body, hunan)

    assert (again.status_code, again.json_body["changed"]) == (200, False)
    assert life.lookup(CREDIT_CODE).json_body["listings"][0]["listing"] == before


def test_a_recipient_repeating_another_regions_objection_id_learns_nothing_of_its_reason(
    gateway, aws, stream, receiver, life
):
    _, hunan, guangdong, path = _received_by_two(gateway, aws, stream, receiver)
    filed = life.post(path, {"objection_id": "gd-1", "reason": WITHHELD_REASON}, guangdong)
    assert filed.status_code == 201, filed.json_body
    shown = gateway.send_signed("GET", f"/v1/subjects/{CREDIT_CODE}", hunan)
    assert shown.json_body["listings"][0]["listing"]["objection"]["reason"] != WITHHELD_REASON
    before = life.lookup(CREDIT_CODE).json_body["listings"][0]["listing"]

    answers = [
        life.post(path, {"objection_id": "gd-1", "reason": guess}, hunan)
        for guess in ("猜测的理由", WITHHELD_REASON)
    ]

    assert [(a.status_code, error_code(a)) for a in answers] == [(409, "objection_id_reused")] * 2
    assert life.lookup(CREDIT_CODE).json_body["listings"][0]["listing"] == before


def test_a_decision_sent_again_after_another_objection_was_filed_is_a_replay(scene):  # type: ignore[no-untyped-def]
    """The listing keeps only its latest objection whole; a decision of an earlier one, sent
    again, is a replay by the outcome its history records, and another outcome the conflict
    it is — not a 404 denying the objection was ever there (review 99 F1)."""
    scene.file(scene.hunan, objection_id="obj-h")
    fan_out_and_deliver(scene.aws, scene.stream)
    decision = listing_path(CREDIT_CODE, scene.listing_id) + "/objections/obj-h/decision"
    body = {"outcome": "upheld", "note": "经核查", "source_updated_at": stamp()}
    assert scene.life.post(decision, body, scene.owner).status_code == 200
    assert scene.file(None, objection_id="obj-op").status_code == 201  # the subject's, since
    fan_out(scene.aws, scene.stream)
    before = scene.held()

    again = scene.life.post(decision, body, scene.owner)
    other = scene.life.post(
        decision, {**body, "outcome": "revoked", "source_updated_at": stamp()}, scene.owner
    )

    assert (again.status_code, again.json_body["changed"]) == (200, False)
    assert (other.status_code, error_code(other), other.json_body["error"]["path"]) == (
        409,
        "objection_decided",
        "outcome",
    )
    assert scene.held() == before


def test_a_verification_sent_again_after_another_objection_was_filed_is_a_replay(scene):  # type: ignore[no-untyped-def]
    """As for a decision: the report a retry repeats is a replay by the step the history keeps;
    a later report on the closed objection, or one on an objection closed unverified, is a
    conflict; an id never filed is the 404 (review 155). Nothing is written or delivered."""
    base = listing_path(CREDIT_CODE, scene.listing_id) + "/objections"
    report = {"note": "已核实", "source_updated_at": stamp()}
    # the owner files the first; the operator, on the subject's request, the next ones (the
    # owner's own may follow 30 days after its last was decided)
    for objection_id in ("obj-1", "obj-2"):
        filer = scene.owner if objection_id == "obj-1" else None
        assert scene.file(filer, objection_id=objection_id).status_code == 201
        if objection_id == "obj-1":
            verified = scene.life.post(f"{base}/obj-1/verified", report, scene.owner)
            assert verified.status_code == 200, verified.json_body
        decision = {"outcome": "upheld", "source_updated_at": stamp()}
        decided = scene.life.post(f"{base}/{objection_id}/decision", decision, scene.owner)
        assert decided.status_code == 200, decided.json_body
    assert scene.file(None, objection_id="obj-3").status_code == 201
    fan_out(scene.aws, scene.stream)
    before = scene.held()

    again = scene.life.post(f"{base}/obj-1/verified", report, scene.owner)
    later = {**report, "source_updated_at": stamp(30)}
    refused = [
        scene.life.post(f"{base}/obj-1/verified", later, scene.owner),
        scene.life.post(f"{base}/obj-2/verified", report, scene.owner),
        scene.life.post(f"{base}/obj-9/verified", report, scene.owner),
    ]

    assert (again.status_code, again.json_body["changed"]) == (200, False)
    assert [(r.status_code, error_code(r), r.json_body["error"]["path"]) for r in refused] == [
        (409, "objection_verified", "objection_id"),
        (409, "listing_not_in_force", "objection_id"),
        (404, "not_found", "objection_id"),
    ]
    assert scene.held() == before
    assert fan_out(scene.aws, scene.stream) == []


SQUATTER = "410184"


def _post(gateway, path, body):  # type: ignore[no-untyped-def]
    return gateway.client.http.post(
        path, headers=gateway.operator(), body=json.dumps(body, ensure_ascii=False).encode()
    )


def test_a_re_homing_decision_sent_again_after_another_objection_is_a_replay(gateway):  # type: ignore[no-untyped-def]
    """Its history step carries the re-homing note after the outcome (review 101 F1)."""
    squatter = gateway.register_platform(SQUATTER)
    gateway.register_platform(CITY)
    entry = recent_entry()
    listing_id = pushed(gateway, squatter, SQUATTER, entry)
    path = listing_path(CREDIT_CODE, listing_id)
    assert (
        _post(
            gateway,
            path + "/objections",
            {"objection_id": "op-2", "reason": "认定部门与报送地区不符"},
        ).status_code
        == 201
    )
    decision = {
        "outcome": "corrected",
        "corrected_entry": {**entry, "origin_region": CITY},
        "source_updated_at": stamp(),
    }
    moved = _post(gateway, path + "/objections/op-2/decision", decision)
    assert moved.status_code == 200, moved.json_body
    assert moved.json_body["listing"]["origin_region"] == CITY
    # a second objection, filed by the operator for the subject
    assert (
        _post(
            gateway, path + "/objections", {"objection_id": "op-3", "reason": "主体再次异议"}
        ).status_code
        == 201
    )

    # the operator's client retries the very same decision with a fresh stamp
    again = _post(
        gateway, path + "/objections/op-2/decision", {**decision, "source_updated_at": stamp(1)}
    )

    assert again.status_code == 200, (again.status_code, again.json_body)
    assert again.json_body["changed"] is False
