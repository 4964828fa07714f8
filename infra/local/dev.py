"""``gateway dev``: the local stack in the foreground until Ctrl-C.

It says what it is doing as it goes, and flushes every line, so ``make dev | tee dev.log`` shows
the same as a terminal; the ``export`` line is what the CLI reads (``--url`` and ``--token``
default to ``$GATEWAY_URL`` and ``$GATEWAY_OPERATOR_TOKEN``).
"""

from __future__ import annotations

import logging
import shlex
import sys
import time

from gateway_client.contract import mask_ids_in
from infra.local.stack import LocalStack


def _say(text: str = "") -> None:
    print(text, flush=True)


class _Masked(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return mask_ids_in(super().format(record))


def stack_messages() -> logging.Handler:
    """The stack's own messages (credit_gateway.*: the pump, refusals) to stderr as they happen,
    ID numbers masked as in the handlers' JSON lines (their own handler, on stdout)."""
    shown = logging.StreamHandler(sys.stderr)
    shown.setFormatter(_Masked("%(name)s: %(message)s"))
    return shown


def main() -> int:
    logging.getLogger("credit_gateway").addHandler(stack_messages())
    logging.getLogger("credit_gateway").setLevel(logging.INFO)
    started = time.monotonic()
    _say("starting the local stack: moto (DynamoDB, SQS, S3), tables, queues, the app …")
    with LocalStack(log_level="INFO") as stack:  # one JSON line per request and batch
        stack.run_pump_in_background()
        _say(f"credit-gateway (local) ready in {time.monotonic() - started:.1f} s on {stack.url}")
        _say(f"  AWS endpoint:   {stack.env['CG_AWS_ENDPOINT_URL']} (moto, in this process)")
        _say(
            "  event pump:     running (stream → fan-out, queues → webhooks, bulk ingest and"
            " agreement re-evaluation)"
        )
        _say(f"  console:        {stack.url}/console")
        _say("    sign in with the operator token below, or as a region's platform with")
        _say("    gateway console --key-id … --key-file … (it opens the browser signed in)")
        _say("For the gateway CLI in another shell, paste:")
        url, token = shlex.quote(stack.url), shlex.quote(stack.operator_token)
        _say(f"  export GATEWAY_URL={url} GATEWAY_OPERATOR_TOKEN={token}")
        _say("Ctrl-C stops it; everything it holds is lost.")
        try:
            while True:  # a wait with no end can miss a Ctrl-C that lands just before it
                time.sleep(1)
        except KeyboardInterrupt:
            _say("\nstopping")
    return 0
