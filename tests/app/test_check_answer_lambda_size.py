"""Review 343: ``POST /v1/checks`` refused an answer over 5,000,000 bytes (413) to stay
"under Lambda's 6 MB for a direct reply", measuring the body as UTF-8. But Lambda's 6 MB
(6,291,456 bytes) limit is on the *invocation response*: the proxy object
``{"statusCode", "headers", "body"}`` as the runtime marshals it to JSON — every ``"`` of the
body escaped again, and, on the python3.11 runtime this project packages for (the packaging
interpreter's version: ``infra/precompile.py``), every Chinese character escaped as a 6-byte
``\\uXXXX`` (aws-lambda-python-runtime-interface-client#87; only python3.12+ returns raw
Unicode). A check answer is dense with quotes and Chinese text: about 1.5 × its UTF-8 size once
marshalled. So an answer of 4.2–5 MB passes the 413 guard and then fails in Lambda
("Response payload size exceeded") — a 502 to the client, after the trail entries were written,
the tries spent and the minute's check counted."""

from __future__ import annotations

import json

import pytest
from app_support import DAYE, Gateway
from personal_support import company_entry

LAMBDA_RESPONSE_LIMIT = 6 * 1024 * 1024  # synchronous invocation response payload


def _marshalled_by_python311_runtime(status: int, headers: dict[str, str], body: str) -> int:
    """The invocation response's size as the python3.11 runtime writes it (``json.dumps`` with
    its default ``ensure_ascii``) for API Gateway's proxy integration."""
    proxy = {
        "statusCode": status,
        "headers": headers,
        "multiValueHeaders": {},
        "isBase64Encoded": False,
        "body": body,
    }
    return len(json.dumps(proxy).encode())


@pytest.mark.parametrize(("listed", "status"), [(150, 200), (230, 413)])
def test_an_answer_fits_lambdas_response_limit_or_is_413(
    gateway: Gateway, listed: int, status: int
) -> None:
    """One company 大冶市 listed ``listed`` times (a decision each): a check answers every
    listing. 230 of them are about 4.7 MB as UTF-8, which the old guard let through, and 7 MB
    as the runtime writes them: 413 now. 150 fit, and are answered."""
    daye = gateway.register_platform(DAYE)
    entries = [company_entry(decision_number=f"(2024)鄂0281执{n}号") for n in range(listed)]
    assert gateway.push(daye, DAYE, entries).json_body["accepted"] == listed
    asked = {"codes": [entries[0]["credit_code"]], "purpose": "supervision", "report": True}

    reply = gateway.post_signed("/v1/checks", daye, None, json.dumps(asked).encode())

    assert reply.status_code == status, reply.json_body
    body = reply.body.decode() if isinstance(reply.body, bytes) else reply.body
    size = _marshalled_by_python311_runtime(status, dict(reply.headers), body)
    assert size <= LAMBDA_RESPONSE_LIMIT, (
        f"a {len(body.encode())}-byte answer is a {size}-byte Lambda response: over 6 MB, a 502"
    )
