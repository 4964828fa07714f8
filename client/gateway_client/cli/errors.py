"""What can go wrong in a ``gateway`` command, said in one line the user can act on.

A platform operator runs the CLI from cron jobs and shells: a traceback hides the one fact that
matters (the file, the URL, the gateway's error code), so every failure becomes one stderr line
and a non-zero exit code. Reading the user's files lives here too, so that a bad one is named.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import ssl
import sys
import urllib.error
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gateway_client.contract import GatewayError
from gateway_client.log_verifier import PublishedLogError
from gateway_client.push_client import NotHttpUrl, Response, refusal_text
from gateway_client.subscriber_files import LocalFileError
from gateway_client.uploader import PUT_TIMEOUT

FAILED = 1
SOME_REFUSED = 3  # a push answered, some of its entries or removals refused (listed)
NOT_YET = 4  # an upload still under way when --wait ran out: neither done nor refused
INTERRUPTED = 130
OUTPUT_CLOSED = 141  # as a tool killed by SIGPIPE: what reads its output stopped reading
BULK_HINT = "too big for one push: send the file with `gateway push --bulk FILE …` (any size)"


class CliError(Exception):
    """A failure explained in the user's terms; its text is the whole message."""


_SAID_FOR_PEOPLE = (CliError, GatewayError, PublishedLogError, LocalFileError, NotHttpUrl)
"""Errors whose text already names what went wrong."""


def refused(reply: Response) -> CliError:
    """The gateway's (or API Gateway's) error reply: status, code, field and message."""
    text = refusal_text(reply)
    return CliError(f"{text} — {BULK_HINT}" if reply.status == 413 else text)


def gateway_answer(reply: Response) -> Response:
    """``reply``, unless it is a success whose body is not the gateway's JSON (an object or a
    list): another server answered, and what it said is no result (review 242: a web page
    answering 200 was printed, exit 0)."""
    if 200 <= reply.status < 300 and not isinstance(reply.body, dict | list | None):
        kind = reply.headers.get("content-type") or "no content type"
        raise CliError(
            f"the answer (HTTP {reply.status}, {kind}) is not the gateway's JSON: is --url the "
            "gateway's address?"
        )
    return reply


def storage_failed(exc: OSError, url: str) -> CliError:
    """A bulk file's PUT failed: name the storage host (the presigned URL), not the gateway."""
    host = urllib.parse.urlsplit(url).netloc
    said = explain(exc, host, PUT_TIMEOUT, ours=False)
    return CliError(f"the upload to storage failed: {said}")


def read_batch(path: str) -> tuple[list[Any], list[Any]]:
    """A push's entries and removals: a JSON object ``{"entries": [...], "removals": [...]}``
    (either may be left out), a JSON array of entries, or NDJSON with one entry per line (one
    entry alone, on one line or several, is NDJSON of one)."""
    text = _text(path)
    if text.lstrip().startswith("["):
        loaded: list[Any] = _json(path, text)
        return loaded, []
    try:  # a key twice is refused here too (review 360: the last one was sent, unsaid)
        whole = json.loads(text, object_pairs_hook=_once_each)
    except _Repeated:
        return [_json(path, text)], []  # raises, naming the key
    except (ValueError, RecursionError):  # each line then says what is wrong
        lines = text.splitlines()
        return [_json(path, line, n) for n, line in enumerate(lines, 1) if line.strip()], []
    if isinstance(whole, dict) and whole.keys() & _MEMBERS:
        others = sorted(set(whole) - _MEMBERS)
        if others:  # no entry has these members: a whole push's body, say, saved from the wire
            raise CliError(
                f"{path}: holds {', '.join(others)} beside entries or removals: give the "
                "entries and removals only (this command signs the rest; --batch-id names it)"
            )
        return _array(path, whole, "entries"), _array(path, whole, "removals")
    return [whole], []


_MEMBERS = frozenset({"entries", "removals"})


def _array(path: str, batch: dict[str, Any], name: str) -> list[Any]:
    found = batch.get(name, [])
    if not isinstance(found, list):
        raise CliError(f"{path}: {name} must be a JSON array")
    return found


def read_json_body(path: str) -> bytes:
    """A JSON document to send as it is, checked here so a typo is named with its line."""
    text = _text(path)
    _json(path, text)
    return text.encode("utf-8")


def _text(path: str) -> str:
    """The file's text, without the BOM Windows tools write first."""
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CliError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc


def _json(path: str, text: str, line: int | None = None) -> Any:
    at = f" (line {line})" if line else ""
    try:
        return json.loads(text, object_pairs_hook=_once_each)
    except json.JSONDecodeError as exc:
        where = f"line {line or exc.lineno}, column {exc.colno}"
        raise CliError(f"{path}: not valid JSON at {where}: {exc.msg}") from exc
    except RecursionError as exc:
        raise CliError(f"{path}{at}: nested too deep to be read as JSON") from exc
    except ValueError as exc:  # a number of more digits than Python reads, say
        raise CliError(f"{path}{at}: not valid JSON: {exc}") from exc
    except _Repeated as exc:
        raise CliError(
            f"{path}{at}: the key {exc.key!r} appears twice in one object; the gateway refuses "
            "that (duplicate_key), and which one was meant is yours to say"
        ) from exc


class _Repeated(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _once_each(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object whose keys each appear once (review 242: ``json.loads`` kept the last of a
    repeated key, and the push sent what the file did not say)."""
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise _Repeated(key)
        found[key] = value
    return found


def explain(exc: BaseException, url: str | None, timeout: float | None, ours: bool = True) -> str:
    """One line for ``exc``; ``url`` and ``timeout`` are what the command used (``ours``: the
    gateway's, set by ``--url`` and ``--timeout``)."""
    target = url or "the gateway"
    if isinstance(exc, urllib.error.URLError) and not isinstance(exc, urllib.error.HTTPError):
        exc = exc.reason if isinstance(exc.reason, BaseException) else OSError(str(exc.reason))
    if isinstance(exc, _SAID_FOR_PEOPLE):
        return str(exc)
    if isinstance(exc, TimeoutError):
        within = f" within {timeout:g} s" if timeout is not None else ""
        return f"no answer from {target}{within}" + (" (see --timeout)" * ours)
    if isinstance(exc, ConnectionRefusedError):
        hint = ": is the gateway running there? (see --url)" * ours
        return f"connection refused by {target}{hint}"
    if isinstance(exc, ConnectionResetError | http.client.HTTPException):
        return f"{target} closed the connection without a proper answer ({_name(exc)})"
    if isinstance(exc, socket.gaierror):
        return f"cannot resolve the host of {target} ({exc.strerror})"
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed with {target}: {exc.reason or exc}"
    if isinstance(exc, FileExistsError):
        taken = exc.filename2 or exc.filename  # a link's target is its second name
        return f"{taken} already exists: refusing to overwrite it"
    if isinstance(exc, FileNotFoundError):
        return f"{exc.filename}: no such file"
    if isinstance(exc, OSError) and exc.filename is not None:
        return f"{exc.filename}: {exc.strerror}"
    if isinstance(exc, OSError):
        return f"cannot reach {target}: {exc.strerror or exc}"
    return f"unexpected {_name(exc)} (rerun with --traceback to see where)"


def _name(exc: BaseException) -> str:
    detail = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


def run(command: Callable[[], int], url: str | None, timeout: float | None) -> int:
    """Run ``command``; a failure prints ``gateway: error: …`` and returns its exit code."""
    try:
        return command()
    except KeyboardInterrupt:
        print("gateway: interrupted", file=sys.stderr)
        return INTERRUPTED
    except BrokenPipeError as exc:
        if _from_the_network(exc):
            print(f"gateway: error: {explain(exc, url, timeout)}", file=sys.stderr)
            return FAILED
        # `gateway … | head`: what reads the output stopped reading; the call was made. The
        # output goes to the null device, so the interpreter's flush at exit finds no pipe.
        if sys.__stdout__ is not None:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.__stdout__.fileno())
        return OUTPUT_CLOSED
    except Exception as exc:
        message = " ".join(explain(exc, url, timeout).split())
        print(f"gateway: error: {message}", file=sys.stderr)
        return FAILED


_NETWORK = ("socket.py", "ssl.py", "http/client.py", "urllib/request.py")


def _from_the_network(exc: BaseException) -> bool:
    """Whether a broken pipe was the gateway's connection (raised where the request is
    written), not the command's own output."""
    frame, last = exc.__traceback__, None
    while frame is not None:
        last, frame = frame, frame.tb_next
    where = last.tb_frame.f_code.co_filename.replace("\\", "/") if last is not None else ""
    return where.endswith(_NETWORK)  # (a Windows path's separators read as /)
