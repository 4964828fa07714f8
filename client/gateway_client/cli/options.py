"""Options every command that calls the gateway takes: where it is, how long to wait, and who
is calling (the operator's token or AWS credentials, or a region's platform key)."""

from __future__ import annotations

import argparse
import os

from gateway_client.push_client import DEFAULT_TIMEOUT


def remote(command: argparse.ArgumentParser, token: bool = True, platform: bool = False) -> None:
    command.add_argument("--url", default=os.environ.get("GATEWAY_URL", "http://127.0.0.1:8000"))
    command.add_argument(
        "--timeout",
        type=seconds,
        default=DEFAULT_TIMEOUT,
        help=f"seconds to wait for each answer from the gateway (default {DEFAULT_TIMEOUT:g})",
    )
    if token:
        command.add_argument("--token", help="operator token (default: $GATEWAY_OPERATOR_TOKEN)")
        command.add_argument(
            "--iam", action="store_true", help="a deployed stack: sign with your AWS credentials"
        )
    if platform:
        command.add_argument(
            "--key-id",
            dest="signing_key_id",
            help="as a region's platform: sign with this key id (and --key-file), not as operator",
        )
        command.add_argument(
            "--key-file",
            dest="signing_key_file",
            help="the private key file of --key-id (whsk_ or sm2sk_)",
        )


MOST_SECONDS = 86_400
"""A day: the longest wait an option sets (a timer past it overflows the platform's)."""


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value <= MOST_SECONDS:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a positive number of seconds, at most {MOST_SECONDS}"
        )
    return value


def minutes(text: str) -> int:
    """Whole minutes, none to a week."""
    return _within(text, 0, 7 * 24 * 60, "minutes")


def port(text: str) -> int:
    """A TCP port (0: any free one)."""
    return _within(text, 0, 65_535, "a port")


def _within(text: str, low: int, high: int, what: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"{text!r} is not {what} from {low} to {high}")
    return value
