"""The console's browser check of an honest checkpoint signed during a key switch (review 334).
README (rotating the gateway key): "A function started between the secret update and the deploy
signs with gw-2 under the id gw-1: receivers try every valid listed key, so that still
verifies." ``gateway verify-log`` does (``checkpoint_trust._signed``); the console's
``signatureVerifies`` took the key ``key_id`` names only, so the page reported the honest
checkpoint as not signed and proved nothing against it."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from builders import NOW, gateway_signers, listing
from test_gateway_keys import published

from gateway_client.checkpoint_trust import trusted_checkpoints
from gateway_client.contract import GatewaySigners
from gateway_client.contract.change import change_between
from gateway_client.contract.log import log_entries, sign_checkpoint
from gateway_client.contract.signing import Ed25519Signer
from gateway_client.tlog import root_of

JS = Path(__file__).resolve().parents[2] / "chalicelib" / "assets" / "console" / "log-verify.js"


@pytest.mark.parametrize("named", ["gw-1", "gw-2"])  # gw-2: the control, named as it signed
def test_a_checkpoint_signed_by_the_new_key_under_the_old_id_verifies_in_the_browser(
    named: str,
) -> None:
    old, new = gateway_signers("gw-1"), gateway_signers("gw-2")
    switch = NOW - timedelta(hours=1)
    keys = [
        published(new),  # current
        published(old, valid_until=switch + timedelta(hours=28)),  # previous, still valid
    ]
    change = change_between(listing(accepted_at=switch), None)
    assert change is not None
    [entry] = log_entries(1, [change])
    # the function started between the secret update and the deploy: gw-2's key, id gw-1
    mixed = GatewaySigners(Ed25519Signer(named, new.ed25519.private_key))
    checkpoint = sign_checkpoint(
        1, root_of([bytes.fromhex(entry.hash)]), switch + timedelta(seconds=5), mixed
    )
    trusted, _, problems = trusted_checkpoints([checkpoint], keys, "ed25519")
    assert (len(trusted), problems) == (1, [])  # verify-log trusts it, as the README says

    node = shutil.which("node")
    if node is None:
        pytest.fail("node is missing")
    replies = {
        "/v1/keys": {"keys": [json.loads(k.model_dump_json()) for k in keys]},
        "/v1/log?from=1&limit=1": {"entries": [json.loads(entry.model_dump_json())], "erased": []},
        "/v1/log/proof?size=1&index=0": {"size": 1, "proof": []},
    }
    script = (
        "globalThis.document = { querySelector: () => null };"
        "globalThis.sessionStorage = { getItem: () => 'tok', removeItem: () => {} };"
        f"const replies = {json.dumps(replies)};"
        "globalThis.fetch = async (url) => { const body = replies[url];"
        " if (!body) throw new Error('unexpected ' + url);"
        " return { ok: true, status: 200, headers: { get: () => null },"
        " text: async () => JSON.stringify(body) }; };"
        f"const m = await import({json.dumps(JS.as_uri())});"
        f"const r = await m.verifyRange(1, 1, [{checkpoint.model_dump_json()}]);"
        "console.log(JSON.stringify(r));"
    )
    done = subprocess.run(  # noqa: S603
        [node, "--input-type=module", "-e", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["problems"] == [], result
    assert (result["signed"], result["proved"]) == (True, 1), result
