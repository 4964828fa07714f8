"""SigV4 for the operator CLI's ``--iam``: API Gateway's IAM authorisation on a deployed stack.

botocore comes with the client's ``iam`` extra (``pip install 'credit-gateway-client[iam]'``): the
CLI loads this module only for ``--iam``, so every other command runs without an AWS SDK.
"""

from __future__ import annotations

import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest


def sigv4_headers(method: str, url: str, body: bytes | None) -> dict[str, str]:
    """Headers signing one execute-api request with the caller's AWS credentials."""
    session = botocore.session.Session()
    credentials = session.get_credentials()
    if credentials is None:
        raise SystemExit("--iam: no AWS credentials found (profile, env or instance role)")
    request = AWSRequest(
        method=method, url=url, data=body or b"", headers={"content-type": "application/json"}
    )
    region = session.get_config_variable("region") or "cn-northwest-1"
    SigV4Auth(credentials, "execute-api", region).add_auth(request)
    return {k: str(v) for k, v in request.headers.items()}
