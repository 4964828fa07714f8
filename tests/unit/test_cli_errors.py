"""Every ``gateway`` command fails with one ``gateway: error: …`` line and a non-zero exit code,
never a traceback: bad files, an unreachable or silent gateway, and the gateway's refusals."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from gateway_client.cli import main as cli
from gateway_client.cli import operator as cli_operator
from gateway_client.contract.errors import OperatorCredentialsRequired, PayloadTooLarge
from gateway_client.contract.signing import generate_signing_key

REGION = "230900"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(code: int, err: str) -> str:
    """The single stderr line of a failed command."""
    assert code != 0
    assert "Traceback" not in err
    [line] = err.splitlines()
    assert line.startswith("gateway: error: ")
    return line.removeprefix("gateway: error: ")


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "city.key"
    path.write_text(generate_signing_key() + "\n", encoding="utf-8")
    return path


@pytest.fixture
def entries(tmp_path: Path) -> Path:
    path = tmp_path / "entries.json"
    path.write_text(json.dumps([{"credit_code": "91230900MA19XY2K3X"}]), encoding="utf-8")
    return path


def push(entries: Path, key_file: Path, url: str, *more: str) -> list[str]:
    return [
        "push",
        str(entries),
        "--url",
        url,
        "--region",
        REGION,
        "--key-id",
        "qth-1",
        "--key-file",
        str(key_file),
        *more,
    ]


class _Answer(BaseHTTPRequestHandler):
    """Answers every request with the server's ``status`` and JSON ``body``."""

    server: Any

    def _answer(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.server.requests.append((self.command, self.path))
        raw = json.dumps(self.server.body, ensure_ascii=False).encode()
        self.send_response(self.server.status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, format: str, *args: Any) -> None:
        return


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[Any]:
    """A local HTTP server answering with ``handler``, its requests noted in ``requests``."""
    server: Any = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.requests = []
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def answering() -> Iterator[ThreadingHTTPServer]:
    with serving(_Answer) as server:
        yield server


def url_of(server: ThreadingHTTPServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}"


def test_keygen_refuses_to_overwrite_an_existing_key_file(tmp_path, capsys):
    existing = tmp_path / "qth.key"
    existing.write_text("whsk_keep-me\n", encoding="utf-8")

    code, out, err = run(capsys, "keygen", "--out", str(existing))

    assert one_error_line(code, err) == f"{existing} already exists: refusing to overwrite it"
    assert existing.read_text(encoding="utf-8") == "whsk_keep-me\n"
    assert out == ""


def test_a_missing_entries_file_is_named(tmp_path, key_file, capsys):
    missing = tmp_path / "nope.json"

    code, _, err = run(capsys, *push(missing, key_file, "http://127.0.0.1:9"))

    assert one_error_line(code, err) == f"{missing}: no such file"


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('[{"credit_code": "9123"},\n {"credit_code": }]', "line 2, column 18"),
        ('{"credit_code": "9123"}\n\n{"credit_code": "9124"\n', "line 3, column 23"),
    ],
    ids=["array", "ndjson"],
)
def test_a_bad_json_entries_file_names_the_line(tmp_path, key_file, capsys, text, where):
    path = tmp_path / "entries.json"
    path.write_text(text, encoding="utf-8")

    code, _, err = run(capsys, *push(path, key_file, "http://127.0.0.1:9"))

    message = one_error_line(code, err)
    assert message.startswith(f"{path}: not valid JSON at {where}: ")


@pytest.mark.parametrize(
    "content", ["not a key\n", "whsk_!!!\n", "whsk_AAAA\n", "sm2sk_1234\n", "sm2sk_" + "f" * 64]
)
def test_a_bad_key_file_is_named(tmp_path, entries, capsys, content):
    bad = tmp_path / "bad.key"
    bad.write_text(content, encoding="utf-8")

    code, _, err = run(capsys, *push(entries, bad, "http://127.0.0.1:9"))

    message = one_error_line(code, err)
    assert message.startswith(f"{bad}: not a whsk_ or sm2sk_ private key (")
    assert message.endswith("`gateway keygen` makes one")


def test_a_missing_key_file_is_named(tmp_path, entries, capsys):
    code, _, err = run(capsys, *push(entries, tmp_path / "none.key", "http://127.0.0.1:9"))

    assert one_error_line(code, err) == f"{tmp_path / 'none.key'}: no such file"


def test_connection_refused_names_the_url(entries, key_file, capsys):
    with socket.socket() as probe:  # a port nobody listens on once it is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"

    code, _, err = run(capsys, *push(entries, key_file, url))

    message = one_error_line(code, err)
    assert message == f"connection refused by {url}: is the gateway running there? (see --url)"


def test_a_silent_gateway_times_out_after_timeout_seconds(entries, key_file, capsys):
    with socket.socket() as listener:  # accepts the connection, never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        started = time.monotonic()

        code, _, err = run(capsys, *push(entries, key_file, url, "--timeout", "0.5"))

        elapsed = time.monotonic() - started
    assert one_error_line(code, err) == f"no answer from {url} within 0.5 s (see --timeout)"
    assert 0.4 < elapsed < 5


def test_an_operator_command_times_out_too(capsys):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"

        code, _, err = run(capsys, "tick", "--url", url, "--timeout", "0.5")

    assert one_error_line(code, err) == f"no answer from {url} within 0.5 s (see --timeout)"


def test_verify_log_fetches_the_gateway_keys_within_the_timeout(tmp_path, key_file, capsys):
    stored = tmp_path / "deliveries.ndjson"
    stored.write_text("", encoding="utf-8")
    argv = ["verify-log", "--deliveries", str(stored), "--subscription", "sub_1"]
    argv += ["--region", REGION, "--key-id", "k", "--key-file", str(key_file)]
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        started = time.monotonic()

        code, _, err = run(capsys, *argv, "--url", url, "--timeout", "0.5")

        elapsed = time.monotonic() - started
    assert one_error_line(code, err) == f"no answer from {url} within 0.5 s (see --timeout)"
    assert elapsed < 5


def test_verify_log_names_a_key_list_it_cannot_read_a_key_of(answering, key_file, capsys):
    """An entry the client cannot read (an algorithm added since) is left out; a list of
    nothing else is said in one line, not an unexpected ValidationError."""
    answering.status = 200
    answering.body = {"keys": [{"key_id": "gw-pq-1", "algorithm": "ml-dsa-65", "public_key": "x"}]}
    stored = key_file.with_name("deliveries.ndjson")
    stored.write_text("", encoding="utf-8")
    argv = ["verify-log", "--deliveries", str(stored), "--subscription", "sub_1"]
    argv += ["--region", REGION, "--key-id", "k", "--key-file", str(key_file)]

    code, _, err = run(capsys, *argv, "--url", url_of(answering))

    assert one_error_line(code, err) == "GET /v1/keys lists no key this client can read (1 listed)"


def test_payload_too_large_points_to_the_bulk_upload(answering, entries, key_file, capsys):
    # The body the gateway sends: {"error": PayloadTooLarge(…).to_dict()} with status 413.
    limit = 5 * 1024 * 1024
    refusal = PayloadTooLarge(f"the body has {limit + 1} bytes, over {limit}", limit=limit)
    answering.status, answering.body = 413, {"error": refusal.to_dict()}

    code, out, err = run(capsys, *push(entries, key_file, url_of(answering)))

    message = one_error_line(code, err)
    assert message.startswith(
        f"HTTP 413 payload_too_large (field body): the body has {limit + 1} bytes, over {limit} — "
    )
    assert "gateway push --bulk FILE" in message
    assert answering.requests == [("POST", "/v1/pushes")]
    assert out == ""


def test_an_error_reply_shows_code_field_and_message(answering, entries, key_file, capsys):
    answering.status = 400
    answering.body = {
        "error": {"code": "bad_request", "message": "batch_id differs", "path": "batch_id"}
    }

    code, _, err = run(capsys, *push(entries, key_file, url_of(answering)))

    assert one_error_line(code, err) == "HTTP 400 bad_request (field batch_id): batch_id differs"


def test_an_operator_refusal_is_one_line(answering, capsys):
    refusal = OperatorCredentialsRequired("operator credentials are required")
    answering.status, answering.body = 401, {"error": refusal.to_dict()}

    code, out, err = run(capsys, "region", "keys", REGION, "--url", url_of(answering))

    assert one_error_line(code, err) == (
        "HTTP 401 operator_credentials_required (field authorization): "
        "operator credentials are required"
    )
    assert out == ""


def test_api_gateways_own_refusal_is_one_line(answering, capsys):
    answering.status, answering.body = 403, {"message": "Missing Authentication Token"}

    code, _, err = run(
        capsys, "stats", "--region", REGION, "--month", "2026-11", "--url", url_of(answering)
    )

    assert one_error_line(code, err) == "HTTP 403 Missing Authentication Token"


def test_escape_sequences_in_a_refusal_are_shown_not_obeyed(answering, capsys):
    """Whoever answers at --url writes the message: a window title, a cleared screen and a
    green "OK" drawn over the failure must reach the terminal as text (review 46g)."""
    hostile = "\x1b]0;owned\x07\x1b[2J\x1b[1;32mOK: all verified\x1b[0m\u202e"
    answering.status, answering.body = 400, {"error": {"code": "bad_request", "message": hostile}}

    code, _, err = run(capsys, "region", "keys", REGION, "--url", url_of(answering))

    line = one_error_line(code, err)
    assert "\x1b" not in err
    assert "\u202e" not in err
    assert line.endswith("\\x1b]0;owned\\x07\\x1b[2J\\x1b[1;32mOK: all verified\\x1b[0m\\u202e")


def test_a_bad_subscription_file_is_refused_before_sending(answering, tmp_path, capsys):
    path = tmp_path / "sub.json"
    path.write_text('{"region": "430000",\n "url": https://x}', encoding="utf-8")

    code, _, err = run(capsys, "subscribe", str(path), "--url", url_of(answering))

    assert one_error_line(code, err).startswith(f"{path}: not valid JSON at line 2, column 9: ")
    assert answering.requests == []


def test_a_bad_deliveries_file_names_its_line(tmp_path, key_file, capsys):
    stored = tmp_path / "deliveries.ndjson"
    stored.write_text('{"type": "listing.changed"}\n', encoding="utf-8")
    argv = ["verify-log", "--deliveries", str(stored), "--subscription", "sub_1"]
    argv += ["--region", REGION, "--key-id", "k", "--key-file", str(key_file)]

    code, _, err = run(capsys, *argv, "--url", "http://127.0.0.1:9")

    assert one_error_line(code, err).startswith(f"{stored} line 1: not a stored delivery (")


@pytest.mark.parametrize(
    ("state", "said"),
    [
        ({"size": -3, "root": "ab" * 32}, "size: Input should be greater than or equal to 0"),
        ({"size": 4, "root": "not-hex"}, "root: String should match pattern '^[0-9a-f]{64}$'"),
    ],
    ids=["negative-size", "root-not-hex"],
)
def test_a_tampered_state_file_names_itself_and_its_field(tmp_path, key_file, capsys, state, said):
    """The state pins what the last run verified: one that no run could have written is said
    in one line, before anything is fetched, and left as it is."""
    stored, kept = tmp_path / "deliveries.ndjson", tmp_path / "state.json"
    stored.write_text("", encoding="utf-8")
    kept.write_text(json.dumps(state), encoding="utf-8")
    argv = ["verify-log", "--deliveries", str(stored), "--subscription", "sub_1"]
    argv += ["--region", REGION, "--key-id", "k", "--key-file", str(key_file)]

    code, _, err = run(capsys, *argv, "--state", str(kept), "--url", "http://127.0.0.1:9")

    assert one_error_line(code, err) == f"{kept}: not a state verify-log wrote ({said})"
    assert json.loads(kept.read_text(encoding="utf-8")) == state


def test_an_unexpected_failure_is_one_line_and_traceback_shows_it(monkeypatch, capsys):
    def broken(args: object) -> int:
        raise RuntimeError("disk\non fire")

    monkeypatch.setattr(cli_operator, "tick", broken)

    code, _, err = run(capsys, "tick")
    assert one_error_line(code, err) == (
        "unexpected RuntimeError: disk on fire (rerun with --traceback to see where)"
    )
    with pytest.raises(RuntimeError):
        cli.main(["--traceback", "tick"])


def test_every_command_that_talks_to_the_gateway_has_a_timeout():
    [commands] = [a for a in cli.parser()._actions if a.dest == "command"]
    remote = {}
    for name, command in commands.choices.items():
        options = {o: a for a in command._actions for o in a.option_strings}
        if "--url" in options:
            remote[name] = options.get("--timeout")
    assert {"push", "query", "tick", "verify-log", "region"} <= remote.keys()
    assert all(option is not None and option.default == 30.0 for option in remote.values())


@pytest.mark.parametrize("value", ["0", "-1", "soon", "inf"])
def test_the_timeout_must_be_a_positive_number_of_seconds(value, capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main(["tick", "--timeout", value])

    assert exited.value.code == 2
    assert "is not a positive number of seconds" in capsys.readouterr().err


def test_a_gateway_url_that_is_not_http_is_refused(capsys):
    code, _, err = run(capsys, "tick", "--url", "127.0.0.1:8000")

    assert one_error_line(code, err) == "not an http(s) URL: 127.0.0.1:8000/v1/tick"


def test_a_failed_bulk_put_names_the_storage_not_the_gateway(answering, key_file, tmp_path, capsys):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        storage = f"127.0.0.1:{probe.getsockname()[1]}"
    path = tmp_path / "full.ndjson"
    path.write_text('{"credit_code": "91230900MA19XY2K3X"}\n', encoding="utf-8")
    put = {"url": f"http://{storage}/uploads/u-1.ndjson", "headers": {"Content-Length": "39"}}
    answering.status, answering.body = (
        201,
        {"upload": {"manifest": {"upload_id": "u-1"}}, "put": put},
    )

    code, _, err = run(capsys, *push(path, key_file, url_of(answering), "--bulk"))

    assert code != 0
    assert "Traceback" not in err
    assert err.splitlines()[-1] == (
        f"gateway: error: the upload to storage failed: connection refused by {storage}"
    )


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (("subscription", "list", "sub_1"), "subscription list takes no subscription id"),
        (("subscription", "get", "sub_1", "--overlap", "60"), "takes no --overlap"),
        (("subscription", "pause", "sub_1", "--file", "x.json"), "takes no --file"),
        (
            ("subscription", "get", "sub_1", "--key-id", "k", "--key-file", "k.key", "--iam"),
            "give one or the other",
        ),
    ],
    ids=["list-with-id", "overlap-on-get", "file-on-pause", "key-and-iam"],
)
def test_an_option_the_command_would_ignore_is_refused_before_anything_is_sent(
    capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], said: str
) -> None:
    code, _, err = run(capsys, *argv, "--url", "http://127.0.0.1:9")

    assert said in one_error_line(code, err)
