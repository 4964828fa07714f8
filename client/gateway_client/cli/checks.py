"""``gateway check`` (a batch check, its signed report and PDF) and ``gateway verify-report``
(the report checked offline against the gateway's published keys)."""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gateway_client.cli import errors as cli_errors
from gateway_client.cli.key_files import read_signer
from gateway_client.cli.operator import caller_for, show
from gateway_client.cli.text_table import render
from gateway_client.contract import (
    DOES_NOT_PROVE,
    PROVES,
    PROVES_FILE,
    PROVES_SPAN,
    PublishedKey,
    applying,
    named_black,
    opening_at,
    verify_report,
)
from gateway_client.private_files import write_private
from gateway_client.push_client import PushClient, http_request
from gateway_client.uploader import BulkUploader, describe


def _codes(args: argparse.Namespace) -> list[str]:
    codes = list(args.codes)
    if args.codes_file:
        # "UTF-8 with BOM", as Notepad and Excel's "CSV UTF-8" save it: the BOM is no part of
        # the first code (review 397: sent with it, that code was "not found")
        text = Path(args.codes_file).read_text(encoding="utf-8-sig")
        codes += [line.strip() for line in text.splitlines() if line.strip()]
    if not codes:
        raise cli_errors.CliError("name at least one code, or --codes-file FILE (one a line)")
    return codes


def check(args: argparse.Namespace) -> int:
    """Check the codes; print a table (or the JSON); write the report and its PDF if asked."""
    if args.bulk:
        return _bulk(args, _codes(args))
    want_report = bool(args.report or args.pdf)
    request = {"codes": _codes(args), "purpose": args.purpose, "report": want_report}
    if args.as_region:
        request["as_region"] = args.as_region
    body = json.dumps(request, ensure_ascii=False).encode()
    reply = caller_for(args)("POST", args.url.rstrip("/") + "/v1/checks", body)
    if reply.status != 200 or args.json:
        return show(reply)
    answer: dict[str, Any] = reply.body
    print(_table(answer))
    report = answer.get("report")
    if report and args.report:
        text = json.dumps(report, ensure_ascii=False, indent=2) + "\n"
        write_private(Path(args.report), text)  # as verify-report reads it; it may name persons
        print(f"signed report written to {args.report} ({report['verification_code']})")
        _openings(request["codes"], answer.get("report_openings") or [], Path(args.report))
    if report and args.pdf:
        _pdf(report, Path(args.pdf), args.font)
        print(f"PDF written to {args.pdf}")
    return 0


def _openings(
    codes: list[str], openings: Sequence[str | None], beside: Path, lines: list[int] | None = None
) -> None:
    """Each masked number's opening, beside the report (never in it) or a bulk check's result
    file (``lines``: where each is): what proves the report is about that number
    (``verify-report --code --opening``), as private as the number."""
    place = "line" if lines is not None else "index"
    opened = [
        {place: lines[i] if lines is not None else i, "code": codes[i], "opening": o}
        for i, o in enumerate(openings)
        if o is not None and i < len(codes)
    ]
    if not opened:
        return
    path = beside.with_name(beside.name + ".openings.json")
    write_private(path, json.dumps(opened, ensure_ascii=False, indent=2) + "\n")
    print(
        f"openings of its {len(opened)} masked number(s) written to {path}: hand one, with the "
        "report, only to whoever must know the report is about that number"
    )


def _bulk_openings(codes: list[str], key: str | None, results: Path) -> None:
    """The openings of the lines the result file shows masked (``report_codes.opening_at``
    under the check's key), beside the file: the codes file's line N is the result's line N."""
    lines = [json.loads(x) for x in results.read_text(encoding="utf-8").splitlines() if x]
    masked = [x["line"] for x in lines if isinstance(x, dict) and x.get("commitment")]
    if not key or not masked:
        return
    openings = [opening_at(bytes.fromhex(key), n) for n in masked]
    _openings([codes[n - 1] for n in masked], openings, results, masked)


def _bulk(args: argparse.Namespace, codes: list[str]) -> int:
    """Up to 100,000 codes through the upload path: the codes as an NDJSON file, signed,
    uploaded, checked by the gateway, and its result file saved to ``--out`` (its signed
    report, which names the file's digest, to ``--report``)."""
    if not (args.region and args.signing_key_id and args.signing_key_file and args.out):
        raise cli_errors.CliError("--bulk needs --region, --key-id, --key-file and --out")
    if args.pdf or args.json:
        raise cli_errors.CliError("--bulk writes a result file (--out) and a report (--report)")
    signer = read_signer(args.signing_key_id, args.signing_key_file)
    client = PushClient(args.url, args.region, signer, args.timeout)
    uploader = BulkUploader(client, lambda: datetime.now(UTC))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "codes.ndjson"
        lines = (json.dumps({"credit_code": code}, ensure_ascii=False) for code in codes)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        wanted = {
            "purpose": args.purpose,
            **({"as_region": args.as_region} if args.as_region else {}),
        }
        asked = uploader.request(describe(path), check=wanted)
        if asked.status not in (200, 201):
            return show(asked)
        if "put" in asked.body and uploader.put(asked.body["put"], path) >= 300:
            raise cli_errors.CliError("the upload of the codes to storage failed")
    reply = uploader.wait(asked.body["upload"]["manifest"]["upload_id"], timeout=args.wait)
    if reply.status != 200 or "result" not in reply.body:
        return show(reply)
    result = reply.body["result"]
    if uploader.fetch(result["url"], Path(args.out)) >= 300:
        raise cli_errors.CliError("the result file could not be fetched")
    _bulk_openings(codes, result.get("openings_key"), Path(args.out))
    if args.report:
        if "report_url" not in result:
            raise cli_errors.CliError("the gateway issued no signed report for this check")
        if uploader.fetch(result["report_url"], Path(args.report)) >= 300:
            raise cli_errors.CliError("the signed report could not be fetched")
    done = reply.body["upload"]
    print(
        f"bulk check {done['manifest']['upload_id']}: {done['accepted']} codes checked, "
        f"{done['found']} found, {done['rejected']} lines refused; results in {args.out}"
    )
    return 0


def _pdf(report: dict[str, Any], out: Path, font: str | None) -> None:
    try:
        from gateway_client.report_pdf import NoChineseFont, render_pdf
    except ModuleNotFoundError as exc:
        hint = "pip install 'credit-gateway-client[pdf]'"
        raise cli_errors.CliError(f"--pdf needs fpdf2 ({exc}): {hint}") from exc
    try:
        render_pdf(report, out, font)
    except NoChineseFont as exc:
        raise cli_errors.CliError(str(exc)) from exc


def _table(answer: dict[str, Any]) -> str:
    rows = []
    for result in answer["results"]:
        subject = result.get("subject") or {}
        named = result.get("named_in") or []  # a person's: others' listings naming them
        if result.get("error"):
            outcome = f"error: {result['error']['message']}"
        elif not subject and not named:
            outcome = "nothing found"
        else:  # what applies, as the signed summary counts it (review 311)
            outcome = "; ".join(
                ([_applies(subject)] if subject else [])
                + ([f"named in {len(named)} other listing(s): {_naming(named)}"] if named else [])
            )
        code = result.get("credit_code") or "-"
        rows.append([result["index"] + 1, code, subject.get("subject_name", ""), outcome])
    summary = answer["summary"]
    head = (
        f"check {answer['check_id']} as {answer.get('as_region') or 'no region'}: "
        f"{summary['checked']} checked, {summary['found']} found, {summary['black']} black, "
        f"{summary.get('dishonesty_records', 0)} dishonesty records, "  # a gateway before: none
        f"{summary['red']} red, {summary['invalid']} invalid, "
        f"{summary.get('named_in_black', 0)} named in black"  # a gateway before: none
    )
    return head + "\n\n" + render(["#", "code", "subject", "listings"], rows)


def _applies(subject: dict[str, Any]) -> str:
    applies = "+".join(applying(subject["listings"])) or "none applies"
    return applies + (" (intensified)" if subject.get("intensified") else "")


def _naming(named: list[dict[str, Any]]) -> str:
    return "black applies" if named_black(named) else "none applies"


def _keys(args: argparse.Namespace) -> tuple[list[PublishedKey], str]:
    if args.keys:
        try:
            raw = json.loads(Path(args.keys).read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError) as exc:  # names the file, as --results
            raise cli_errors.CliError(f"{args.keys}: not a readable JSON file ({exc})") from exc
        where = f"the keys saved in {args.keys}"
    else:
        reply = http_request("GET", args.url.rstrip("/") + "/v1/keys", None, {}, args.timeout)
        if reply.status != 200:
            raise cli_errors.refused(reply)
        raw, where = reply.body, f"the keys {args.url} publishes now"
    listed = raw.get("keys", []) if isinstance(raw, dict) else []
    if not isinstance(listed, list):
        raise cli_errors.CliError(f"{where}: not a GET /v1/keys answer (its keys are no list)")
    try:
        return [PublishedKey.model_validate(k) for k in listed], where
    except ValueError as exc:
        raise cli_errors.CliError(f"{where}: not a GET /v1/keys answer ({exc})") from exc


def verify(args: argparse.Namespace) -> int:
    """Say what the report proves, or exactly what is wrong with it."""
    try:
        text = Path(args.file).read_text(encoding="utf-8")
        report = json.loads(text, object_pairs_hook=_no_repeated_keys)
    except (OSError, ValueError, RecursionError) as exc:
        raise cli_errors.CliError(f"{args.file}: not a readable JSON report ({exc})") from exc
    keys, where = _keys(args)
    try:
        results = Path(args.results).read_bytes() if args.results else None
    except OSError as exc:
        raise cli_errors.CliError(f"{args.results}: not readable ({exc})") from exc
    if (args.code is None) != (args.opening is None):
        raise cli_errors.CliError("--code and --opening go together")
    opened = (args.code, args.opening) if args.code is not None else None
    verdict = verify_report(report, keys, results, opened)
    if not verdict.ok:
        for problem in verdict.problems:
            print(f"  PROBLEM: {problem}")
        print(f"FAILED: {args.file} is not a report the gateway issued as it stands")
        return 1
    print(f"OK: signature verified with {where}")
    print(
        PROVES.format(
            key_id=verdict.key_id,
            issued_at=verdict.issued_at,
            asked_by=verdict.asked_by,
            purpose=verdict.purpose,
            codes=verdict.codes,
        )
    )
    if verdict.checked_from is not None:
        print(PROVES_SPAN.format(checked_from=verdict.checked_from, issued_at=verdict.issued_at))
    if verdict.results_sha256 is not None:
        given = f" ({args.results}: checked)" if verdict.results_checked else ""
        print(PROVES_FILE.format(sha256=verdict.results_sha256, checked=given))
        if not verdict.results_checked:
            print("  (give the file with --results to check that it is that file)")
    if verdict.about is not None:
        where = "line" if verdict.results_sha256 is not None else "result"
        print(f"It is about the number given with --code: its {where} {verdict.about}.")
    print(DOES_NOT_PROVE)
    return 0


def _no_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A key twice in one object could be read either way: such a file is no report."""
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("a key appears twice in one object")
    return dict(pairs)


def declare(commands: Any, remote: Any, purposes: list[str]) -> None:
    """The two commands' options."""
    batch = commands.add_parser("check", help="batch check of codes (应查必查), signed report")
    batch.add_argument("codes", nargs="*", help="unified social credit codes or resident IDs")
    batch.add_argument("--codes-file", help="more codes, one a line")
    batch.add_argument("--purpose", required=True, choices=purposes, help="why (in the trail)")
    batch.add_argument("--as", dest="as_region", help="whose recognition and measures apply")
    batch.add_argument("--report", help="write the gateway's signed report (JSON) here")
    batch.add_argument("--pdf", help="write a PDF rendering of the report here")
    batch.add_argument("--font", help="a TTF font with Chinese glyphs for the PDF")
    batch.add_argument("--json", action="store_true", help="print the raw JSON")
    batch.add_argument(
        "--bulk", action="store_true", help="up to 100,000 codes through the upload path"
    )
    batch.add_argument("--region", help="--bulk: the region of --key-id")
    batch.add_argument("--out", help="--bulk: where to save the result file (NDJSON)")
    batch.add_argument("--wait", type=float, default=1800.0, help="--bulk: seconds to await it")
    remote(batch, platform=True)
    batch.set_defaults(run=check)
    audit = commands.add_parser("verify-report", help="check a signed check report offline")
    audit.add_argument("file", help="the report's JSON file")
    audit.add_argument("--keys", help="the gateway's keys (a saved GET /v1/keys answer)")
    audit.add_argument("--results", help="a bulk check's result file, checked against the report")
    audit.add_argument("--code", help="a number the report shows masked: prove it is about it")
    audit.add_argument("--opening", help="that number's opening (given to the asker)")
    remote(audit, token=False)
    audit.set_defaults(run=verify)
