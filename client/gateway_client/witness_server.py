"""``gateway witness serve``: a province cosigns the gateway's checkpoints (C2SP tlog-witness).

A witness cosigns a checkpoint only if it is signed by the log's key and extends, by a
consistency proof, the last one it cosigned for that log. Once provinces witness, the gateway
(or whoever runs it) cannot show two of them different histories: a checkpoint of a forked
tree would not extend what the witnesses already cosigned, so it gets no cosignature, and
``gateway verify-log --witnesses-required K`` refuses what K witnesses have not vouched for.

The witness's record (per log origin: the latest cosigned size, root and extension lines) is a
JSON file. It is written only after a successful check, beside the file, swapped in and made
durable before the cosignature is answered (``durable_files.replace_durably``: review 195, a
power cut after the answer could bring back the old record, from which a fork would be
cosigned), under a lock held for the whole request: two racing requests can never roll the
witness back, and a crash leaves the old record or the new one, whole. Standard library only,
like the listener.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from gateway_client.bounded_server import BoundedServer
from gateway_client.durable_files import locked, replace_durably
from gateway_client.tlog import (
    CosignatureSigner,
    Cosigned,
    NoteVerifier,
    Witness,
    WitnessConflict,
    WitnessError,
    parse_add_checkpoint,
)

MAX_BODY = 64 * 1024  # a checkpoint, a few extension lines and at most 63 proof hashes
MAX_CONNECTIONS = 16  # handled at once: the gateway asks once an hour
READ_TIMEOUT_SECONDS = 10  # a connection may sit idle this long: a slow one holds no thread
REQUEST_SECONDS = 30  # any request, however it trickles, is cut off after this long
PATH = "/add-checkpoint"
SIZE_TYPE = "text/x.tlog.size"
TEXT = "text/plain; charset=utf-8"

Answer = tuple[int, str, bytes]  # status, content type, body


class UnreadableState(Exception):
    """The witness's record file holds what it never wrote: it cosigns nothing until mended."""


class WitnessState:
    """The witness's record, ``{origin: {"size": n, "root": hex, "extensions": [line, …]}}``
    (no ``extensions`` when there are none, as a record written before them reads), in a JSON
    file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> dict[str, Cosigned]:
        """The record; ``UnreadableState`` for a file it cannot read — never taken for an
        empty one, which would cosign a history rolled back."""
        if not self.path.exists():
            return {}
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            return {origin: _cosigned(x) for origin, x in raw.items()}
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as error:
            raise UnreadableState(
                f"the witness's record {self.path} is unreadable: {error}"
            ) from None

    def save(self, state: dict[str, Cosigned]) -> None:
        """Written beside the file, flushed to disk, swapped in, the swap made durable."""
        doc = {origin: _recorded(x) for origin, x in state.items()}
        replace_durably(self.path, (json.dumps(doc, sort_keys=True, indent=2) + "\n").encode())


def _cosigned(recorded: dict[str, object]) -> Cosigned:
    lines = recorded.get("extensions", [])
    if not isinstance(lines, list) or not all(isinstance(x, str) for x in lines):
        raise ValueError("extensions is not a list of lines")
    return Cosigned(int(str(recorded["size"])), bytes.fromhex(str(recorded["root"])), tuple(lines))


def _recorded(cosigned: Cosigned) -> dict[str, object]:
    doc: dict[str, object] = {"size": cosigned.size, "root": cosigned.root.hex()}
    if cosigned.extensions:
        doc["extensions"] = list(cosigned.extensions)
    return doc


class WitnessService:
    """What each ``POST /add-checkpoint`` gets, as the tlog-witness spec says."""

    def __init__(
        self,
        signer: CosignatureSigner,
        log: NoteVerifier,
        state: WitnessState,
        report: Callable[[str], None],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.signer = signer
        self.log = log
        self.state = state
        self._say = report
        self._clock = clock
        self._lock = threading.Lock()

    def add_checkpoint(self, body: bytes) -> Answer:
        """200 with the cosignature line; 409 with the latest cosigned size (``text/x.tlog.size``);
        400 malformed, 403 not signed by the log, 404 unknown log, 422 not consistent."""
        try:
            old, proof, note = parse_add_checkpoint(body.decode("utf-8"))
            # the file's lock too: two processes serving one record would each cosign a fork
            # of the same size, read before either saved (review 254)
            with self._lock, locked(self.state.path):
                record = self.state.load()
                witness = Witness(self.signer, {self.log.name: self.log}, record)
                line = witness.add_checkpoint(old, proof, note, int(self._clock()))
                self.state.save(record)  # only now: a refused checkpoint changes nothing
        except UnicodeDecodeError:
            return self._refuse(400, "the body is not UTF-8")
        except WitnessConflict as conflict:
            self._say(f"conflict: the latest cosigned size is {conflict.size}")
            return 409, SIZE_TYPE, f"{conflict.size}\n".encode()
        except WitnessError as error:
            return self._refuse(error.status, str(error))
        except UnreadableState as error:  # the witness's fault, not the log's: 500, said why
            return self._refuse(500, str(error))
        size = record[self.log.name][0]
        self._say(f"cosigned {self.log.name} at size {size} (from {old})")
        return 200, TEXT, line.encode()

    def _refuse(self, status: int, why: str) -> Answer:
        self._say(f"refused ({status}): {why}")
        return status, TEXT, (why + "\n").encode()


def serve(service: WitnessService, host: str, port: int) -> ThreadingHTTPServer:
    """An HTTP server answering ``POST /add-checkpoint``; ``serve_forever`` runs it."""

    class Handler(BaseHTTPRequestHandler):
        timeout = READ_TIMEOUT_SECONDS

        def do_POST(self) -> None:
            if self.path != PATH:
                self._answer((404, TEXT, b"only POST /add-checkpoint is served\n"))
                return
            declared = self.headers.get("content-length") or "0"
            digits = declared.isascii() and declared.isdigit() and len(declared) <= 9
            length = int(declared) if digits else MAX_BODY + 1  # int() refuses 4,301 digits
            if not 0 < length <= MAX_BODY:
                self._answer((413 if length else 400, TEXT, b"a body of 1 byte to 64 KiB\n"))
                return
            self._answer(service.add_checkpoint(self.rfile.read(length)))

        def _answer(self, answer: Answer) -> None:
            status, content_type, body = answer
            self.send_response(status)
            self.send_header("content-type", content_type)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    return BoundedServer((host, port), Handler, MAX_CONNECTIONS, REQUEST_SECONDS)
