"""Why credit information is looked up (查询目的): the purposes the seed documents name, each
recorded in the query trail with the look it justified."""

from __future__ import annotations

from enum import StrEnum

from gateway_client.contract.errors import SchemaError


class Purpose(StrEnum):
    """Why a person is looked up: the uses the seed documents name for credit information."""

    ADMINISTRATIVE_APPROVAL = "administrative_approval"
    PUBLIC_PROCUREMENT = "public_procurement"
    SUPERVISION = "supervision"
    SUBJECT_REQUEST = "subject_request"
    CREDIT_REPAIR = "credit_repair"
    LAW_ENFORCEMENT = "law_enforcement"


PURPOSE_LABELS = {
    Purpose.ADMINISTRATIVE_APPROVAL: "行政审批",
    Purpose.PUBLIC_PROCUREMENT: "政府采购、招标投标",
    Purpose.SUPERVISION: "日常监管、重点监管",
    Purpose.SUBJECT_REQUEST: "信用主体本人申请查询",
    Purpose.CREDIT_REPAIR: "信用修复",
    Purpose.LAW_ENFORCEMENT: "行政执法、司法协助",
}


def purpose_of(raw: str | None) -> Purpose | None:
    """The ``purpose`` query parameter: absent is ``None``; anything unknown is 400."""
    if raw is None:
        return None
    try:
        return Purpose(raw)
    except ValueError as exc:
        raise SchemaError(_PURPOSE_TEXT, path="purpose") from exc


def required(purpose: Purpose | None) -> Purpose:
    """A query of a person, or one that shows an ID number in full, names its purpose."""
    if purpose is None:
        raise SchemaError(
            "a query that returns a natural person's listing or a resident ID number in full "
            f"states its purpose: {_PURPOSE_TEXT}",
            path="purpose",
        )
    return purpose


_PURPOSE_TEXT = "purpose is one of " + ", ".join(p.value for p in Purpose)
