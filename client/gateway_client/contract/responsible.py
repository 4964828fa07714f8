"""落实到人: the persons a listing names as responsible for an organisation's conduct."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field

from gateway_client.contract.codes import CreditCodeOrMasked
from gateway_client.contract.model import ONE_LINE, Frozen

Name = Annotated[str, Field(min_length=1, max_length=200), ONE_LINE]


class PersonRole(StrEnum):
    """落实到人: the roles seeds 001 二(三)6 and 003 (十五) name — the legal representative, the
    principal, senior managers, and the directors, shareholders and registered practitioners
    directly responsible for the conduct. ``directly_responsible`` (直接责任人) predates the
    finer roles and stays valid for the data and pushes that use it."""

    LEGAL_REPRESENTATIVE = "legal_representative"  # 法定代表人
    PRINCIPAL = "principal"  # 主要负责人
    SENIOR_MANAGER = "senior_manager"  # 高级管理人员
    DIRECTOR = "director"  # 董事 (负有直接责任的)
    SHAREHOLDER = "shareholder"  # 股东 (负有直接责任的)
    REGISTERED_PRACTITIONER = "registered_practitioner"  # 注册执业人员 (负有直接责任的)
    DIRECTLY_RESPONSIBLE = "directly_responsible"  # 直接责任人


class ResponsiblePerson(Frozen):
    """落实到人: the people a black listing also binds."""

    name: Name
    role: PersonRole
    id_number: CreditCodeOrMasked | None = None
