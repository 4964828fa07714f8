"""`gateway listen` and the gateway's keys: the copy of `GET /v1/keys` is read again once it is
older than the list's max-age (5 minutes), so a withdrawn key stops verifying within that, and
no sooner, so not every webhook fetches; while the list cannot be read nothing is verified under
the stale copy (503, the gateway retries)."""

from __future__ import annotations

import pytest
from builders import NOW, change, listing, make_signer, make_uscc
from test_listener import GATEWAY_KEY, delivered, listener

from gateway_client.contract import AnyKey, VerificationError, load_public_key, public_key_text
from gateway_client.listener import KEYS_TTL_SECONDS

REPLACEMENT = load_public_key(public_key_text(make_signer("gw-2").private_key))


def another(serial: int) -> tuple[dict[str, str], bytes]:
    """A fresh delivery (its own webhook-id), signed by GATEWAY at NOW."""
    return delivered(made=change(listing(credit_code=make_uscc(serial))))


class Served:
    """The gateway's key list as the listener reads it: ``keys``, or ``error`` raised."""

    def __init__(self, *keys: AnyKey) -> None:
        self.keys, self.error, self.fetches = list(keys), None, 0

    def __call__(self) -> list[AnyKey]:
        self.fetches += 1
        if self.error is not None:
            raise self.error
        return self.keys


def test_a_withdrawn_key_verifies_until_the_copy_is_older_than_max_age_then_no_more(tmp_path):
    keys = Served(GATEWAY_KEY)
    moment = [NOW.timestamp() - 200]  # every look within the deliveries' timestamp window
    listening, _ = listener(tmp_path / "d.ndjson", keys, moment)
    assert listening.handle(*another(1))[0] == 204

    keys.keys = [REPLACEMENT]  # the gateway withdrew GATEWAY's key (say, it leaked)
    moment[0] += KEYS_TTL_SECONDS - 1
    assert listening.handle(*another(2))[0] == 204  # the copy is fresh: not fetched again
    assert keys.fetches == 1

    moment[0] += 2
    status, reply = listening.handle(*another(3))

    assert (status, keys.fetches) == (401, 2)
    assert b"signature" in reply


@pytest.mark.parametrize(
    "error",
    [OSError("connection refused"), VerificationError("GET /v1/keys → 500: None")],
    ids=["unreachable", "refused"],
)
def test_keys_that_cannot_be_read_again_are_a_503_not_a_stale_trust(tmp_path, error):
    keys = Served(GATEWAY_KEY)
    moment = [NOW.timestamp() - 200]
    listening, said = listener(tmp_path / "d.ndjson", keys, moment)
    assert listening.handle(*another(1))[0] == 204
    keys.error = error
    moment[0] += KEYS_TTL_SECONDS + 1

    answers = [listening.handle(*another(n)) for n in (2, 3)]

    assert answers == [(503, b"the gateway's keys are out of reach")] * 2
    assert keys.fetches == 3  # each webhook tries again; none is verified meanwhile
    assert said[-1].startswith("cannot fetch the gateway's keys: ")
    keys.error = None
    assert listening.handle(*another(4))[0] == 204
