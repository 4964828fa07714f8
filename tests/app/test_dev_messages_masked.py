"""``gateway dev`` shows the stack's own messages (``credit_gateway.*``: the pump's failures with
their tracebacks, refusals) on stderr beside the handlers' JSON lines; like those, they never
carry a resident ID number."""

from __future__ import annotations

import logging
import sys

from app_support import NATURAL_PERSON_CODE

from infra.local import dev


def test_the_stack_messages_gateway_dev_shows_have_ids_masked() -> None:
    handler = dev.stack_messages()
    try:
        raise ValueError(f"refused\n{NATURAL_PERSON_CODE}")
    except ValueError:
        record = logging.LogRecord(
            "credit_gateway.pump",
            logging.ERROR,
            __file__,
            1,
            "subject %s",
            (NATURAL_PERSON_CODE,),
            sys.exc_info(),
        )

    shown = handler.format(record)

    assert NATURAL_PERSON_CODE not in shown
    assert shown.count("110105***********X") == 2
