"""A province's procurement checks 1,000 bidders with the `gateway` command, over HTTP on the
local stack: the listed ones come back as the province sees them, the report it files verifies
offline against the saved gateway keys and is refused once tampered with, and its PDF shows
the subjects' Chinese names on a first page that is not blank."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from e2e_support import code, entry, register
from masked_persons import APPLICANT, OTHER

from gateway_client.cli import main as cli
from gateway_client.push_client import PushClient, http_request
from infra.local.stack import LocalStack

pytestmark = pytest.mark.e2e

PROVINCE, CITY = "430000", "430100"
LISTED = 5
BIDDERS = 1000


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack() as running:
        yield running


def province_checks(stack: LocalStack, folder: Path, *options: str) -> int:
    """`gateway check` for public procurement, signed with 湖南省's platform key."""
    signing = ["--key-id", "hn-check", "--key-file", str(folder / "province.key")]
    return cli.main(
        ["check", "--purpose", "public_procurement", *options, "--url", stack.url, *signing]
    )


@pytest.fixture(scope="module")
def filed(stack: LocalStack, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """长沙市 lists five companies and the log is fanned out; 湖南省 checks 1,000 codes (the
    five among them, in the middle) and files the report, its PDF and the gateway's keys."""
    folder = tmp_path_factory.mktemp("check")
    city = register(stack, CITY, "cs-check", folder / "city.key")
    register(stack, PROVINCE, "hn-check", folder / "province.key")
    pushed = PushClient(stack.url, CITY, city).push(
        [entry(n) for n in range(LISTED)], datetime.now(UTC)
    )
    assert pushed.status == 200, pushed.body
    assert pushed.body["accepted"] == LISTED
    assert stack.pump is not None
    stack.pump.drain()
    codes = [code(n) for n in range(LISTED, BIDDERS)]
    codes[400:400] = [code(n) for n in range(LISTED)]
    (folder / "codes.txt").write_text("\n".join(codes) + "\n", encoding="utf-8")
    keys = http_request("GET", f"{stack.url}/v1/keys", None, {})
    (folder / "keys.json").write_text(json.dumps(keys.body), encoding="utf-8")
    status = province_checks(
        stack,
        folder,
        "--codes-file",
        str(folder / "codes.txt"),
        "--report",
        str(folder / "report.json"),
        "--pdf",
        str(folder / "report.pdf"),
    )
    assert status == 0
    return {"folder": folder, "report": json.loads((folder / "report.json").read_text())}


def test_the_report_and_its_pdf_are_their_owner_s_alone(filed):
    """They may name persons in full, as the answer does (review 209: they took the umask)."""
    modes = [(filed["folder"] / n).stat().st_mode & 0o777 for n in ("report.json", "report.pdf")]
    assert modes == [0o600, 0o600]


def test_every_code_is_answered_in_order_and_the_listed_ones_as_the_province_sees_them(filed):
    content = filed["report"]["content"]
    results = content["results"]
    assert len(results) == BIDDERS
    assert [r["index"] for r in results] == list(range(BIDDERS))
    found = [r for r in results if r["found"]]
    assert [r["index"] for r in found] == list(range(400, 400 + LISTED))
    assert {r["subject"]["subject_name"] for r in found} == {
        f"长沙某某{n}有限公司" for n in range(5)
    }
    assert all(r["subject"]["listings"][0]["recognised"] for r in found)  # its own subtree
    assert content["summary"]["black"] == LISTED
    assert content["log"]["sequence"] >= LISTED  # the pushes were logged before the check


def verify(folder: Path, report: Path, capsys: Any) -> tuple[int, str]:
    capsys.readouterr()
    status = cli.main(["verify-report", str(report), "--keys", str(folder / "keys.json")])
    return status, capsys.readouterr().out


def test_the_report_verifies_offline_and_says_what_it_proves(filed, capsys):
    status, said = verify(filed["folder"], filed["folder"] / "report.json", capsys)

    assert status == 0, said
    assert "OK: signature verified with the keys saved in" in said
    assert f"about {BIDDERS} code(s)" in said
    assert "does not prove that any listing is still in force now" in said


def test_a_tampered_report_is_refused(filed, capsys):
    tampered = json.loads(json.dumps(filed["report"]))
    tampered["content"]["results"][400]["found"] = False
    tampered["content"]["results"][400]["subject"] = None
    path = filed["folder"] / "tampered.json"
    path.write_text(json.dumps(tampered, ensure_ascii=False), encoding="utf-8")

    status, said = verify(filed["folder"], path, capsys)

    assert status == 1
    assert "PROBLEM: the signature does not verify" in said
    assert "FAILED" in said


def poppler(program: str) -> str:
    """A poppler-utils program (infra/system_packages.sh installs them for make test)."""
    found = shutil.which(program)
    assert found, f"{program} is missing: run infra/system_packages.sh"
    return found


def test_the_pdf_shows_the_chinese_names_on_a_page_that_is_not_blank(filed):
    folder = filed["folder"]
    pdf = folder / "report.pdf"
    subprocess.run(  # noqa: S603 - the distribution's poppler-utils on our own file
        [
            poppler("pdftoppm"),
            "-png",
            "-r",
            "50",
            "-f",
            "1",
            "-l",
            "1",
            str(pdf),
            str(folder / "page"),
        ],
        check=True,
        timeout=60,
    )
    [image] = folder.glob("page*.png")
    shades = sum(1 for count in _grey_histogram(image) if count)
    assert shades > 2  # more than a blank page's one or two
    text = subprocess.run(  # noqa: S603
        [poppler("pdftotext"), str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert "信用核查报告" in text
    assert "Credit check report" in text  # Latin letters too (a fallback font per glyph)
    assert "长沙某某0有限公司" in text
    assert filed["report"]["verification_code"] in text


def _grey_histogram(image: Path) -> list[int]:
    from PIL import Image  # fpdf2's own dependency

    with Image.open(image) as page:
        return list(page.convert("L").histogram())


def test_a_bulk_check_through_the_upload_path_answers_every_line_in_a_result_file(
    stack, filed, capsys
):
    folder = filed["folder"]
    codes = [code(n) for n in range(LISTED, LISTED + 300)] + [code(2), "not-a-code"]
    (folder / "bulk.txt").write_text("\n".join(codes) + "\n", encoding="utf-8")
    assert stack.pump is not None
    stack.run_pump_in_background()

    status = province_checks(
        stack,
        folder,
        "--bulk",
        "--codes-file",
        str(folder / "bulk.txt"),
        "--region",
        PROVINCE,
        "--out",
        str(folder / "bulk-results.ndjson"),
        "--report",
        str(folder / "bulk-report.json"),
    )

    assert status == 0, capsys.readouterr()
    lines = [json.loads(x) for x in (folder / "bulk-results.ndjson").read_text().splitlines()]
    assert [x["line"] for x in lines] == list(range(1, len(codes) + 1))
    [listed] = [x for x in lines if x["found"]]
    assert (listed["line"], listed["subject"]["subject_name"]) == (301, "长沙某某2有限公司")
    assert lines[-1]["error"]["code"] == "bad_request"
    assert "302 codes checked, 1 found, 0 lines refused" in capsys.readouterr().out
    report = json.loads((folder / "bulk-report.json").read_text())
    assert report["content"]["summary"]["found"] == 1
    assert report["content"]["log"]["sequence"] >= LISTED


def test_a_bulk_checks_report_verifies_only_with_its_own_result_file(filed, capsys):
    """Runs after the bulk check above (same module, in order): its report and file."""
    folder = filed["folder"]
    results, report = folder / "bulk-results.ndjson", folder / "bulk-report.json"
    changed = folder / "bulk-results-changed.ndjson"
    changed.write_text(results.read_text().replace('"found": true', '"found": false'))

    def verify_with(file: Path) -> tuple[int, str]:
        capsys.readouterr()
        argv = ["verify-report", str(report), "--keys", str(folder / "keys.json")]
        status = cli.main([*argv, "--results", str(file)])
        return status, capsys.readouterr().out

    ok, said = verify_with(results)
    refused, why = verify_with(changed)

    assert ok == 0, said
    assert f"about {len(results.read_text().splitlines())} code(s)" in said
    assert "checked)" in said
    assert refused == 1
    assert "not the one the report signs" in why


def test_the_asker_proves_whom_a_report_shows_masked_is_about(stack, filed, capsys):
    """Runs after the bulk checks above (the pump in the background). A number 湖南 may not
    see in full is masked in the report; the openings the command saves beside the report and
    beside a bulk check's result file prove it is about that number, not another with its
    mask (review 138 F1)."""
    folder = filed["folder"]
    applicant, other = APPLICANT, OTHER
    (folder / "person.txt").write_text(applicant + "\n", encoding="utf-8")
    report, results = folder / "person-report.json", folder / "person-results.ndjson"
    bulk_report = folder / "person-bulk-report.json"
    assert province_checks(stack, folder, applicant, "--report", str(report)) == 0
    bulk = ["--bulk", "--codes-file", str(folder / "person.txt"), "--region", PROVINCE]
    assert (
        province_checks(stack, folder, *bulk, "--out", str(results), "--report", str(bulk_report))
        == 0
    )
    [single] = json.loads((folder / "person-report.json.openings.json").read_text())
    [line] = json.loads((folder / "person-results.ndjson.openings.json").read_text())
    assert applicant not in report.read_text() + bulk_report.read_text()
    private = [folder / f"person-{n}.openings.json" for n in ("report.json", "results.ndjson")]
    modes = {oct(path.stat().st_mode & 0o777) for path in [results, *private]}
    assert modes == {"0o600"}  # as private as the number (review 193)

    def verify(*argv: str) -> tuple[int, str]:
        capsys.readouterr()
        keys = ["--keys", str(folder / "keys.json")]
        return cli.main(["verify-report", *argv, *keys]), capsys.readouterr().out

    proved = [
        verify(str(report), "--code", applicant, "--opening", single["opening"]),
        verify(
            str(bulk_report),
            "--results",
            str(results),
            "--code",
            applicant,
            "--opening",
            line["opening"],
        ),
    ]
    refused = verify(str(report), "--code", other, "--opening", single["opening"])

    assert [status for status, _ in proved] == [0, 0], proved
    assert "its result 0" in proved[0][1]
    assert "its line 1" in proved[1][1]
    assert refused[0] == 1
    assert "not shown to be about that number" in refused[1]
