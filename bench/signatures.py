"""Part 5: what signatures cost, Ed25519 (``v1a``) beside SM2 with SM3 (``v1sm2``).

* per push: one body of BENCH_SIGNATURE_SIZE synthetic entries (default 5,000, about 2.7 MB)
  signed by a city platform with each algorithm, then verified as the gateway verifies a push
  (``gateway.authentication.authenticate`` against a registry holding the key); for scale, the
  same body's parse floor (``json.loads`` + ``ListingEntry.model_validate`` per entry);
* per delivery: the gateway signing one webhook body of one change (what each ``v1a`` or
  ``v1sm2`` delivery attempt costs the delivery function).

Best of BENCH_REPEATS runs each. No figure here has a target: it is the information an operator
weighs before turning SM2 on (``CG_SM2_SIGNING``) and a platform before registering SM2 keys.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from bench.common import CITY, env_int
from bench.pipeline import floor
from bench.pipeline_stores import OneKeyRegistry
from gateway.authentication import authenticate
from gateway.registry import PlatformKey
from gateway_client.contract import (
    DEFAULT_TOLERANCE,
    Ed25519Signer,
    RequestSigner,
    Sm2PrivateKey,
    Sm2Signer,
    generate_signing_key,
    load_private_key,
    public_key_text,
)
from gateway_client.push_client import signed_headers
from infra.local import synthetic

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def _registered(signer: Ed25519Signer | Sm2Signer) -> PlatformKey:
    if isinstance(signer, Sm2Signer):
        algorithm, public = "sm2", signer.private_key.public_key.text()
    else:
        algorithm, public = "ed25519", public_key_text(signer.private_key)
    return PlatformKey.model_validate(
        {
            "key_id": signer.key_id,
            "region": CITY,
            "algorithm": algorithm,
            "public_key": public,
            "valid_from": datetime(2024, 1, 1, tzinfo=UTC),
        }
    )


def _best_ms(repeats: int, run: Callable[[], Any]) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best * 1000


def _costs(signer: Ed25519Signer | Sm2Signer, push: bytes, delivery: bytes, repeats: int) -> Any:
    registry = OneKeyRegistry(_registered(signer))
    headers = signed_headers(signer, "b-bench-1", push, NOW)
    as_signer: RequestSigner = signer
    return {
        "sign_push_ms": _best_ms(repeats, lambda: as_signer.sign("b-bench-1", 1, push)),
        "verify_push_ms": _best_ms(
            repeats, lambda: authenticate(registry, headers, push, NOW, DEFAULT_TOLERANCE)
        ),
        "sign_delivery_ms": _best_ms(repeats, lambda: as_signer.sign("dlv_1", 1, delivery)),
    }


def measure(n: int, repeats: int) -> dict[str, Any]:
    push = json.dumps(list(synthetic.entries(CITY, range(n), version=1)), ensure_ascii=False)
    body = push.encode()
    delivery = json.dumps(synthetic.entry(CITY, 1), ensure_ascii=False).encode()
    ed25519 = Ed25519Signer("cs-ed25519", load_private_key(generate_signing_key()))
    sm2 = Sm2Signer("cs-sm2", Sm2PrivateKey.generate())
    return {
        "entries": n,
        "body_bytes": len(body),
        "delivery_bytes": len(delivery),
        "repeats": repeats,
        "floor_ms": _best_ms(repeats, lambda: floor(body)),
        "ed25519": _costs(ed25519, body, delivery, repeats),
        "sm2": _costs(sm2, body, delivery, repeats),
    }


def summary_row(s: dict[str, Any]) -> dict[str, Any]:
    ed, sm = s["ed25519"], s["sm2"]
    return {
        "figure": f"5. verifying one {s['entries']:,}-entry push: Ed25519 (v1a) and SM2 (v1sm2)",
        "measured": f"SM2 {sm['verify_push_ms']:.1f} ms, Ed25519 {ed['verify_push_ms']:.1f} ms",
        "reference": f"parse floor {s['floor_ms']:.0f} ms",
        "ratio": f"SM2 {sm['verify_push_ms'] / s['floor_ms']:.0%} of floor",
        "target": "(information)",
        "met": None,
    }


def markdown(s: dict[str, Any]) -> list[str]:
    rows = [
        [
            name,
            f"{s[name]['sign_push_ms']:.1f}",
            f"{s[name]['verify_push_ms']:.1f}",
            f"{s[name]['verify_push_ms'] / s['floor_ms']:.1%}",
            f"{s[name]['sign_delivery_ms']:.2f}",
        ]
        for name in ("ed25519", "sm2")
    ]
    header = (
        "| algorithm | sign push (ms) | verify push (ms) | verify / floor | sign delivery (ms) |"
    )
    return [
        "## 5. Signature costs: Ed25519 beside SM2",
        "",
        f"One push of {s['entries']:,} entries ({s['body_bytes'] / 1e6:.1f} MB), signed by the "
        "platform and verified as the gateway verifies a push; one delivery body "
        f"({s['delivery_bytes']:,} bytes) signed as the delivery function signs it. Parse floor "
        f"of the same push: {s['floor_ms']:.0f} ms. Best of {s['repeats']}. SM2's curve "
        "arithmetic is pure Python (`gmalg`); SM3 and Ed25519 run in OpenSSL (`cryptography`).",
        "",
        header,
        "|---|---|---|---|---|",
        *("| " + " | ".join(row) + " |" for row in rows),
        "",
    ]


def main() -> None:
    result = measure(env_int("BENCH_SIGNATURE_SIZE", 5_000), env_int("BENCH_REPEATS", 3))
    text = json.dumps(result, indent=1)
    if len(sys.argv) > 1:
        with open(sys.argv[1], "w", encoding="utf-8") as file:
            file.write(text)
    else:
        print(text)


if __name__ == "__main__":
    main()
