"""The commands a platform runs signed with its own key file (``--key-id``, ``--key-file``):
``gateway push`` (a batch, or a bulk upload shown with a progress bar until its result) and
``gateway verify-log`` (its stored deliveries audited against the gateway's log)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from gateway_client.audit_report import Terms
from gateway_client.cli import errors as cli_errors
from gateway_client.cli import operator as cli_operator
from gateway_client.cli import witness as cli_witness
from gateway_client.cli.errors import read_batch
from gateway_client.cli.first_sent import issued_at
from gateway_client.cli.key_files import read_secret, read_signer
from gateway_client.cli.options import minutes, remote
from gateway_client.cli.subject_table import render_upload
from gateway_client.log_verifier import verify_log
from gateway_client.proof_audit import StoredCopy
from gateway_client.push_client import PushClient
from gateway_client.subscriber_files import read_copy, read_seen, write_seen
from gateway_client.terms_audit import changes_since
from gateway_client.uploader import BulkUploader, describe


def _platform(args: argparse.Namespace) -> PushClient:
    signer = read_signer(args.key_id, args.key_file)
    return PushClient(args.url, args.region, signer, args.timeout)


def _push(args: argparse.Namespace) -> int:
    client = _platform(args)
    if args.bulk or args.resync:
        return _bulk(args, client)
    now = datetime.now(UTC)
    entries, removals = read_batch(args.file)
    content = json.dumps([entries, removals], ensure_ascii=False, sort_keys=True).encode()
    first = issued_at("push", args.region, args.batch_id, now, content)
    reply = cli_errors.gateway_answer(client.push(entries, now, args.batch_id, first, removals))
    if reply.status != 200:
        raise cli_errors.refused(reply)
    if not (isinstance(reply.body, dict) and isinstance(reply.body.get("accepted"), int)):
        raise cli_errors.CliError(  # another service's JSON: no push result (review 357)
            "the answer (HTTP 200) is no push result: is --url the gateway's address?"
        )
    print(json.dumps(reply.body, ensure_ascii=False, indent=2))
    # a script running the push nightly sees the refusals in its exit status, not only in text
    return cli_errors.SOME_REFUSED if reply.body.get("rejected") else 0


def _bulk(args: argparse.Namespace, client: PushClient) -> int:
    """Describe, sign, upload with a progress bar, then wait for and show the result."""
    path = Path(args.file)
    facts = describe(path)
    uploader = BulkUploader(client, lambda: datetime.now(UTC))
    content = json.dumps([vars(facts), args.resync, args.force], sort_keys=True).encode()
    first = issued_at("upload", args.region, args.batch_id, datetime.now(UTC), content)
    asked = uploader.request(facts, args.resync or (), args.force, args.batch_id, issued_at=first)
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
    upload = reply.body["upload"]
    print(render_upload(upload))
    if upload["status"] == "completed":
        return cli_errors.SOME_REFUSED if upload.get("rejected") else 0
    # still under way once --wait ran out: not a refusal (look again with its upload id)
    return cli_errors.NOT_YET if upload["status"] != "refused" else cli_errors.FAILED


def _progress_bar(out: TextIO) -> Callable[[int, int], None]:
    def show(done: int, total: int) -> None:
        share = done / total if total else 1.0
        bar = "#" * int(share * 30)
        out.write(f"\ruploading [{bar:<30}] {share:6.1%}  {done / 1e6:.1f}/{total / 1e6:.1f} MB")
        out.flush()

    return show


def _terms_text(terms: Terms) -> str:
    shown = terms.filters.model_dump(mode="json", exclude_defaults=True) or "all"
    return f"{shown}{', recognised only' if terms.recognised_only else ''}"


def _verify_log(args: argparse.Namespace) -> int:
    client = _platform(args)
    stored, kept = read_copy(Path(args.deliveries))
    secrets = tuple(read_secret(path) for path in args.secret_file)
    copy = StoredCopy(tuple(stored), kept, secrets, args.require_signatures)
    state = Path(args.state) if args.state else None
    grace = timedelta(minutes=args.grace_minutes)
    witnesses = cli_witness.witness_verifiers(args)
    seen = read_seen(state)
    report = verify_log(
        client,
        args.url,
        args.subscription,
        [delivery for delivery, _ in stored],
        args.algorithm,
        seen,
        grace,
        witnesses,
        args.witnesses_required,
        copy=copy,
        witness_lag=timedelta(hours=args.witness_lag_hours),
        origin=args.origin,
    )
    print(
        f"verify-log: {report.checked_deliveries} deliveries against {report.checked_entries} "
        f"log entries, {args.algorithm}-signed checkpoint through {report.verified_through}; "
        f"{report.reverified} re-verified against the signature kept with them"
    )
    if report.in_flight:
        print(f"  (in flight, logged under {args.grace_minutes} min ago: {list(report.in_flight)})")
    if report.unproven:
        print(f"  (restatements no stored logged delivery proves: {list(report.unproven)})")
    before = seen.terms if seen is not None else None
    changes = (
        changes_since(before, report.terms, report.terms_history)
        if before is not None and report.terms is not None
        else []
    )
    if before is not None and changes:
        steps = "; ".join(f"from log entry {t.since + 1}: {_terms_text(t)}" for t in changes)
        print(
            f"  (the subscription's terms changed since the last run ({_terms_text(before)}): "
            f"{steps}; if this region did not change them, ask the gateway's operator who did)"
        )
    if report.unjudged:
        print(
            f"  ({len(report.unjudged)} entries not stored, planned under other filters or by "
            f"recognition, or maybe a step of a listing held: {_some(report.unjudged)})"
        )
    if report.erased_unvouched:
        print(
            f"  ({len(report.erased_unvouched)} entries the gateway says retention erased, which "
            "nothing stored shows (a later tombstone alike makes it plausible): "
            f"{_some(report.erased_unvouched)})"
        )
    if report.late:
        late = list(report.late)
        print(f"  (stored after a later change of their listing, apply by version: {late})")
    if report.by_secret:
        print(
            f"  ({report.by_secret} match a --secret-file: v1 (HMAC), which whoever holds the "
            "secret could have signed, this province too)"
        )
    if report.cut:
        print(
            f"  ({len(report.cut)} in batch files an erasure cut, proven by the log's data "
            f"alone: {_some(report.cut)})"
        )
    if report.unsigned:
        print(f"  ({len(report.unsigned)} stored without its signature: {_some(report.unsigned)})")
    for why, ids in _by_reason(report.unreverified).items():
        print(f"  ({len(ids)} not re-verified, {why}: {_some(ids)})")
    if report.skipped_checkpoints:
        # not relied on, whatever signed them: a key withdrawn from /v1/keys, or no key of the
        # gateway's at all (review 210: called "a retired key" whoever had signed)
        why = "a key /v1/keys does not list (withdrawn, or not the gateway's)" + (
            ", or not with SM2" if args.algorithm == "sm2" else ""
        )
        print(f"  (checkpoints {list(report.skipped_checkpoints)}: signed by {why}; not relied on)")
    for line in cli_witness.witness_lines(report, args.witnesses_required):
        print(line)
    for problem in report.problems:
        print(f"  PROBLEM: {problem}")
    # What the subscriber cannot judge rests on the gateway's unsigned word (its terms history,
    # its list of erasures): named in the verdict, and a failure under --strict (review 51).
    unsure = len(report.unjudged) + len(report.erased_unvouched)
    if not report.ok:
        print("FAILED")
        return 1
    if unsure and args.strict:  # the state stays: the next run judges these entries again
        print(f"FAILED: {unsure} entries unjudged or unvouched (--strict)")
        return 1
    write_seen(state, report)
    if unsure:
        print(
            f"OK: nothing dropped, reordered or altered of what could be judged; {unsure} "
            "entries rest on the gateway's word (above; --strict fails on them)"
        )
        return 0
    print("OK: nothing dropped, reordered or altered")
    return 0


def _some(items: Sequence[object]) -> str:
    return ", ".join(map(str, items[:20])) + (" …" if len(items) > 20 else "")


def _by_reason(pairs: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for delivery_id, why in pairs:
        grouped.setdefault(why, []).append(delivery_id)
    return grouped


def declare_push(commands: Any) -> None:
    push = commands.add_parser("push", help="sign and send a batch of entries")
    push.add_argument(
        "file",
        help="JSON array or NDJSON file of listing entries, or a JSON object "
        '{"entries": [...], "removals": [...]}',
    )
    push.add_argument("--region", required=True, help="your region code, e.g. 230900")
    push.add_argument("--key-id", required=True, help="the key id registered for your region")
    push.add_argument(
        "--key-file", required=True, help="your private key file (whsk_ or sm2sk_, from keygen)"
    )
    remote(push, token=False)
    push.add_argument(
        "--batch-id",
        help="reuse an id to retry a batch safely (default: new): the command signs what it "
        "first signed under it (its issued_at kept under CG_STATE_DIR)",
    )
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


def declare_verify_log(commands: Any) -> None:
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
        "--origin",
        help="the log meant, as its checkpoints name it (the deployment's CG_LOG_ORIGIN): a "
        "checkpoint of another log is a problem, on the first run too (witnesses cosign "
        "every log they serve with one key); without it the first run takes the name it is "
        "shown and --state keeps it",
    )
    verify.add_argument(
        "--grace-minutes",
        type=minutes,
        default=15,
        help="an owed change logged less than this ago and not stored is in flight, not missing",
    )
    verify.add_argument(
        "--secret-file",
        action="append",
        default=[],
        help="a v1 subscription: a file holding a whsec_ secret it has had, to re-verify its "
        "deliveries' signatures (repeat for each secret since the first stored delivery)",
    )
    verify.add_argument(
        "--require-signatures",
        action="store_true",
        help="fail unless every stored delivery is re-verified, matches a --secret-file, or "
        "is in a batch file an erasure cut: for a store gateway listen kept from the start, "
        "where a signature missing was removed",
    )
    verify.add_argument(
        "--strict",
        action="store_true",
        help="fail on entries that rest on the gateway's unsigned word: not stored and "
        "logged under terms this run cannot judge, or said erased with nothing stored "
        "vouching for it",
    )
    cli_witness.verify_options(verify)
    remote(verify, token=False)
    verify.set_defaults(run=_verify_log)
