"""Repositories against the real resource definitions: the shared ``aws`` fixture lives in
tests/conftest.py."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.dynamodb.exchange_log import DynamoExchangeLog
from chalicelib.s3_archive import S3Archive


@pytest.fixture
def log(aws: Any) -> DynamoExchangeLog:
    """The exchange log on the provisioned table and bucket."""
    archive = S3Archive(aws.s3, aws.env["CG_ARCHIVE_BUCKET"])
    return DynamoExchangeLog(aws.dynamodb, aws.env["CG_EXCHANGE_LOG_TABLE"], archive)
