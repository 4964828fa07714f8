"""``gateway`` command line: keys, pushes, uploads and checks for platforms; operator calls.

The client never imports the server: the server package plugs its own commands in (the local
stack's ``dev`` and ``demo``) through the ``gateway_client.commands`` entry points, loaded only
when one of them runs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from gateway_client.cli import checks as cli_checks
from gateway_client.cli import console as cli_console
from gateway_client.cli import errors as cli_errors
from gateway_client.cli import operator as cli_operator
from gateway_client.cli import person as cli_person
from gateway_client.cli import platform_commands, subscriber
from gateway_client.cli import witness as cli_witness
from gateway_client.cli.key_files import gateway_public_keys, new_key_file
from gateway_client.cli.options import remote
from gateway_client.contract import SM2_DEFAULT_USER_ID, Purpose
from gateway_client.private_files import create_private
from gateway_client.terminal import plain_output


def _keygen(args: argparse.Namespace) -> int:
    text, key = new_key_file(args.algorithm, args.user_id)
    path = Path(args.out)
    create_private(path, text)
    print(f"private key written to {path} (keep it secret)")
    print(f"algorithm:   {key.algorithm}")
    print(f"public key:  {key.public_key}")
    if key.user_id:
        print(f"user id:     {key.user_id} (register it with the key)")
    return 0


def _gateway_keys(args: argparse.Namespace) -> int:
    for algorithm, public in gateway_public_keys(args.secret_file).items():
        print(f"{algorithm}: {public}")
    return 0


PLUGINS = "gateway_client.commands"
_PLUGIN_HELP = {
    "dev": "run the local stack in the foreground",
    "demo": "run the end-to-end scenario on the local stack",
}


def _plugins(commands: Any) -> None:
    """A command per ``gateway_client.commands`` entry point (a ``main() -> int``)."""
    for entry in entry_points(group=PLUGINS):
        help_text = _PLUGIN_HELP.get(entry.name, f"from {entry.value}")
        command = commands.add_parser(entry.name, help=help_text)
        command.set_defaults(run=lambda _args, entry=entry: int(entry.load()()))


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="gateway", description=__doc__)
    root.add_argument("--traceback", action="store_true", help="show where an error came from")
    commands = root.add_subparsers(dest="command", required=True)

    keygen = commands.add_parser("keygen", help="make a signing key for a platform")
    keygen.add_argument(
        "--out",
        required=True,  # never printed: it would stay in scrollback, CI logs, a tee'd file
        help="write the private key to this new file (mode 600)",
    )
    keygen.add_argument(
        "--algorithm",
        choices=["ed25519", "sm2"],
        default="ed25519",
        help="ed25519 (v1a, the default) or sm2 (v1sm2: SM2 with SM3, GM/T 0003)",
    )
    keygen.add_argument(
        "--user-id", help=f"sm2: sign under this user ID (default {SM2_DEFAULT_USER_ID})"
    )
    keygen.set_defaults(run=_keygen)

    derived = commands.add_parser(
        "gateway-keys",
        help="operator: the public keys (Ed25519, SM2) the gateway derives from a signing secret",
    )
    derived.add_argument("secret_file", help="the signing secret, as stored in SigningKeySecret")
    derived.set_defaults(run=_gateway_keys)

    platform_commands.declare_push(commands)

    query = commands.add_parser("query", help="one-stop query of a subject (应查必查)")
    query.add_argument("code", help="unified social credit code or resident ID")
    query.add_argument("--as", dest="as_region", help="show it as this region applies it")
    query.add_argument(
        "--purpose",
        choices=[p.value for p in Purpose],
        help="why (required for a natural person, and recorded in the query trail)",
    )
    query.add_argument(
        "--offset", type=int, help="the page of listings from here (the last page's next_offset)"
    )
    query.add_argument("--json", action="store_true", help="print the raw JSON")
    remote(query, platform=True)
    query.set_defaults(run=cli_operator.query)
    cli_checks.declare(commands, remote, [p.value for p in Purpose])
    cli_person.declare(commands, remote, [p.value for p in Purpose])
    cli_console.declare(commands, remote)

    agreement = commands.add_parser("agreement", help="manage mutual-recognition agreements")
    agreement.add_argument("action", choices=["create", "revise", "end", "list"])
    agreement.add_argument(
        "target", nargs="?", default="", help="JSON file (create, revise) or agreement id (end)"
    )
    agreement.add_argument("--id", help="the agreement to revise")
    agreement.add_argument("--subscriber", help="list only this subscriber region's agreements")
    agreement.add_argument(
        "--idempotency-key", help="create: run again with the same key, nothing is signed twice"
    )
    remote(agreement)
    agreement.set_defaults(run=cli_operator.agreement)

    platform_commands.declare_verify_log(commands)

    region = commands.add_parser("region", help="operator: regions and platform keys")
    region.add_argument("action", choices=["put", "add-key", "keys", "revoke-key"])
    region.add_argument("code", help="6-digit region code")
    region.add_argument("--name", help="put: the region's name")
    region.add_argument(
        "--kind",
        choices=["region", "national_platform", "national_source"],
        help="put: 100000 is the national platform, 1000NN a national source (default region)",
    )
    region.add_argument(
        "--domains", help="put: a national source's catalogue domains, comma-separated"
    )
    region.add_argument("--key-id", help="add-key / revoke-key")
    region.add_argument(
        "--public-key", help="add-key: whpk_… (Ed25519) or 04… (SM2, 130 hex); or --key-file"
    )
    region.add_argument("--user-id", help="add-key: an SM2 key's user ID, if not the default")
    region.add_argument("--key-file", help="add-key: the public key of a whsk_/sm2sk_ key file")
    region.add_argument("--valid-from", help="add-key: ISO time (rotation: add ahead)")
    region.add_argument("--valid-until", help="add-key: ISO time")
    remote(region)
    region.set_defaults(run=cli_operator.region)

    subscriber.add_commands(commands)
    cli_witness.declare(commands)

    tick = commands.add_parser("tick", help="run the lifecycle tick now (expiry, purge)")
    tick.add_argument("--at", help="local stack only: run as if it were this ISO time")
    remote(tick)
    tick.set_defaults(run=cli_operator.tick)

    stream_failures = commands.add_parser(
        "redrive-stream-failures",
        help="operator: fan out again the stream batches on StreamFailureQueue",
    )
    stream_failures.add_argument(
        "--discard", action="append", metavar="MESSAGE_ID", help="delete this message unread"
    )
    remote(stream_failures)
    stream_failures.set_defaults(run=cli_operator.redrive_stream_failures)

    stats = commands.add_parser("stats", help="monthly statistics of a region's subtree")
    stats.add_argument("--region", required=True)
    stats.add_argument("--month", required=True, help="YYYY-MM")
    stats.add_argument("--json", action="store_true", help="print the raw JSON")
    remote(stats, platform=True)
    stats.set_defaults(run=cli_operator.stats)

    _plugins(commands)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; any failure ends in one ``gateway: error: …`` line, never a traceback
    (unless ``--traceback``)."""
    args = parser().parse_args(argv)
    with plain_output():  # text from the network is shown, never obeyed by the terminal
        if args.traceback:
            code: int = args.run(args)
            return code
        url, timeout = getattr(args, "url", None), getattr(args, "timeout", None)
        return cli_errors.run(lambda: int(args.run(args)), url, timeout)


if __name__ == "__main__":
    sys.exit(main())
