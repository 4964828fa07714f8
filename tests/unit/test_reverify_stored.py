"""`gateway verify-log` re-verifies each stored line against the signature `gateway listen`
kept: an edit of what the log does not bind — recognition, measures, sequence — is reported
as altered, as is a signature no listed key verifies (a key withdrawn); a store kept before
signatures were, and a ``v1`` signature without its secret, are said, not failed."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from batch_support import BatchGateway, batched, changes, numbered
from builders import NOW, make_signer, subscription
from proof_support import (
    ED25519,
    SM2,
    announced,
    edit_line,
    flip_recognition,
    listening,
    reverified,
    signed_singly,
)

from gateway_client.contract import generate_hmac_secret, public_key_text, purged
from gateway_client.kept_proofs import BatchCut, record_line
from gateway_client.subscriber_files import LocalFileError, read_kept


def kept_singly(store: Path, count: int = 2, **target: Any) -> list[str]:
    """``count`` deliveries received one by one (``target``: the subscription's terms)."""
    to = subscription("sub-hunan", region="430000", **target)
    listener = listening(store, secret=target.get("secret"))
    planned = numbered(changes(count), [batched()])
    for delivery in planned:
        assert listener.handle(*signed_singly(delivery, to))[0] == 204
    return [d.delivery_id for d in planned]


def kept_in_a_batch(store: Path, count: int = 3) -> list[str]:
    gateway = BatchGateway()
    planned = numbered(changes(count, first=10), [gateway.target])  # other subjects
    headers, body, files = announced(gateway, planned)
    assert listening(store, files).handle(headers, body)[0] == 204
    return [d.delivery_id for d in planned]


def altered(found: Any, delivery_id: str) -> list[str]:
    return [p for p in found.problems if f"delivery {delivery_id} was altered" in p]


def test_every_line_the_listener_kept_is_re_verified(tmp_path: Path) -> None:
    store = tmp_path / "d.ndjson"
    kept_singly(store)
    kept_in_a_batch(store)

    found = reverified(store)

    assert (found.reverified, found.problems, found.unsigned, found.unreverified) == (5, (), (), ())


@pytest.mark.parametrize(
    "edit",
    [
        flip_recognition,
        lambda d: d["recognition"].update(basis=["agr_forged"], reasons=[]),
        lambda d: d.update(sequence=99),
        lambda d: d.update(
            intensified={"credit_code": "x", "intensified": True, "domains": ["a", "b"]}
        ),
    ],
    ids=["recognised-flipped", "basis-forged", "sequence", "intensified"],
)
def test_a_stored_delivery_edited_where_the_log_does_not_look_is_altered(
    tmp_path: Path, edit: Any
) -> None:
    """The review's case: `data` is bound to the log, the rest of the delivery only by the
    signature; flipping `recognised` (whether joint punishment applies) is caught."""
    store = tmp_path / "d.ndjson"
    kept_singly(store)
    delivery_id = edit_line(store, 1, edit)

    found = reverified(store)

    assert altered(found, delivery_id), found.problems
    assert "no longer verifies" in found.problems[0]
    assert found.reverified == 1


def test_a_line_of_a_batch_edited_in_the_store_is_altered(tmp_path: Path) -> None:
    store = tmp_path / "d.ndjson"
    kept_in_a_batch(store)
    delivery_id = edit_line(store, 2, flip_recognition)

    found = reverified(store)

    assert altered(found, delivery_id), found.problems
    assert "differs from its line in batch bat_test" in found.problems[0]
    assert found.reverified == 2


def test_a_batch_line_edited_in_the_store_and_in_the_kept_file_is_altered(tmp_path: Path) -> None:
    store = tmp_path / "d.ndjson"
    kept_in_a_batch(store)
    delivery_id = edit_line(store, 0, flip_recognition)
    [file] = (tmp_path / "d.ndjson.batches").iterdir()
    edit_line(file, 0, flip_recognition)

    found = reverified(store)

    assert altered(found, delivery_id), found.problems
    assert "no longer has the SHA-256 its announcement signed" in found.problems[0]


def test_a_batch_file_cut_without_an_erasure_of_its_listing_is_altered(tmp_path: Path) -> None:
    """A cut is excused only for a listing whose `purged` tombstone is stored: else anyone
    could cut a line and say so to have the file's other lines go unchecked."""
    store = tmp_path / "d.ndjson"
    ids = kept_in_a_batch(store)
    [file] = (tmp_path / "d.ndjson.batches").iterdir()
    lines = file.read_bytes().split(b"\n")
    file.write_bytes(b"\n".join(lines[1:]))
    cut = BatchCut(sha256=file.stem, listing_id="lst_not_purged", lines=1)
    with (tmp_path / "d.ndjson.signatures").open("ab") as out:
        out.write(record_line(cut))

    found = reverified(store)

    assert altered(found, ids[1]), found.problems
    assert "was cut, and not by an erasure" in found.problems[0]


def test_a_store_kept_before_signatures_were_passes_with_each_line_said(tmp_path: Path) -> None:
    store = tmp_path / "d.ndjson"
    ids = kept_singly(store)
    (tmp_path / "d.ndjson.signatures").unlink()

    found = reverified(store)
    required = reverified(store, required=True)

    assert (found.problems, found.unsigned) == ((), tuple(ids))
    assert [p.split(" is not")[0] for p in required.problems] == [f"delivery {i}" for i in ids]


def test_a_v1_delivery_is_matched_with_its_secret_and_said_without_it(tmp_path: Path) -> None:
    """A v1 signature is an HMAC under the secret the province's listener holds too: matched,
    it is counted apart from the gateway's own signatures (it shows no edit by anyone without
    the secret, and nothing against whoever holds it); matching none of the secrets given, it
    is not checked, not altered: after a rotation the old secret may just not be given."""
    store = tmp_path / "d.ndjson"
    secret = generate_hmac_secret()
    ids = kept_singly(store, signature_scheme="v1", secret=secret)

    without = reverified(store)
    given = reverified(store, secrets=(generate_hmac_secret(), secret))  # rotated: both
    rotated = reverified(store, secrets=(generate_hmac_secret(),))  # the old one not given
    required = reverified(store, secrets=(generate_hmac_secret(),), required=True)

    assert without.problems == ()
    assert without.unreverified == tuple((i, "v1 (HMAC): no --secret-file given") for i in ids)
    assert (given.reverified, given.by_secret, given.problems) == (0, 2, ())
    assert rotated.problems == ()
    assert [i for i, _ in rotated.unreverified] == ids
    assert all("matches none of the secrets given" in why for _, why in rotated.unreverified)
    assert [p.split(" is not re-verified: v1 (HMAC)")[0] for p in required.problems] == [
        f"delivery {i}" for i in ids
    ]


def test_a_key_retired_before_the_delivery_was_signed_does_not_verify_it(tmp_path: Path) -> None:
    store = tmp_path / "d.ndjson"
    [first, _] = kept_singly(store)
    retired = ED25519.model_copy(update={"valid_until": NOW - timedelta(days=1)})

    found = reverified(store, keys=(retired,))

    assert altered(found, first), found.problems


def test_what_a_key_withdrawn_from_the_list_signed_fails_as_altered(tmp_path: Path) -> None:
    """The kept key id is not signed: trusting it, an editor renaming it made an edit "not
    re-verified". Every key listed for the scheme is tried instead, and a signature none of
    them verifies is altered — what a withdrawn key signed cannot be told from an edit."""
    store = tmp_path / "d.ndjson"
    ids = kept_singly(store)
    other = SM2.model_copy(update={"key_id": "gw-2.sm2"})
    replacement = public_key_text(make_signer("gw-2").private_key)
    withdrawn = ED25519.model_copy(update={"key_id": "gw-2", "public_key": replacement})

    found = reverified(store, keys=(withdrawn, other))

    assert [altered(found, i) != [] for i in ids] == [True, True], found.problems
    assert found.unreverified == ()


def test_an_sm2_signed_delivery_is_re_verified_with_the_sm2_keys(tmp_path: Path) -> None:
    store = tmp_path / "d.ndjson"
    to = subscription("sub-hunan", region="430000", signature_scheme="v1sm2")
    [delivery] = numbered(changes(1), [batched()])
    assert listening(store, keys=(SM2,)).handle(*signed_singly(delivery, to))[0] == 204

    assert reverified(store, keys=(SM2,)).reverified == 1
    [(_, why)] = reverified(store, keys=(ED25519,)).unreverified
    assert why == "signed v1sm2, not checked with these keys"


def test_the_tombstone_of_a_purged_listing_is_re_verified_after_the_erasure(
    tmp_path: Path,
) -> None:
    store = tmp_path / "d.ndjson"
    made = changes(2)
    listener = listening(store)
    for delivery in numbered(made, [batched()]):
        listener.handle(*signed_singly(delivery))
    [tombstone] = numbered([purged(made[0].listing, NOW)], [batched()], first_log=90)
    listener.handle(*signed_singly(tombstone))

    found = reverified(store)

    assert (found.reverified, found.problems) == (2, ())


def test_a_kept_signatures_file_someone_wrote_over_is_refused_in_one_line(tmp_path: Path) -> None:
    store = tmp_path / "d.ndjson"
    kept_singly(store, 1)
    with (tmp_path / "d.ndjson.signatures").open("ab") as out:
        out.write(b'{"kind": "delivery"}\n')

    with pytest.raises(LocalFileError, match=r"d\.ndjson\.signatures line 2: not a kept"):
        read_kept(store)
