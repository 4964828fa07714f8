"""How the SM2 libraries on PyPI fare on one push (the measurement behind choosing ``gmalg``;
``docs/architecture.md`` gives the verdict). Not part of ``make bench``: the candidates are not
dependencies. Run it in a scratch virtualenv that has them::

    python3 -m venv /tmp/sm2c && /tmp/sm2c/bin/pip install gmalg gmssl snowland-smx tongsuopy
    PYTHONPATH=/tmp/sm2c/lib/python3.11/site-packages .venv/bin/python -m bench.sm2_candidates

Each library signs and verifies the same 5,000-entry push (``BENCH_SIGNATURE_SIZE``) with the
default user ID, end to end with its own SM3, and — where it accepts a digest or a hash object —
with OpenSSL's SM3 from ``cryptography``. Best of 3; milliseconds.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives import hashes

from bench.common import CITY, env_int
from gateway_client.contract import SM2_DEFAULT_USER_ID, Sm2PrivateKey
from infra.local import synthetic

UID = SM2_DEFAULT_USER_ID.encode()


def sm3(data: bytes) -> bytes:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize()


def best_ms(run: Callable[[], Any], repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times) * 1000


def show(label: str, **figures: float) -> None:
    print(f"{label}: " + ", ".join(f"{name} {ms:,.1f}" for name, ms in figures.items()))


def main() -> None:
    n = env_int("BENCH_SIGNATURE_SIZE", 5_000)
    body = json.dumps(list(synthetic.entries(CITY, range(n))), ensure_ascii=False).encode()
    key = Sm2PrivateKey.generate()
    d, (x, y) = key.d, (key.public_key.x, key.public_key.y)
    print(f"{n:,} entries, {len(body) / 1e6:.2f} MB; OpenSSL SM3: {best_ms(lambda: sm3(body)):.1f}")

    signature = key.sign(body)
    show(
        "gmalg + OpenSSL SM3 (chosen)",
        sign=best_ms(lambda: key.sign(body)),
        verify=best_ms(lambda: key.public_key.verify(signature, body)),
    )

    from gmssl import func
    from gmssl import sm2 as gmssl_sm2

    priv, pub = f"{d:064x}", f"{x:064x}{y:064x}"
    gm = gmssl_sm2.CryptSM2(private_key=priv, public_key=pub)
    table = gm.ecc_table  # gmssl signs a digest e = SM3(Z_A ‖ M): Z_A as its _sm3_z builds it
    z_a = sm3(bytes.fromhex("0080" + UID.hex() + table["a"] + table["b"] + table["g"] + pub))

    def e_of(message: bytes) -> bytes:
        return sm3(z_a + message)

    gm_sig = gm.sign(e_of(body), func.random_hex(64))
    show(
        "gmssl + OpenSSL SM3",
        sign=best_ms(lambda: gm.sign(e_of(body), func.random_hex(64))),
        verify=best_ms(lambda: gm.verify(gm_sig, e_of(body))),
        own_sm3_sign_of_100_kB=best_ms(lambda: gm.sign_with_sm3(body[:100_000]), 1),
    )

    from pysmx.SM2 import Sign, Verify

    snow_sig = Sign(body, priv, secrets.token_hex(32), 64, uid=UID)
    show(
        "snowland-smx (its own SM3 only)",
        sign=best_ms(lambda: Sign(body, priv, secrets.token_hex(32), 64, uid=UID), 1),
        verify=best_ms(lambda: Verify(snow_sig, body, pub, 64, uid=UID), 1),
    )

    from tongsuopy.crypto import hashes
    from tongsuopy.crypto.asymciphers import ec

    native = ec.derive_private_key(d, ec.SM2())
    native_sig = native.sign(body, ec.ECDSA(hashes.SM3()))
    sm3_ecdsa = ec.ECDSA(hashes.SM3())
    show(
        "tongsuopy (native Tongsuo)",
        sign=best_ms(lambda: native.sign(body, sm3_ecdsa)),
        verify=best_ms(lambda: native.public_key().verify(native_sig, body, sm3_ecdsa)),
    )


if __name__ == "__main__":
    main()
