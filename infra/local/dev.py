"""``gateway dev``: the local stack in the foreground until Ctrl-C."""

from __future__ import annotations

import threading

from infra.local.stack import LocalStack


def main() -> int:
    with LocalStack() as stack:
        stack.run_pump_in_background()
        print(f"credit-gateway (local) on {stack.url}")
        print(f"  operator token: {stack.operator_token}")
        print(f"  AWS endpoint:   {stack.env['CG_AWS_ENDPOINT_URL']} (moto)")
        print("  event pump:     running (stream → fan-out, queue → webhooks)")
        print("Ctrl-C stops it.")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("\nstopping")
    return 0
