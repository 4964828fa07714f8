"""Who asks about a person: the regions around a 大冶市 listing, each with its key, and how
to ask as any of them (the one-stop query and the query trail).

大冶市 (420281) owns the listings; 黄石市 (420200) relays for it; 湖北省 (420000) does not
relay, so it only recognises its own subtree; 湖南省 recognises 湖北's serious black lists by an
agreement in force; 江西省's agreement has ended; 广东省 has none. 清远市清城区 (441802) lists
the same person on its own account where a test needs a second owner.

Builds on ``app_support`` without changing it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from app_support import (
    DAYE,
    GUANGDONG,
    HUBEI,
    HUNAN,
    NATURAL_PERSON_CODE,
    Gateway,
    daye_black_entry,
    end_agreement,
    new_signer,
    signed_agreement,
)
from chalice.test import HTTPResponse

from gateway_client.contract.codes import mask
from gateway_client.contract.signing import Ed25519Signer

HUANGSHI = "420200"  # 黄石市: relays 大冶市's listings
JIANGXI = "360000"  # 江西省: its agreement with 湖北 has ended
QINGCHENG = "441802"  # 清远市清城区: a second owner
PERSON = NATURAL_PERSON_CODE
REPRESENTATIVE_ID = "420281199503150210"  # the company's legal representative
UNLISTED_PERSON = "420281199607020349"

# role → the region whose key signs (``anonymous`` and ``operator`` sign nothing)
REGIONS = {
    "owner": DAYE,
    "relaying_city": HUANGSHI,
    "own_province": HUBEI,
    "agreement": HUNAN,
    "no_agreement": GUANGDONG,
    "agreement_ended": JIANGXI,
    "second_owner": QINGCHENG,
}
ROLES = ("anonymous", "operator", *REGIONS)


def person_entry(**overrides: Any) -> dict[str, Any]:
    return daye_black_entry(**{"credit_code": PERSON, "subject_name": "张某某", **overrides})


def company_entry(**overrides: Any) -> dict[str, Any]:
    representative = {
        "name": "王某",
        "role": "legal_representative",
        "id_number": REPRESENTATIVE_ID,
    }
    return daye_black_entry(**{"responsible_persons": [representative], **overrides})


def qingcheng_person_entry() -> dict[str, Any]:
    return person_entry(
        domain="food_drug",
        deciding_authority="清远市市场监督管理局清城分局",
        decision_number="清城市监罚〔2024〕8号",
    )


@dataclass
class Askers:
    """Every region of the scenario registered with a key, the agreements signed."""

    gateway: Gateway
    signers: dict[str, Ed25519Signer] = field(default_factory=dict)

    def register(self) -> Askers:
        for role, region in REGIONS.items():
            relays = role != "own_province"
            body = json.dumps({"name": role, "relays_subregions": relays}).encode()
            reply = self.gateway.client.http.put(
                f"/v1/regions/{region}", headers=self.gateway.operator(), body=body
            )
            assert reply.status_code == 200, reply.json_body
            signer = new_signer(f"k-{role}")
            assert self.gateway.add_key(region, signer).status_code == 201
            self.signers[role] = signer
        signed_agreement(self.gateway)  # 湖南 ← 湖北, in force
        ended = signed_agreement(self.gateway, title="赣鄂互认", subscriber_region=JIANGXI)
        assert end_agreement(self.gateway, ended["agreement_id"]).status_code == 200
        return self

    def push(self, role: str, *entries: dict[str, Any]) -> list[str]:
        """Entries the role's region must accept; their listing ids."""
        reply = self.gateway.push(self.signers[role], REGIONS[role], list(entries))
        assert reply.json_body["accepted"] == len(entries), reply.json_body
        return [str(o["listing_id"]) for o in reply.json_body["outcomes"]]

    def ask(self, role: str, path: str) -> HTTPResponse:
        """GET ``path`` as ``role``: no credentials, the operator's token, or a signature."""
        if role == "anonymous":
            return self.gateway.client.http.get(path)
        if role == "operator":
            return self.gateway.client.http.get(path, headers=self.gateway.operator())
        return self.gateway.send_signed("GET", path, self.signers[role])


def ids_shown(response: HTTPResponse, number: str) -> str:
    """How ``number`` appears in a reply: ``full``, ``masked``, or ``none`` (withheld)."""
    body = response.body.decode()
    if number in body:
        return "full"
    return "masked" if mask(number) in body else "none"
