"""Listings stored before input refused resident ID numbers in text, and before the owner's
verification note stayed on the objection: a view that masks numbers masks those in the text
too, and leaves the note out of the history; the full view and every delivery keep the text as
stored (a delivery's digest covers it)."""

from __future__ import annotations

import pytest
from builders import NOW, listing, person

from gateway.recognition import ANONYMOUS, Viewer, subject_view
from gateway.recognition.disclosure import Disclosure, ids_masked, shown
from gateway_client.contract import Listing, Transition, china_date, masked
from gateway_client.contract.listing import TransitionEvent

NUMBER = "420281199503150210"
NOTE = "申请人称已清偿全部债务"


def stored_before() -> Listing:
    """Built past input validation, as a listing read back from the table is."""
    held = listing(responsible_persons=[person()])
    verified = Transition(
        event="objection_verified",
        status=held.status,
        at=NOW,
        by="420281",
        reason=f"objection obj-1 verified: {NOTE}",
    )
    return held.model_copy(
        update={
            "reason": f"法定代表人王某（公民身份号码：{NUMBER}）拒不履行",
            "decision_number": f"（2023）{NUMBER[:6]} {NUMBER[6:14]} {NUMBER[14:]}号",
            "history": (verified,),
        }
    )


def test_a_masked_view_masks_numbers_in_text_and_leaves_the_old_note_out() -> None:
    seen = shown(stored_before(), Disclosure.MASKED)

    text = seen.model_dump_json()
    assert NUMBER not in text
    assert NUMBER[6:14] not in text  # the birth date of the spaced one too
    assert "公民身份号码：420281***********0）" in seen.reason
    assert seen.history[0].reason == "objection obj-1 verified"
    assert NOTE not in text


def test_a_public_view_shows_no_number_either() -> None:
    seen = shown(stored_before(), Disclosure.PUBLIC)

    assert NUMBER not in seen.model_dump_json()


def test_a_browser_is_shown_the_numbers_in_text_masked_and_the_owner_its_own_note() -> None:
    seen = ids_masked(stored_before())

    assert NUMBER not in seen.model_dump_json()
    assert seen.history[0].reason.endswith(NOTE)


def test_the_full_view_and_a_delivery_keep_the_text_as_stored() -> None:
    held = stored_before()

    assert shown(held, Disclosure.FULL) == held
    assert masked(held).reason == held.reason  # what fan-out sends, under the log's digest


def test_a_listing_stored_since_the_rules_is_shown_unchanged() -> None:
    held = listing(responsible_persons=[person()])

    assert shown(held, Disclosure.MASKED) == masked(held)


def test_the_subject_views_own_name_is_the_shown_listings_not_the_stored_one() -> None:
    """Review 47c F2: the view's top-level ``subject_name`` was copied as stored."""
    held = stored_before().model_copy(update={"subject_name": f"某某商行（经营者王某 {NUMBER}）"})

    for who in (ANONYMOUS, Viewer(kind="region", region="430000")):
        view = subject_view([held], None, [], china_date(NOW), who)
        assert view is not None
        assert NUMBER not in view.model_dump_json()
        assert view.subject_name == view.listings[0].listing.subject_name


@pytest.mark.parametrize(
    ("event", "reason", "kept"),
    [
        ("repaired", f"credit repair: {NOTE}", "credit repair"),
        ("removed", f"removed: repaired — {NOTE}", "removed: repaired"),
        # a resync's removal named its upload, an id of the platform's choosing (review 249)
        ("removed", "removed: revoked — absent from full resync u-1", "removed: revoked"),
    ],
)
def test_a_masked_view_leaves_out_an_old_repairs_or_removals_words(
    event: TransitionEvent, reason: str, kept: str
) -> None:
    """Review 244: before those words moved to the step's ``note``, which ``masked`` leaves
    out, they were written into its reason."""
    held = listing()
    step = Transition(event=event, status=held.status, at=NOW, by="420281", reason=reason)
    stored = held.model_copy(update={"history": (step,)})

    assert shown(stored, Disclosure.MASKED).history[0].reason == kept
    assert shown(stored, Disclosure.FULL).history[0].reason == reason


@pytest.mark.parametrize(
    ("by", "reason"),
    [
        ("420281", "removed: revoked — absent from full resync"),
        ("gateway", "removed: revoked — the broken commitment was revoked"),
    ],
    ids=["a resync's removal", "the gateway's own step"],
)
def test_the_gateways_own_words_stay_in_a_masked_view(by: str, reason: str) -> None:
    """Review 246: the words the gateway writes are no platform's note about the subject."""
    held = listing()
    step = Transition(event="removed", status=held.status, at=NOW, by=by, reason=reason)
    stored = held.model_copy(update={"history": (step,)})

    assert shown(stored, Disclosure.MASKED).history[0].reason == reason


def test_a_steps_note_is_left_out_where_masked_and_bound_by_the_commitment() -> None:
    held = listing(responsible_persons=[person()]).model_copy(update={"id_salt": "ab" * 16})
    step = Transition(
        event="repaired", status=held.status, at=NOW, by="420281", reason="credit repair"
    )
    with_note = held.model_copy(update={"history": (step.model_copy(update={"note": NOTE}),)})
    other = held.model_copy(update={"history": (step.model_copy(update={"note": "另一说法"}),)})

    hidden = masked(with_note)
    assert NOTE not in hidden.model_dump_json()
    assert "note" not in hidden.model_dump(mode="json")["history"][0]
    assert hidden.ids_commitment != masked(other).ids_commitment
    # a listing with no note binds what it did before notes
    assert (
        masked(held).ids_commitment
        == masked(held.model_copy(update={"history": (step,)})).ids_commitment
    )
