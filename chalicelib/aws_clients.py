"""AWS clients that share one botocore data loader.

A new boto3 session parses each service's JSON model again: 0.1–0.4 s a client here, five
clients at every cold start, and again for every container the tests build. One loader for the
process keeps that cost to the first client of each service, while every client still gets a
session, and so credentials, of its own. A DynamoDB client also retries the writes DynamoDB
refuses for a transaction in flight (``chalicelib.dynamodb.conflicts``).
"""

from __future__ import annotations

from typing import Any

import botocore.loaders
import botocore.session
from botocore.config import Config

from chalicelib.dynamodb.conflicts import retry_conflicts

_LOADER = botocore.loaders.create_loader()


def aws_client(service: str, region: str, endpoint_url: str | None, config: Config) -> Any:
    session = botocore.session.Session()
    session.register_component("data_loader", _LOADER)
    client = session.create_client(
        service, region_name=region, endpoint_url=endpoint_url, config=config
    )
    if service == "dynamodb":
        retry_conflicts(client)
    return client
