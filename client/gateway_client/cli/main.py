"""``gateway`` command line: keys, pushes, uploads and checks for platforms; operator calls.

The client never imports the server: the server package plugs its own commands in (the local
stack's ``dev`` and ``demo``) through the ``gateway_client.commands`` entry points, loaded only
when one of them runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, TextIO

from gateway_client.cli import checks as cli_checks
from gateway_client.cli import console as cli_console
from gateway_client.cli import errors as cli_errors
from gateway_client.cli import operator as cli_operator
from gateway_client.cli import person as cli_person
from gateway_client.cli import subscriber
from gateway_client.cli import witness as cli_witness
from gateway_client.cli.errors import read_entries
from gateway_client.cli.key_files import gateway_public_keys, new_key_file, read_signer
from gateway_client.cli.options import remote
from gateway_client.cli.subject_table import render_upload
from gateway_client.contract import SM2_DEFAULT_USER_ID, Purpose
from gateway_client.log_verifier import read_deliveries, read_seen, verify_log, write_seen
from gateway_client.push_client import PushClient
from gateway_client.uploader import BulkUploader, describe


def _keygen(args: argparse.Namespace) -> int:
    text, key = new_key_file(args.algorithm, args.user_id)
    if args.out:
        path = Path(args.out)
        path.touch(mode=0o600, exist_ok=False)
        path.write_text(text, encoding="utf-8")
        print(f"private key written to {path} (keep it secret)")
    else:
        print(f"private key: {text.strip()}")
    print(f"algorithm:   {key.algorithm}")
    print(f"public key:  {key.public_key}")
    if key.user_id:
        print(f"user id:     {key.user_id} (register it with the key)")
    return 0


def _gateway_keys(args: argparse.Namespace) -> int:
    for algorithm, public in gateway_public_keys(args.secret_file).items():
        print(f"{algorithm}: {public}")
    return 0


def _platform(args: argparse.Namespace) -> PushClient:
    signer = read_signer(args.key_id, args.key_file)
    return PushClient(args.url, args.region, signer, args.timeout)


def _push(args: argparse.Namespace) -> int:
    client = _platform(args)
    if args.bulk or args.resync:
        return _bulk(args, client)
    reply = client.push(read_entries(args.file), datetime.now(UTC), batch_id=args.batch_id)
    if reply.status != 200:
        raise cli_errors.refused(reply)
    print(json.dumps(reply.body, ensure_ascii=False, indent=2))
    return 0


def _bulk(args: argparse.Namespace, client: PushClient) -> int:
    """Describe, sign, upload with a progress bar, then wait for and show the result."""
    path = Path(args.file)
    facts = describe(path)
    uploader = BulkUploader(client, lambda: datetime.now(UTC))
    asked = uploader.request(facts, args.resync or (), args.force, args.batch_id)
    if asked.status not in (200, 201):
        return cli_operator.show(asked)
    upload_id = asked.body["upload"]["manifest"]["upload_id"]
    if "put" in asked.body:
        put = asked.body["put"]
        try:
            status = uploader.put(put, path, _progress_bar(sys.stderr))
        except OSError as exc:
            raise cli_errors.storage_failed(exc, put["url"]) from exc
        finally:
            print(file=sys.stderr)
        if status >= 300:
            raise cli_errors.CliError(f"the upload to storage failed with HTTP {status}")
    reply = uploader.wait(upload_id, timeout=args.wait)
    if reply.status != 200:
        return cli_operator.show(reply)
    print(render_upload(reply.body["upload"]))
    return 0 if reply.body["upload"]["status"] == "completed" else 1


def _progress_bar(out: TextIO) -> Callable[[int, int], None]:
    def show(done: int, total: int) -> None:
        share = done / total if total else 1.0
        bar = "#" * int(share * 30)
        out.write(f"\ruploading [{bar:<30}] {share:6.1%}  {done / 1e6:.1f}/{total / 1e6:.1f} MB")
        out.flush()

    return show


def _verify_log(args: argparse.Namespace) -> int:
    client = _platform(args)
    deliveries = read_deliveries(Path(args.deliveries))
    state = Path(args.state) if args.state else None
    grace = timedelta(minutes=args.grace_minutes)
    witnesses = cli_witness.witness_verifiers(args)
    report = verify_log(
        client,
        args.url,
        args.subscription,
        deliveries,
        args.algorithm,
        read_seen(state),
        grace,
        witnesses,
        args.witnesses_required,
    )
    write_seen(state, report)
    print(
        f"verify-log: {report.checked_deliveries} deliveries against {report.checked_entries} "
        f"log entries, {args.algorithm}-signed checkpoint through {report.verified_through}"
    )
    if report.in_flight:
        print(f"  (in flight, logged under {args.grace_minutes} min ago: {list(report.in_flight)})")
    if report.unproven:
        print(f"  (restatements no stored logged delivery proves: {list(report.unproven)})")
    if report.skipped_checkpoints:
        why = "a retired key" + (" or not with SM2" if args.algorithm == "sm2" else "")
        print(f"  (checkpoints {list(report.skipped_checkpoints)}: signed by {why})")
    for line in cli_witness.witness_lines(report, args.witnesses_required):
        print(line)
    for problem in report.problems:
        print(f"  PROBLEM: {problem}")
    print("OK: nothing dropped, reordered or altered" if report.ok else "FAILED")
    return 0 if report.ok else 1


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
    keygen.add_argument("--out", help="write the private key to this new file (mode 600)")
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

    push = commands.add_parser("push", help="sign and send a batch of entries")
    push.add_argument("file", help="JSON array or NDJSON file of listing entries")
    push.add_argument("--region", required=True, help="your region code, e.g. 230900")
    push.add_argument("--key-id", required=True, help="the key id registered for your region")
    push.add_argument(
        "--key-file", required=True, help="your private key file (whsk_ or sm2sk_, from keygen)"
    )
    remote(push, token=False)
    push.add_argument("--batch-id", help="reuse an id to retry a batch safely (default: new)")
    push.add_argument("--bulk", action="store_true", help="upload an NDJSON file of any size")
    push.add_argument(
        "--resync",
        action="append",
        metavar="DOMAIN",
        help="bulk: the file is the complete list for this domain (repeatable); "
        "listings absent from it are removed",
    )
    push.add_argument("--force", action="store_true", help="resync: remove over 10%% anyway")
    push.add_argument("--wait", type=float, default=1800.0, help="bulk: seconds to await result")
    push.set_defaults(run=_push)

    query = commands.add_parser("query", help="one-stop query of a subject (应查必查)")
    query.add_argument("code", help="unified social credit code or resident ID")
    query.add_argument("--as", dest="as_region", help="show it as this region applies it")
    query.add_argument(
        "--purpose",
        choices=[p.value for p in Purpose],
        help="why (required for a natural person, and recorded in the query trail)",
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
    remote(agreement)
    agreement.set_defaults(run=cli_operator.agreement)

    verify = commands.add_parser("verify-log", help="audit stored deliveries against the log")
    verify.add_argument("--deliveries", required=True, help="stored webhook bodies, one per line")
    verify.add_argument("--subscription", required=True, help="the subscription they came from")
    verify.add_argument("--region", required=True, help="your region code")
    verify.add_argument("--key-id", required=True)
    verify.add_argument("--key-file", required=True)
    verify.add_argument(
        "--algorithm",
        choices=["ed25519", "sm2"],
        default="ed25519",
        help="trust the checkpoints' signature of this algorithm (sm2: GM/T 0003)",
    )
    verify.add_argument(
        "--state",
        help="a file keeping the last verified checkpoint: the next run proves the log extends it",
    )
    verify.add_argument(
        "--grace-minutes",
        type=int,
        default=15,
        help="an owed change logged less than this ago and not stored is in flight, not missing",
    )
    cli_witness.verify_options(verify)
    remote(verify, token=False)
    verify.set_defaults(run=_verify_log)

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
    if args.traceback:
        code: int = args.run(args)
        return code
    url, timeout = getattr(args, "url", None), getattr(args, "timeout", None)
    return cli_errors.run(lambda: int(args.run(args)), url, timeout)


if __name__ == "__main__":
    sys.exit(main())
