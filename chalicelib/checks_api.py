"""Batch checks and signed check reports (``gateway.checks``): ``POST /v1/checks``."""

from __future__ import annotations

from chalice.app import Request, Response
from pydantic import Field

from chalicelib import caller
from chalicelib.bootstrap import container
from chalicelib.http_errors import REPLY_BUDGET, json_response, reply_bytes
from chalicelib.route_spec import Access, Operation, Reply, Tag
from gateway.checks import (
    MAX_CODES,
    CheckOutcome,
    CheckRequest,
    SignedCheckReport,
    check,
    compacted,
    issue_report,
    log_position,
    named_reader,
    openings,
)
from gateway.rate_limit import admit
from gateway.recognition import Asked, subject_key
from gateway.validation import parse_request
from gateway_client.contract import PayloadTooLarge, china_date, errors


class CheckAnswer(CheckOutcome):
    report: SignedCheckReport | None = Field(
        description="the signed report, when the request asked for one"
    )
    report_openings: tuple[str | None, ...] | None = Field(
        default=None,
        description="with a report: each result's opening of the report's commitment to the "
        "number it shows masked (null where none). Never in the report: hand a number's "
        "opening, with the report, only to whoever must know the report is about that number "
        "(`gateway verify-report --code … --opening …`); it is as private as the number",
    )


def run_check(request: Request) -> Response:
    """Who asks is settled before the body is read, the minute's checks counted once it is
    read (a request refused for its body uses none of them); the trail is written before the
    answer goes out, so no answer leaves without its record."""
    c = container()
    viewer = caller.viewer(request)
    if viewer.anonymous:
        caller.signed_region(request)  # 401 missing_signature: a check names who asks
    now = c.clock.now()
    asked = parse_request(CheckRequest, caller.body(request), china_date(now))
    caller.registered_source(asked.as_region, "as_region")
    limit = c.settings.checks_per_minute  # counted once the request is one: a refusal uses none
    admit(
        c.rates,
        f"checks#{viewer.region or 'operator'}",
        now,
        limit,
        f"batch checks are limited to {limit} a minute per region",
    )
    # each person's code a try at its mask (429), before anything is read: even a check that
    # is refused for its answer's size (413) has told whether something was found (review 50)
    valid, _ = compacted(asked.codes, now)
    c.tries.admit(viewer.region or "operator", [(f"codes[{i}]", x) for i, x in valid.items()], now)
    named = named_reader(c.persons, c.listings)  # a person's code: the listings naming them
    checked = check(asked, viewer, c.listings.subjects, c.agreements.all(), now, named=named)
    outcome = checked.outcome
    report = opened = None
    if asked.report:
        position = log_position(c.log_publisher.latest())
        key = c.report_opening_key("check", viewer.region or "operator", outcome.check_id)
        opened = openings(outcome, checked.codes, key)
        signer = c.signers.ed25519
        issued = c.clock.now()  # after the last read and the log's position (review 278)
        report = issue_report(
            outcome, viewer.key_named, position, signer, checked.codes, opened, issued
        )
    made = CheckAnswer(**dict(outcome), report=report, report_openings=opened)
    answer = made.model_dump(mode="json")
    size = reply_bytes(answer)
    keep = c.settings.query_trail_period
    trail = checked.trail(
        Asked(viewer, asked.purpose, outcome.as_region, now, keep, outcome.check_id)
    )
    # in the trail even when refused for its size, which tells what was found (review 294: a
    # check padded to fit only when its one person's code found nothing confirmed it untraced)
    c.query_trail.record_all([(subject_key(c.trail_key(), code), e) for code, e in trail])
    if size > REPLY_BUDGET:  # nothing answered, nor counted as a check made
        raise PayloadTooLarge(  # not how much over: the size tells what was found
            f"the answer would take over {REPLY_BUDGET} bytes as Lambda sends it: check fewer "
            "codes a request, or use a bulk check (gateway check --bulk)",
            limit=REPLY_BUDGET,
        )
    if viewer.region is not None:  # a region's usage, for its statistics (the operator's: none)
        counts = {"checks": 1, "codes_checked": len(checked.codes), "reports": int(asked.report)}
        c.usage.add(viewer.region, f"{china_date(now):%Y-%m}", counts, now)
    return json_response(200, answer)


ROUTES: tuple[Operation, ...] = (
    Operation(
        "POST",
        "/v1/checks",
        "batch_check",
        Tag.PUSH,
        f"Batch check (应查必查): up to {MAX_CODES} codes, each as the one-stop query shows it",
        Access.OPERATOR_OR_PLATFORM,
        {200: Reply(CheckAnswer, "One result per code, in the order asked.")},
        (errors.MalformedJson, errors.SchemaError, errors.RateLimited, errors.PayloadTooLarge),
        body=CheckRequest,
        description="Each code is answered as `GET /v1/subjects/{credit_code}` answers the same "
        "caller: the same disclosure of ID numbers, recognition and measures for `as_region` "
        "(a platform's own region when absent). A resident ID number's result also holds "
        "`named_in`: the listings of other subjects naming the person as a responsible person, "
        "as `POST /v1/persons/query` shows them to the same caller. A code that is not one is "
        "that entry's "
        "`error` (`bad_request`, path `codes[<index>]`, with its `reason`); the others are "
        "still checked. Every valid code leaves an entry in the query trail, found or not, "
        "with the check's id. A code asked twice is answered once (the repeat: "
        "`duplicate_code`). With `report: true` the answer carries a report signed by the "
        "gateway's key (see `gateway verify-report`). An answer over 5 MB is 413 "
        "`payload_too_large`, with its trail entries and tries at masked numbers recorded "
        "(its size tells what was found), nothing else. Each region "
        "may run "
        "`CG_CHECKS_PER_MINUTE` (30) checks a minute, and the operator as many in all (429 "
        "`rate_limited`); and `CG_TRIES_PER_MASKED_NUMBER_PER_DAY` (1,000) natural persons' "
        "codes at one masked number a Beijing day, over every route that confirms a number: "
        "a check that would go over is refused whole (429 `rate_limited`, path the first "
        "code over, `Retry-After` until Beijing's midnight), nothing checked or recorded.",
        handler=run_check,
    ),
)
