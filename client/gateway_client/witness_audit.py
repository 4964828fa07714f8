"""``verify-log --witnesses-required K``: which checkpoints K independent witnesses vouch for.

A witness cosigns a checkpoint only if it extends everything that witness cosigned before
(C2SP tlog-witness), so a checkpoint cosigned by K witnesses is one the gateway showed, with the
same history, to each of them. ``verify-log`` already proves the latest checkpoint extends every
trusted one; with a witnessed one among them, this subscriber's log is the one the witnesses
saw — not a fork made for it alone.

A cosignature line counts only if it verifies under a listed witness key over the very text the
gateway signed; a malformed or forged line is ignored (it proves nothing, but it cannot spoil
the others), and a witness counts once whatever number of lines, keys or names it has: one key
listed under two names is one party (whoever holds it signs as both), as are two keys listed
under one name.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from gateway_client.contract import Checkpoint, LogEntry
from gateway_client.tlog import CosignatureVerifier, NoteError, open_note


def parties(witnesses: Sequence[CosignatureVerifier]) -> dict[str, str]:
    """Each listed witness's name → the party it is part of (named by one of its names):
    names sharing a key, and so the keys under those names, are one party."""
    joined: dict[str, str] = {}  # a name → a name of the same party, up to one that is its own

    def party(name: str) -> str:
        while joined[name] != name:
            name = joined[name]
        return name

    first_named: dict[bytes, str] = {}  # a key → the first name it is listed under
    for witness in witnesses:
        joined.setdefault(witness.name, witness.name)
        other = first_named.setdefault(witness.key.public_bytes_raw(), witness.name)
        joined[party(witness.name)] = party(other)
    return {name: party(name) for name in joined}


SKEW = timedelta(minutes=10)
"""How far ahead of this machine's clock a cosignature's time may be: witnesses' clocks drift."""


def cosigners(
    checkpoint: Checkpoint,
    witnesses: Sequence[CosignatureVerifier],
    now: datetime | None = None,
) -> set[str]:
    """The parties (``parties``) of the listed witnesses with a valid cosignature of the
    checkpoint. A cosignature timed 0 counts for nothing (C2SP tlog-witness: a witness never
    signs one), nor, given ``now``, one timed beyond ``now + SKEW`` (tlog-cosignature lets a
    verifier refuse those: a time not yet come vouches for nothing)."""
    return set(cosigned_at(checkpoint, witnesses, now))


def cosigned_at(
    checkpoint: Checkpoint,
    witnesses: Sequence[CosignatureVerifier],
    now: datetime | None = None,
) -> dict[str, int]:
    """``cosigners``, each party with the time of its latest valid cosignature (seconds)."""
    text = checkpoint.signed_bytes().decode()
    party = parties(witnesses)
    latest = None if now is None else (now + SKEW).timestamp()
    found: dict[str, int] = {}
    for line in checkpoint.cosignatures:
        ended = line if line.endswith("\n") else line + "\n"
        note = f"{text}\n{ended}"
        try:
            _, verified = open_note(note, witnesses)
        except NoteError:
            continue  # unknown key, forged, or not a signature line at all
        for witness in witnesses:
            at = _timed(witness, note, latest) if witness.name in verified else None
            if at is not None:
                found[party[witness.name]] = max(at, found.get(party[witness.name], 0))
    return found


def _timed(witness: CosignatureVerifier, note: str, latest: float | None) -> int | None:
    """When this key of the witness cosigned the note, if timed after 0 and by ``latest`` (a
    name listed with its old and its new key: only the key that signed has a time)."""
    try:
        timestamp = witness.timestamp_of(note)
    except NoteError:
        return None
    return timestamp if timestamp > 0 and (latest is None or timestamp <= latest) else None


def witnessed_through(
    trusted: Sequence[Checkpoint],
    witnesses: Sequence[CosignatureVerifier],
    required: int,
    now: datetime | None = None,
) -> tuple[int, list[str]]:
    """The largest size ``required`` distinct witnesses (parties, by name and key) each
    cosigned, in that checkpoint or a larger trusted one (0 when none), and the problem to
    report when ``required`` is asked for and none is. A witness that cosigned a larger
    checkpoint vouched for its prefixes too: the trusted checkpoints are proven each a prefix
    of the latest. So witnesses answering at different ticks still vouch together (review
    298: only a checkpoint each of them cosigned counted, and the route lists the newest
    twenty and each witness's last: an honest log failed until they all answered at once)."""
    if required <= 0:
        return 0, []
    largest: dict[str, int] = {}  # each party's largest cosigned trusted size
    for checkpoint in trusted:
        for party in cosigners(checkpoint, witnesses, now):
            largest[party] = max(largest.get(party, 0), checkpoint.sequence)
    sizes = sorted(largest.values(), reverse=True)
    if len(sizes) >= required:
        return sizes[required - 1], []
    names = sorted({w.name for w in witnesses})
    return 0, [
        f"no signed checkpoint carries valid cosignatures of {required} of the witnesses "
        f"{names}: nothing shows that others were shown the same log"
    ]


WITNESS_LAG = timedelta(hours=24)
"""How long an entry may stay in no witnessed checkpoint (``lagging``): the gateway asks its
witnesses hourly, so a day is many chances missed, not a witness's slow afternoon."""


def lagging(
    entries: Sequence[LogEntry], witnessed: int, required: int, lag: timedelta, now: datetime
) -> list[str]:
    """The problem when entries beyond the witnessed size were logged longer than ``lag`` ago.

    Beyond the witnessed size an entry is vouched for by the gateway's signature alone, and
    ``--state`` proves only that this subscriber's view extends itself: a history shown to it
    and never to the witnesses would pass for ever. So it is allowed only for a while (review
    33); an entry's ``at`` is fixed by its leaf, so a run with ``--state`` cannot be shown the
    same entries re-dated."""
    if required <= 0 or not witnessed:
        return []  # none asked for, or none witnessed at all (``witnessed_through`` says so)
    stale = [e for e in entries if e.sequence > witnessed and now - e.at > lag]
    if not stale:
        return []
    first = stale[0]
    return [
        f"log entries from {first.sequence} on (logged {first.at.isoformat()}) are in no "
        f"checkpoint {required} witnesses cosigned after {lag}: a history the witnesses were "
        "not shown (is the gateway asking them? --witness-lag-hours sets how long this may last)"
    ]


ASKED_EVERY = timedelta(hours=1)
"""How often the gateway asks its witnesses (its lifecycle tick): ``frozen`` allows one more."""


def frozen(
    trusted: Sequence[Checkpoint],
    witnesses: Sequence[CosignatureVerifier],
    required: int,
    lag: timedelta,
    now: datetime,
) -> list[str]:
    """The problem when fewer than ``required`` witnesses cosigned any checkpoint shown within
    ``lag`` (review 51): a gateway that stops showing one subscriber its log, serving it the
    last checkpoint the witnesses cosigned before, is caught by time alone, as a witness never
    cosigns a checkpoint behind its own record. The gateway asks its witnesses hourly, the
    latest checkpoint again when nothing was logged meanwhile, so an honest log's cosignatures
    are never a day old."""
    if required <= 0:
        return []
    newest: dict[str, int] = {}
    for checkpoint in trusted:
        for party, at in cosigned_at(checkpoint, witnesses, now).items():
            newest[party] = max(at, newest.get(party, 0))
    window = lag + ASKED_EVERY  # a lag of an hour must not fail between two of its asks
    if sum(at >= (now - window).timestamp() for at in newest.values()) >= required:
        return []
    return [
        f"no {required} witnesses cosigned any checkpoint shown in the last "
        f"{window.total_seconds() / 3600:g} hours: the log "
        "shown may be one the gateway stopped growing for this subscriber alone (is it asking "
        "its witnesses? --witness-lag-hours sets how long this may last)"
    ]
