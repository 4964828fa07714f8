"""信用评价结果: a grade a department gave a subject under a rating scheme (the tax credit grades
A/B/M/C/D, a sector's supervision class, …), exchanged and recognised across regions (seeds
001 二(四)2 "信用評價結果互認", 003 (十八) "信用评价结果互用", 004 二(二)6 信用分类分级监管).

A result travels as a listing of kind ``evaluation`` (the evaluator in ``deciding_authority``,
its decision number, the valid period in ``valid_from`` / ``valid_until``, the scheme's domain in
``domain``), so it is signed, owned, deduplicated, logged, expired and delivered as listings are;
``evaluation`` names the scheme and the grade. The catalogue ships each scheme with its grades,
best first (``Scheme``); agreements recognise chosen grades (``AgreementTerms.grades``) and
measures may apply to some grades only (``Measure.grades``).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from gateway_client.contract.model import ONE_LINE, Frozen

Grade = Annotated[str, Field(min_length=1, max_length=32), ONE_LINE]


class Evaluation(Frozen):
    scheme: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,63}$")]
    grade: Grade
