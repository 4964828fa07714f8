"""The re-evaluation queue: one message per job to run (``chalicelib.reevaluations``)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.observability import logger

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient


class SqsReevaluationTrigger:
    def __init__(self, client: SQSClient, queue_url: str) -> None:
        self._client = client
        self._url = queue_url

    def start(self, job_id: str) -> None:
        """Best effort: the job is stored, so if this send fails the tick starts it."""
        try:
            self.continue_later(job_id)
        except (BotoCoreError, ClientError):
            logger.warning("re-evaluation %s not started now; the next tick starts it", job_id)

    def continue_later(self, job_id: str) -> None:
        """Raises when SQS refuses: the runner's message is then received again instead."""
        self._client.send_message(QueueUrl=self._url, MessageBody=json.dumps({"job_id": job_id}))
