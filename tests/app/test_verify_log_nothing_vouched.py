"""verify-log never says OK on nothing proven (review 298):

- a subscription made while the log was empty (``log_start`` 0), delivered nothing and shown
  no checkpoint, was told OK ("nothing to vouch for"), and as that run kept no --state, every
  later run was a first run again, OK for ever ("a run with no trusted checkpoint is never
  OK", the README says);
- a ``log_start`` (unsigned) past every signed size, impossible for an honest gateway (the
  log's size when the subscription began cannot exceed a later signed size), owed nothing of
  anything signed: every delivery withheld, verify-log OK, witnessed too, and --state pinned
  it."""

from __future__ import annotations

from app_support import CITY, HUNAN, black_entry
from delivery_support import push_and_fan_out, subscribe
from test_verify_log_hostile import _verify, _withheld
from test_witnessing import witness  # noqa: F401


def test_a_subscriber_owed_everything_and_shown_no_checkpoint_is_not_ok(
    gateway, aws, stream, hook, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    city = gateway.register_platform(CITY)
    assert gateway.put_region(HUNAN).status_code == 200
    sub_id = subscribe(gateway, hook.url)["subscription_id"]  # the log is empty: log_start 0
    entries = [black_entry(decision_number=f"(2024)黑09执12{n}号") for n in (3, 4)]
    push_and_fan_out(gateway, stream, city, CITY, entries)  # logged, signed; never delivered

    report = _verify(gateway, monkeypatch, sub_id, [], _withheld)

    assert not report.ok, (
        f"OK with {report.checked_entries} entries, through {report.verified_through}: "
        "two owed changes withheld with every checkpoint"
    )


def _log_start_zero_and_withheld(path: str, body: dict) -> dict:  # type: ignore[type-arg]
    """Every checkpoint withheld, and the subscription said to begin at an empty log (its
    ``log_start`` is the gateway's unsigned word)."""
    if path.startswith("/v1/subscriptions/"):
        return {**body, "log_start": 0}
    return _withheld(path, body)


def test_a_new_subscriber_told_log_start_0_and_shown_no_checkpoint_is_not_ok(
    gateway, aws, stream, hook, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    city = gateway.register_platform(CITY)
    assert gateway.put_region(HUNAN).status_code == 200
    push_and_fan_out(gateway, stream, city, CITY, [black_entry()])  # the log holds 1
    sub_id = subscribe(gateway, hook.url)["subscription_id"]
    later = black_entry(decision_number="(2024)黑09执124号")
    push_and_fan_out(gateway, stream, city, CITY, [later])  # owed; withheld

    report = _verify(gateway, monkeypatch, sub_id, [], _log_start_zero_and_withheld)

    assert not report.ok, "OK: an owed change withheld, with every checkpoint, behind log_start 0"


def _log_start_past_the_head(path: str, body: dict) -> dict:  # type: ignore[type-arg]
    """Honest checkpoints; the subscription said to begin at a size no signed checkpoint
    reaches (the log's size when it began cannot exceed a later signed size)."""
    if path.startswith("/v1/subscriptions/"):
        return {**body, "log_start": 10**12}
    return body


def _two_owed(gateway, stream, hook) -> str:  # type: ignore[no-untyped-def]
    """A subscription (its id) owed two changes logged since it began, both withheld."""
    city = gateway.register_platform(CITY)
    assert gateway.put_region(HUNAN).status_code == 200
    sub_id: str = subscribe(gateway, hook.url)["subscription_id"]
    entries = [black_entry(decision_number=f"(2024)黑09执12{n}号") for n in (3, 4)]
    push_and_fan_out(gateway, stream, city, CITY, entries)
    return sub_id


def test_a_log_start_past_the_signed_head_excuses_nothing(
    gateway, aws, stream, hook, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    sub_id = _two_owed(gateway, stream, hook)

    report = _verify(gateway, monkeypatch, sub_id, [], _log_start_past_the_head)

    assert not report.ok, (
        f"OK through {report.verified_through}, owed from {report.owed_from}: "
        "every owed change withheld behind a log_start past the signed head"
    )


def test_a_log_start_past_the_signed_head_fails_the_witnessed_run_too(
    gateway,
    aws,
    stream,
    hook,
    monkeypatch,
    witness,  # noqa: F811  (the fixture imported above)
) -> None:  # type: ignore[no-untyped-def]
    from test_witnessing import scheduled_tick

    sub_id = _two_owed(gateway, stream, hook)
    scheduled_tick()  # the witness cosigns the honest latest checkpoint

    report = _verify(
        gateway,
        monkeypatch,
        sub_id,
        [],
        _log_start_past_the_head,
        witnesses=[witness.verifier],
        witnesses_required=1,
    )

    assert report.witnessed_through >= 2  # the log itself is honest and witnessed
    assert not report.ok, "OK, witnessed: every owed change withheld behind log_start 10**12"


def test_a_log_start_past_the_head_is_never_pinned_in_the_state(
    gateway, aws, stream, hook, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from test_verify_log_hostile import _seen

    city = gateway.register_platform(CITY)
    assert gateway.put_region(HUNAN).status_code == 200
    sub_id = subscribe(gateway, hook.url)["subscription_id"]
    push_and_fan_out(gateway, stream, city, CITY, [black_entry()])
    first = _verify(gateway, monkeypatch, sub_id, [], _log_start_past_the_head)
    later = black_entry(decision_number="(2024)黑09执124号")
    push_and_fan_out(gateway, stream, city, CITY, [later])  # owed; withheld too

    second = _verify(gateway, monkeypatch, sub_id, [], _log_start_past_the_head, seen=_seen(first))

    assert not (first.ok and second.ok), "two runs, the second with --state, both OK"
