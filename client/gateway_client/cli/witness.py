"""``gateway witness serve|vkey`` (a province cosigns the gateway's checkpoints) and the witness
options of ``gateway verify-log`` (trust only what K of the listed witnesses cosigned)."""

from __future__ import annotations

import argparse
import functools
import sys
from pathlib import Path

from gateway_client.cli.errors import CliError
from gateway_client.cli.key_files import read_signer
from gateway_client.cli.options import port
from gateway_client.cli.serving import serve_until_stopped
from gateway_client.contract import Ed25519Signer
from gateway_client.log_audit import AuditReport
from gateway_client.tlog import CosignatureSigner, CosignatureVerifier, NoteError, NoteVerifier
from gateway_client.witness_audit import WITNESS_LAG, parties
from gateway_client.witness_server import PATH, WitnessService, WitnessState, serve


def declare(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    witness = commands.add_parser(
        "witness", help="a province's witness: cosign the gateway's log checkpoints"
    )
    actions = witness.add_subparsers(dest="action", required=True)
    serve_it = actions.add_parser("serve", help="run the C2SP tlog-witness endpoint")
    vkey = actions.add_parser("vkey", help="print the witness's cosignature verifier key")
    for command in (serve_it, vkey):
        command.add_argument("--name", required=True, help="the witness's key name")
        command.add_argument(
            "--key-file", required=True, help="its whsk_ Ed25519 key file (`gateway keygen`)"
        )
    serve_it.add_argument(
        "--log-vkey",
        required=True,
        help="the gateway's note verifier key (GET /v1/log/vkey), origin+id+key",
    )
    serve_it.add_argument(
        "--state", required=True, help="the witness's record: the latest cosigned checkpoint"
    )
    serve_it.add_argument("--port", type=port, default=0, help="the port (default: any free one)")
    serve_it.add_argument("--host", default="127.0.0.1", help="the address (default 127.0.0.1)")
    serve_it.set_defaults(run=_serve)
    vkey.set_defaults(run=_vkey)


def witness_signer(name: str, key_file: str) -> CosignatureSigner:
    signer = read_signer(name, key_file)
    if not isinstance(signer, Ed25519Signer):
        raise CliError(f"{key_file}: a witness cosigns with an Ed25519 (whsk_) key")
    try:
        return CosignatureSigner(name, signer.private_key)
    except NoteError as exc:
        raise CliError(f"--name: {exc}") from exc


def _vkey(args: argparse.Namespace) -> int:
    print(witness_signer(args.name, args.key_file).vkey)
    return 0


def _serve(args: argparse.Namespace) -> int:
    """Serve until interrupted; each request's outcome is one line on stderr."""
    signer = witness_signer(args.name, args.key_file)
    try:
        log = NoteVerifier.from_vkey(args.log_vkey)
    except NoteError as exc:
        raise CliError(f"--log-vkey: {exc}") from exc
    service = WitnessService(
        signer,
        log,
        WitnessState(Path(args.state)),
        lambda line: print(f"witness: {line}", file=sys.stderr, flush=True),
    )
    return serve_until_stopped(
        functools.partial(serve, service),
        (args.host, args.port),
        lambda host, port: (
            f"witness: http://{host}:{port}{PATH} cosigning {log.name} as {signer.vkey}"
        ),
    )


def verify_options(verify: argparse.ArgumentParser) -> None:
    verify.add_argument(
        "--witness",
        action="append",
        default=[],
        metavar="VKEY",
        help="a witness's cosignature verifier key (repeatable)",
    )
    verify.add_argument(
        "--witnesses-required",
        type=int,
        default=None,
        metavar="K",
        help="OK only if a checkpoint the latest extends carries cosignatures of K of the "
        "--witness keys (default: every distinct witness listed; with no --witness, 0: the "
        "gateway's signature is enough)",
    )
    verify.add_argument(
        "--witness-lag-hours",
        type=_hours,
        default=int(WITNESS_LAG.total_seconds()) // 3600,
        metavar="H",
        help="with --witnesses-required: how long a log entry may stay in no witnessed "
        "checkpoint, and K witnesses go without cosigning any checkpoint shown, before it is a "
        "problem (default %(default)s)",
    )


def _hours(raw: str) -> int:
    """A whole number of hours, at least one: at 0 every entry the witnesses have not cosigned
    yet (one logged a minute ago) would be a problem."""
    if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= 100_000):
        raise argparse.ArgumentTypeError("a whole number of hours from 1 to 100000")
    return int(raw)


def witness_verifiers(args: argparse.Namespace) -> list[CosignatureVerifier]:
    """The ``--witness`` keys' verifiers; ``args.witnesses_required`` checked against them, and
    set to every distinct witness listed when it was left out."""
    try:
        verifiers = [CosignatureVerifier.from_vkey(vkey) for vkey in args.witness]
    except NoteError as exc:
        raise CliError(f"--witness: {exc}") from exc
    distinct = len(set(parties(verifiers).values()))
    if args.witnesses_required is None:
        # witnesses listed are witnesses relied on: a K left out never checked them (review 270)
        args.witnesses_required = distinct
    if not 0 <= args.witnesses_required <= distinct:
        raise CliError(
            f"--witnesses-required {args.witnesses_required}: from 0 to the number of "
            f"distinct witnesses among the --witness keys ({distinct}; one key under two "
            "names, or one name with two keys, is one witness)"
        )
    return verifiers


def witness_lines(report: AuditReport, required: int) -> list[str]:
    """What the report says of witnesses: through which size they vouch, and what lies beyond."""
    if not required:
        return []
    lines = [f"  witnessed by {required}+ witnesses through {report.witnessed_through}"]
    if report.beyond_witnessed:
        lines.append(
            f"  ({report.beyond_witnessed} stored deliveries lie beyond it, under the gateway's "
            "signature only until witnesses cosign a later checkpoint: run again later)"
        )
    return lines
