"""``gateway`` command line: keys and pushes for platforms; the local stack for everyone.

``dev`` and ``demo`` need the development extras (moto, chalice); they are imported only
when those commands run, so the platform-side commands stay dependency-light.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gateway.client import PushClient
from gateway.signing import Ed25519Signer, generate_signing_key, load_private_key, public_key_text


def _keygen(args: argparse.Namespace) -> int:
    private = generate_signing_key()
    public = public_key_text(load_private_key(private))
    if args.out:
        path = Path(args.out)
        path.touch(mode=0o600, exist_ok=False)
        path.write_text(private + "\n", encoding="utf-8")
        print(f"private key written to {path} (keep it secret)")
    else:
        print(f"private key: {private}")
    print(f"public key:  {public}")
    return 0


def _entries_from(path: Path) -> list[Any]:
    """A JSON array of entries, or NDJSON with one entry per line."""
    text = path.read_text(encoding="utf-8")
    if text.lstrip().startswith("["):
        loaded: list[Any] = json.loads(text)
        return loaded
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _push(args: argparse.Namespace) -> int:
    key = load_private_key(Path(args.key_file).read_text(encoding="utf-8").strip())
    client = PushClient(args.url, args.region, Ed25519Signer(args.key_id, key))
    reply = client.push(_entries_from(Path(args.file)), datetime.now(UTC), batch_id=args.batch_id)
    print(json.dumps(reply.body, ensure_ascii=False, indent=2))
    return 0 if reply.status == 200 else 1


def _local(command: str) -> Any:
    try:
        return importlib.import_module(f"infra.local.{command}")
    except ModuleNotFoundError as exc:
        hint = f"`gateway {command}` needs the dev extras: pip install -e '.[dev]' ({exc})"
        raise SystemExit(hint) from exc


def _dev(args: argparse.Namespace) -> int:
    return int(_local("dev").main())


def _demo(args: argparse.Namespace) -> int:
    return int(_local("demo").main())


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="gateway", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)

    keygen = commands.add_parser("keygen", help="make an Ed25519 signing key for a platform")
    keygen.add_argument("--out", help="write the private key to this new file (mode 600)")
    keygen.set_defaults(run=_keygen)

    push = commands.add_parser("push", help="sign and send a batch of entries")
    push.add_argument("file", help="JSON array or NDJSON file of listing entries")
    push.add_argument("--region", required=True, help="your region code, e.g. 230900")
    push.add_argument("--key-id", required=True, help="the key id registered for your region")
    push.add_argument("--key-file", required=True, help="file holding your whsk_ private key")
    push.add_argument("--url", default=os.environ.get("GATEWAY_URL", "http://127.0.0.1:8000"))
    push.add_argument("--batch-id", help="reuse an id to retry a batch safely (default: new)")
    push.set_defaults(run=_push)

    dev = commands.add_parser("dev", help="run the local stack in the foreground")
    dev.set_defaults(run=_dev)

    demo = commands.add_parser("demo", help="run the end-to-end scenario on the local stack")
    demo.set_defaults(run=_demo)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    code: int = args.run(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
