"""What a kept signature is trusted for (review 14): its unsigned parts decide nothing — a
`webhook-timestamp` dated before the change it carries occurred is altered (a leaked retired
key cannot date an edit back into its validity), the kept `key_id` and extra signature parts
cannot turn an edit into "not re-verified" — and a `v1` HMAC, which the province's own secret
makes, is never counted as the gateway's signature."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from batch_support import GATEWAY, BatchGateway, batched, changes, numbered
from builders import NOW, make_signer, subscription
from proof_support import (
    ED25519,
    announced,
    edit_line,
    flip_recognition,
    listening,
    reverified,
    signed_singly,
)

from gateway_client.contract import PublishedKey, generate_hmac_secret, public_key_text
from gateway_client.contract.signing import HmacSigner

LEAKED = make_signer("gw-0")  # retired a year ago; its private key leaked since
RETIRED = ED25519.model_copy(
    update={
        "key_id": "gw-0",
        "public_key": public_key_text(LEAKED.private_key),
        "valid_until": NOW - timedelta(days=365),
    }
)
LONG_AGO = int((NOW - timedelta(days=400)).timestamp())


def sidecar(store: Path) -> Path:
    return store.with_name(store.name + ".signatures")


def records(store: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in sidecar(store).read_text().split("\n") if line]


def rewrite(store: Path, kept: list[dict[str, Any]]) -> None:
    sidecar(store).write_text("".join(json.dumps(record) + "\n" for record in kept))


def stored_singly(store: Path, count: int = 1, **terms: Any) -> None:
    to = subscription("sub-hunan", region="430000", **terms)
    listener = listening(store, secret=terms.get("secret"))
    for delivery in numbered(changes(count), [batched()]):
        assert listener.handle(*signed_singly(delivery, to))[0] == 204


def test_an_edit_re_signed_by_a_leaked_retired_key_dated_into_its_validity_is_altered(
    tmp_path: Path,
) -> None:
    store = tmp_path / "d.ndjson"
    stored_singly(store)
    edit_line(store, 0, flip_recognition)
    line = store.read_bytes().split(b"\n")[0]
    [record] = records(store)
    signature = LEAKED.sign(record["webhook_id"], LONG_AGO, line)
    rewrite(store, [record | {"webhook_timestamp": LONG_AGO, "webhook_signature": signature}])

    found = reverified(store, keys=(ED25519, RETIRED), required=True)

    assert found.reverified == 0
    [problem] = found.problems
    assert "was altered after it was stored" in problem
    assert f"(webhook-timestamp {LONG_AGO}) is dated before its change occurred" in problem


def test_a_batch_re_made_and_re_signed_by_a_leaked_retired_key_dated_back_is_altered(
    tmp_path: Path,
) -> None:
    """The same for a batch: its line edited in the store and the kept file, the file renamed
    by its new digest, and its announcement re-signed dated before the lines' changes."""
    store = tmp_path / "d.ndjson"
    gateway = BatchGateway()
    headers, body, files = announced(gateway, numbered(changes(2), [gateway.target]))
    assert listening(store, files).handle(headers, body)[0] == 204
    edit_line(store, 0, flip_recognition)
    file = store.read_bytes()
    sha256 = hashlib.sha256(file).hexdigest()
    [old] = (tmp_path / "d.ndjson.batches").iterdir()
    old.unlink()
    (tmp_path / "d.ndjson.batches" / f"{sha256}.ndjson").write_bytes(file)
    [proof] = records(store)
    announcement = json.loads(base64.b64decode(proof["body"]))
    resigned = json.dumps(announcement | {"sha256": sha256, "size": len(file)}).encode()
    signature = LEAKED.sign(proof["webhook_id"], LONG_AGO, resigned)
    rewrite(
        store,
        [
            proof
            | {
                "sha256": sha256,
                "body": base64.b64encode(resigned).decode(),
                "webhook_timestamp": LONG_AGO,
                "webhook_signature": signature,
            }
        ],
    )

    found = reverified(store, keys=(ED25519, RETIRED))

    assert found.reverified == 0
    assert len(found.problems) == 2
    assert all("is dated before its change occurred" in p for p in found.problems)


def test_a_delivery_sent_days_after_its_change_occurred_still_verifies(tmp_path: Path) -> None:
    """The bound is on the early side only: a retry or a replay is signed when it is sent."""
    store = tmp_path / "d.ndjson"
    [delivery] = numbered(changes(1), [batched()])
    headers, body = signed_singly(delivery)
    later = int((NOW + timedelta(days=9)).timestamp())
    resent = dict(headers) | {
        "webhook-timestamp": str(later),
        "webhook-signature": GATEWAY.ed25519.sign(delivery.delivery_id, later, body),
    }
    listener = listening(store)
    listener._clock = lambda: float(later)

    assert listener.handle(resent, body)[0] == 204
    assert reverified(store).reverified == 1


def test_an_edit_whose_kept_key_id_names_a_key_no_longer_listed_is_altered(
    tmp_path: Path,
) -> None:
    store = tmp_path / "d.ndjson"
    stored_singly(store)
    edit_line(store, 0, flip_recognition)
    [record] = records(store)
    rewrite(store, [record | {"key_id": "gw-withdrawn"}])

    found = reverified(store)

    [problem] = found.problems
    assert "was altered after it was stored" in problem
    assert found.unreverified == ()


def test_an_edit_whose_kept_signature_gained_a_v1_part_or_lost_its_scheme_is_altered(
    tmp_path: Path,
) -> None:
    """A `v1,` part added to a `v1a` header no longer has it judged as HMAC (no secret given:
    not checked); a header of no scheme the gateway signs with is not what was verified."""
    store = tmp_path / "d.ndjson"
    stored_singly(store, 2)
    edit_line(store, 0, flip_recognition)
    edit_line(store, 1, flip_recognition)
    first, second = records(store)
    extra = " v1," + base64.b64encode(b"x" * 32).decode()
    rewrite(
        store,
        [
            first | {"webhook_signature": first["webhook_signature"] + extra},
            second | {"webhook_signature": "v9," + second["webhook_signature"].split(",")[1]},
        ],
    )

    found = reverified(store)

    assert [p.split(": ", 1)[1] for p in found.problems] == [
        f"its signature (webhook-timestamp {first['webhook_timestamp']}) no longer verifies "
        "under a key listed for that time",
        "its kept signature is of no scheme the gateway signs with",
    ]


def test_a_v1_line_edited_and_re_signed_with_the_listeners_own_secret_is_not_re_verified(
    tmp_path: Path,
) -> None:
    """Whoever holds the v1 secret — the province's listener does — can re-make its HMAC:
    such a line is counted as matching the secret, never as re-verified."""
    store = tmp_path / "d.ndjson"
    secret = generate_hmac_secret()
    stored_singly(store, signature_scheme="v1", secret=secret)
    edit_line(store, 0, flip_recognition)
    line = store.read_bytes().split(b"\n")[0]
    [record] = records(store)
    again = HmacSigner(secret).sign(record["webhook_id"], record["webhook_timestamp"], line)
    rewrite(store, [record | {"webhook_signature": again}])

    found = reverified(store, secrets=(secret,), required=True)

    assert (found.reverified, found.by_secret, found.problems) == (0, 1, ())


def test_keys_of_another_algorithm_leave_the_line_not_checked(tmp_path: Path) -> None:
    store = tmp_path / "d.ndjson"
    stored_singly(store)
    sm2_only: tuple[PublishedKey, ...] = ()

    found = reverified(store, keys=sm2_only)

    assert found.problems == ()
    [(_, why)] = found.unreverified
    assert why == "signed v1a, not checked with these keys"
