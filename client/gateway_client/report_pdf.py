"""The PDF rendering of a signed check report (``pip install 'credit-gateway-client[pdf]'``).

The PDF is for people: it shows the report's content and its verification code, which ties the
paper to the signed JSON file that ``gateway verify-report`` checks. The PDF itself proves
nothing a forger could not type; the code and the file do. Chinese text needs a font with its
glyphs: ``--font`` or ``GATEWAY_PDF_FONT``, else the first of ``FONT_CANDIDATES`` present
(Debian: ``fonts-droid-fallback``); the font is subset into the file.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any

from gateway_client.contract import (
    CHINA,
    DOES_NOT_PROVE,
    PURPOSE_LABELS,
    applying,
    load_catalogue,
    named_black,
)
from gateway_client.private_files import open_private

LATIN_FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",)
"""Tried first for each character: a CJK font's Latin letters are often missing or poor."""
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
_COLUMNS = ((12, "序号"), (48, "代码 code"), (70, "主体名称 subject"), (50, "结果 result"))


class NoChineseFont(RuntimeError):
    """No font with Chinese glyphs was given or found."""


def font_path(given: str | None = None) -> Path:
    for candidate in (given, os.environ.get("GATEWAY_PDF_FONT"), *FONT_CANDIDATES):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise NoChineseFont(
        "no font with Chinese glyphs: pass --font FILE.ttf (or set GATEWAY_PDF_FONT); on "
        "Debian, apt-get install fonts-droid-fallback"
    )


def _beijing(moment: str) -> str:
    return datetime.fromisoformat(moment).astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S 北京时间")


def _outcome(result: dict[str, Any]) -> str:
    if result.get("error"):
        return "无效代码 invalid"
    subject, named = result.get("subject"), result.get("named_in") or []
    if not subject and not named:
        return "未发现 none found"
    said = ""
    if subject:
        found = applying(subject["listings"])
        said = "、".join(_LABELS[name] for name in found) or "无适用名单 none applies"
    if named:  # 落实到人: a person named in others' listings (a company's legal representative)
        tail = "黑名单 black" if named_black(named) else "无适用名单 none applies"
        said += ("；" if said else "") + f"作为责任人 named in {len(named)}: {tail}"
    return said


_LABELS = {
    "black": "黑名单 black",
    "dishonesty_record": "失信记录 dishonesty record",
    "poor_grade": "不良信用评价 poor grade",
    "broken_commitment": "违背信用承诺 broken commitment",
    "red": "红名单 red",
    "incentive_grade": "守信信用评价 incentive grade",
}


def _domains(result: dict[str, Any]) -> str:
    subject = result.get("subject") or {}
    catalogue = load_catalogue()
    labels = []
    for view in subject.get("listings", []):
        domain = catalogue.domain(view["listing"]["domain"])
        labels.append(domain.label if domain else view["listing"]["domain"])
    return "；".join(dict.fromkeys(labels))


def _header(pdf: Any) -> None:
    for width, title in _COLUMNS:
        pdf.cell(width, 7, title, border=1)
    pdf.ln()


def render_pdf(report: dict[str, Any], out: Path, font: str | None = None) -> None:
    """Write ``report`` (as the gateway issued it) to ``out`` as an A4 PDF."""
    from fpdf import FPDF  # the optional extra: only this command needs it

    content = report["content"]
    stamp = f"{content['report_id']}  ·  {report['verification_code']}"

    class Paged(FPDF):
        def footer(self) -> None:
            """Each page names its report and code: a loose page is traced to its file."""
            self.set_y(-12)
            self.set_font(face, size=8)
            self.cell(0, 8, f"{stamp}  ·  第 {self.page_no()}/{{nb}} 页", align="C")

    pdf = Paged(format="A4")
    pdf.add_font("cjk", fname=str(font_path(font)))
    latin = next((f for f in LATIN_FONTS if Path(f).is_file()), None)
    if latin:
        pdf.add_font("latin", fname=latin)
        pdf.set_fallback_fonts(["cjk"])
    face = "latin" if latin else "cjk"
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font(face, size=18)
    pdf.cell(0, 12, "信用核查报告  Credit check report", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(face, size=10)
    purpose = content["purpose"]
    facts = (
        ("报告编号 report id", content["report_id"]),
        ("出具时间 issued at", _beijing(content["issued_at"])),
        ("查询方 asked by", f"{content['asked_by']}（密钥 key {content.get('key_id') or '-'}）"),
        ("适用地区 as region", content.get("as_region") or "-"),
        ("查询目的 purpose", f"{PURPOSE_LABELS.get(purpose, purpose)} ({purpose})"),
        ("交换日志 log", f"#{content['log']['sequence']}  {content['log']['root'][:32]}…"),
    )
    for label, value in facts:
        pdf.cell(45, 7, label)
        pdf.cell(0, 7, str(value), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(face, size=14)
    pdf.cell(0, 12, f"核验码 verification code: {report['verification_code']}", new_y="NEXT")
    pdf.set_x(pdf.l_margin)
    pdf.set_font(face, size=9)
    _header(pdf)
    for result in content["results"]:
        if pdf.will_page_break(27):  # a row and its domains stay together, under a header
            pdf.add_page()
            _header(pdf)
        name = (result.get("subject") or {}).get("subject_name", "")
        row = (str(result["index"] + 1), result.get("credit_code") or "-", name)
        for (width, _), text in zip(_COLUMNS, row, strict=False):
            pdf.cell(width, 7, text[:40], border=1)
        # the result whole, on as many lines as it takes: cut, a label found went (review 374)
        pdf.multi_cell(_COLUMNS[-1][0], 7, _outcome(result), border=1, new_x="LMARGIN")
        if domains := _domains(result):
            pdf.set_x(pdf.l_margin + _COLUMNS[0][0])
            pdf.cell(0, 6, f"领域 domains: {domains}"[:90], new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.multi_cell(
        0,
        5,
        "本报告由信用信息交换网关签发，签名随 JSON 文件提供。核验：gateway verify-report "
        "<文件>。This PDF renders a signed report; check the JSON file with gateway "
        f"verify-report. {DOES_NOT_PROVE}",
    )
    with open_private(out) as written:  # it may name persons, as the JSON report does
        written.write(bytes(pdf.output()))
