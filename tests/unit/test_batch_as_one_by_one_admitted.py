"""Reviews 379, 381: one batch of a listing's entries stores and answers what they do sent one
by one (but an entry the batch superseded: a duplicate where one by one wrote it) — companies'
and persons' listings (ids keyed by region, a legacy one under the decision's id), purge marks,
entries naming any origin (the pusher, the county, another county), black listings,
evaluation results, extensions and commitments, held as pushed, moved on by a step, or ended,
relays on and off; listings promoted as the push path promotes them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from builders import CITY, COUNTY, RESIDENT_ID, USCC, entry
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.intake.admission import admission_problems
from gateway.intake.dedup import same_entry
from gateway.intake.storing import Stored, store
from gateway.ports import Write
from gateway.promotion import promote
from gateway_client.contract import Listing, ListingEntry, identity_of

TODAY = date(2025, 6, 2)
NOW = datetime(2025, 6, 2, 3, 0, tzinfo=UTC)
COUNTY2 = "441803"
PERSONS = [{"name": "张某", "role": "legal_representative", "id_number": "11010519491231002X"}]
EXT = {"decision_number": "(2025)粤1802执123号之一", "decided_on": "2025-04-01", "years": 1}
EXT2 = {"decision_number": "(2025)粤1802执123号之二", "decided_on": "2025-04-02", "years": 1}


class _Store:
    def __init__(self, held: Mapping[str, Listing]) -> None:
        self.held = dict(held)

    def current(self, keys: Sequence[tuple[str, str]]) -> dict[str, Listing]:
        return {i: self.held[i] for _, i in keys if i in self.held}

    def write(self, writes: Sequence[Write], region: str | None) -> set[str]:
        done = set()
        for new, expected in writes:
            now = self.held.get(new.listing_id)
            if (now.version if now is not None else None) == expected:
                marks = set(new.provenances) | ({region} if region else set())
                self.held[new.listing_id] = new.model_copy(
                    update={"provenances": tuple(sorted(marks))}
                )
                done.add(new.listing_id)
        return done

    def add_provenance(self, tags: Sequence[tuple[str, str, str]], region: str) -> None:
        for _, lid, _ in tags:
            now = self.held[lid]
            self.held[lid] = now.model_copy(
                update={"provenances": tuple(sorted({*now.provenances, region}))}
            )


def _raw(
    code: str,
    kind: str,
    second: int,
    until: str | None,
    ext: int,
    named: bool,
    reworded: bool,
    origin: str | None,
    grade: str,
    conduct: str | None = None,
    outcome: str | None = None,
) -> dict[str, Any]:
    if kind == "commitment":
        from test_commitments import commitment_entry

        settled = {"outcome": outcome, "outcome_on": "2019-05-01"} if outcome else {}
        made = commitment_entry(**settled, deadline="2019-04-20")
        made.update(credit_code=code, decided_on="2019-04-01", valid_from="2019-04-01")
    elif kind == "black":
        made = entry(credit_code=code, valid_until=until)
        if until is None:
            made["open_ended"] = True
        if ext:
            made["extension"] = EXT if ext == 1 else EXT2
            made["valid_until"] = None
            made.pop("open_ended", None)
    else:
        made = entry(
            credit_code=code,
            kind="evaluation",
            domain="tax_credit",
            severity=None,
            legal_basis=None,
            reason="2025年度纳税信用评价",
            deciding_authority="国家税务总局清远市税务局",
            decision_number="清税信评〔2026〕1号",
            decided_on="2025-04-01",
            valid_from="2025-04-01",
            valid_until=until or "2027-04-01",
            evaluation={"scheme": "tax_credit_grade", "grade": grade},
        )
    made["source_updated_at"] = f"2025-06-01T08:00:{second:02d}+08:00"
    if named:
        made["responsible_persons"] = PERSONS
    if reworded:
        made["reason"] = "另一理由"
    if origin is not None:
        made["origin_region"] = origin
    if conduct is not None and kind == "black":
        made["conduct_ended_on"] = conduct
    return made


def _entry(code: str, kind: str) -> st.SearchStrategy[ListingEntry]:
    return st.builds(
        lambda *a: ListingEntry.model_validate(_raw(code, kind, *a)),
        st.sampled_from([1, 3, 4, 5]),
        st.sampled_from(["2027-03-02", "2027-02-01", None]),
        st.sampled_from([0, 0, 1, 2]) if kind == "black" else st.just(0),
        st.booleans(),
        st.booleans(),
        st.sampled_from([None, CITY, COUNTY, COUNTY2]),
        st.sampled_from(["A", "D"]),
        st.sampled_from([None, None, "2019-01-01", "2024-01-01"]),
        st.sampled_from([None, "kept", "broken"]),
    )


def _answers(stored: Stored) -> dict[int, str]:
    found = {i: "accepted" for i, _ in stored.accepted}
    found |= {i: "duplicate" for i, _ in stored.duplicates}
    for refusal in stored.refused:
        assert refusal.index not in found, refusal
        found[refusal.index] = f"{refusal.code}:{refusal.field}"
    return found


def _sent(held, marks, entries, size, relays):  # type: ignore[no-untyped-def]
    kept = _Store(held)
    purged = lambda ids: {i: marks[i] for i in ids if i in marks}  # noqa: E731
    answers: dict[int, str] = {}
    for start in range(0, len(entries), size):
        batch = entries[start : start + size]
        answers |= _answers(store(kept, batch, CITY, relays, purged, TODAY, 5))
    return answers, kept.held


@settings(
    max_examples=400,
    deadline=None,
    report_multiple_bugs=False,
    suppress_health_check=list(HealthCheck),
)
@given(
    data=st.data(),
    code=st.sampled_from([USCC, RESIDENT_ID]),
    kind=st.sampled_from(["black", "evaluation", "commitment"]),
    relays=st.booleans(),
    how=st.sampled_from(
        ["none", "held", "legacy", "purged", "purged_legacy", "stepped", "ended", "ended_long"]
    ),
    owner=st.sampled_from([CITY, COUNTY]),
)
def test_one_batch_as_its_entries_one_by_one(data, code, kind, relays, how, owner) -> None:  # type: ignore[no-untyped-def]
    strategy = _entry(code, kind)
    first = data.draw(strategy)
    base = promote(first.model_copy(update={"origin_region": owner}), owner, NOW)
    held: dict[str, Listing] = {}
    marks: dict[str, str] = {}
    if how == "held":
        held[base.listing_id] = base
    elif how == "stepped":
        from gateway_client.contract.listing_entry import version_of

        stepped = base.model_copy(
            update={"version": version_of(datetime(2025, 6, 1, 0, 0, 4, tzinfo=UTC), 2)}
        )
        held[base.listing_id] = stepped
    elif how in ("ended", "ended_long"):
        from gateway.lifecycle import Removal, remove

        at = (
            datetime(2025, 6, 1, 0, 0, 2, tzinfo=UTC)
            if how == "ended"
            else datetime(2019, 6, 1, tzinfo=UTC)
        )
        r = Removal(
            credit_code=base.credit_code,
            kind=base.kind,
            domain=base.domain,
            deciding_authority=base.deciding_authority,
            decision_number=base.decision_number,
            reason="revoked",
            source_updated_at=datetime(2025, 6, 1, 0, 0, 2, tzinfo=UTC),
        )
        ended = remove(base, r, owner, at)
        held[base.listing_id] = ended
    elif how == "legacy":
        moved = base.model_copy(update={"listing_id": identity_of(first)})
        held[moved.listing_id] = moved
    elif how == "purged":
        marks[base.listing_id] = owner
    elif how == "purged_legacy":
        marks[identity_of(first)] = owner
    drawn = data.draw(st.lists(strategy, min_size=2, max_size=4))
    entries = [
        (i, promote(x, CITY, NOW))
        for i, x in enumerate(drawn)
        if not admission_problems(x, CITY, relays, NOW, timedelta(minutes=5), (), 5)
    ]

    if not entries:
        return
    alone, after_alone = _sent(held, marks, entries, 1, relays)
    together, after_together = _sent(held, marks, entries, len(entries), relays)

    assert set(together) == set(alone)
    superseded = {i for i in alone if (alone[i], together[i]) == ("accepted", "duplicate")}
    assert all(together[i] == alone[i] or i in superseded for i in alone), (
        alone,
        together,
        code,
        kind,
        relays,
        how,
        owner,
        [
            (x.origin_region, x.version[-20:], x.valid_until, x.extension and x.extension.years)
            for _, x in entries
        ],
    )
    assert after_together.keys() == after_alone.keys()
    for lid, one in after_alone.items():
        both = after_together[lid]
        assert same_entry(both, one), (both, one)
        assert both.origin_region == one.origin_region
        assert both.provenances == one.provenances
        assert both.named_persons_before == one.named_persons_before
        assert both.status == one.status
