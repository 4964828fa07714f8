"""Agreements: few and small, read whole wherever recognition is applied."""

from __future__ import annotations

from chalicelib.dynamodb.base import Table, s, text
from gateway.recognition import Agreement


class DynamoAgreements(Table):
    def put(self, agreement: Agreement) -> None:
        self._put_doc({"agreement_id": s(agreement.agreement_id)}, agreement.model_dump_json())

    def get(self, agreement_id: str) -> Agreement | None:
        item = self._get({"agreement_id": s(agreement_id)})
        return Agreement.model_validate_json(text(item, "doc")) if item else None

    def all(self) -> list[Agreement]:
        return [Agreement.model_validate_json(doc) for doc in self._scan_docs()]
