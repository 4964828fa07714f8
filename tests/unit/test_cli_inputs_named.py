"""Client inputs that ended in "unexpected …" (and, for --timeout, a thread's traceback) are one
line naming what is wrong, as the README promises: a usage error for an option out of range,
the file for a file that is no JSON or no UTF-8, the answer for one that is no push result or
no keys answer (review 357), a number too long to read, or a key twice in any form of a push
file (review 360)."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway_client.cli import main as cli
from gateway_client.cli.errors import CliError, read_batch
from gateway_client.contract import generate_signing_key


def _run(tmp_path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    (tmp_path / "d.ndjson").write_bytes(b"")
    key = tmp_path / "hn.key"
    key.write_text(generate_signing_key() + "\n")
    try:
        status = cli.main(
            [
                *("verify-log", "--deliveries", str(tmp_path / "d.ndjson")),
                *("--region", "430000", "--subscription", "sub_1"),
                *("--url", "http://127.0.0.1:9", "--key-id", "hn-1", "--key-file", str(key)),
                *extra,
            ]
        )
    except SystemExit as exc:  # argparse's usage error: what a bad option should be
        status = int(exc.code or 0)
    return status, capsys.readouterr().err


def test_a_huge_timeout_is_a_usage_error_not_an_overflow(tmp_path, capsys):  # type: ignore[no-untyped-def]
    status, err = _run(tmp_path, capsys, "--timeout", "1e10")
    assert status != 0
    assert "unexpected" not in err, err
    assert "Traceback" not in err, err


def test_a_huge_grace_is_a_usage_error_not_an_overflow(tmp_path, capsys):  # type: ignore[no-untyped-def]
    status, err = _run(tmp_path, capsys, "--grace-minutes", "99999999999999")
    assert status != 0
    assert "unexpected" not in err, err


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    try:
        status = cli.main(argv)
    except SystemExit as exc:
        status = int(exc.code or 0)
    return status, capsys.readouterr().err


def test_a_push_file_nested_too_deep_is_named(tmp_path, capsys):  # type: ignore[no-untyped-def]
    """The user's entries file, nested past the JSON parser's depth: the file should be named
    as not valid JSON, as a typo in it is (``cli.errors._json``)."""
    deep = tmp_path / "entries.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    key = tmp_path / "k.key"
    key.write_text(generate_signing_key() + "\n")
    status, err = _cli(
        [
            *("push", str(deep), "--url", "http://127.0.0.1:9", "--region", "430000"),
            *("--key-id", "k", "--key-file", str(key)),
        ],
        capsys,
    )
    assert status == 1
    assert "unexpected" not in err, err
    assert str(deep) in err, err


@pytest.mark.parametrize("listed", ["5", "null", "true"])
def test_verify_report_with_a_keys_file_whose_keys_is_no_list(tmp_path, capsys, listed):  # type: ignore[no-untyped-def]
    """``verify-report --keys`` (a saved GET /v1/keys answer, or the gateway's live one) whose
    ``keys`` is no list: named as not a keys answer, as a list of bad keys is."""
    keys = tmp_path / "keys.json"
    keys.write_text(f'{{"keys": {listed}}}')
    report = tmp_path / "report.json"
    report.write_text(
        '{"content": {"issued_at": "2026-01-01T00:00:00Z"}, '
        '"signature": {"key_id": "a", "value": "AA=="}, "verification_code": "x"}'
    )
    status, err = _cli(["verify-report", str(report), "--keys", str(keys)], capsys)
    assert status == 1
    assert "unexpected" not in err, err


@pytest.fixture
def answering(request: pytest.FixtureRequest) -> Iterator[str]:
    """A server that answers every request 200 with the JSON ``request.param``."""
    body: bytes = request.param.encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length") or 0))
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST

        def log_message(self, *_: object) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("answering", ["[]", "{}"], indirect=True)
def test_a_push_answered_with_json_that_is_no_push_result(answering, tmp_path, capsys):  # type: ignore[no-untyped-def]
    """A 200 whose JSON is no push result (another service at --url): a list ends in
    "unexpected AttributeError"; an empty object is printed and exit 0, as if the push was
    accepted. Either should be one line saying the answer is not the gateway's, exit 1."""
    entries = tmp_path / "e.json"
    entries.write_text('[{"credit_code": "91230900MA19XY2K3X"}]')
    key = tmp_path / "k.key"
    key.write_text(generate_signing_key() + "\n")
    status, err = _cli(
        [
            *("push", str(entries), "--url", answering, "--region", "430000"),
            *("--key-id", "k", "--key-file", str(key)),
        ],
        capsys,
    )
    assert status == 1, err
    assert "unexpected" not in err, err


def test_a_secret_file_that_is_not_utf8_is_named(tmp_path, capsys):  # type: ignore[no-untyped-def]
    """``--secret-file`` (verify-log, listen) not UTF-8: named as the key file is ("not UTF-8
    text"), not "unexpected UnicodeDecodeError" (``cli.key_files.read_secret``)."""
    secret = tmp_path / "bad.secret"
    secret.write_bytes(b"\xff\xfe")
    status, err = _run(tmp_path, capsys, "--secret-file", str(secret))
    assert status == 1
    assert "unexpected" not in err, err
    assert str(secret) in err, err


def test_listen_on_a_port_past_65535_is_a_usage_error(tmp_path, capsys):  # type: ignore[no-untyped-def]
    """``gateway listen --port 70000``: "unexpected OverflowError: bind(): port must be
    0-65535" rather than a usage error naming --port."""
    secret = tmp_path / "s.secret"
    secret.write_text("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n")
    status, err = _cli(
        [
            *("listen", "--port", "70000", "--subscription", "sub_1", "--region", "430000"),
            *("--store", str(tmp_path / "st.ndjson"), "--secret-file", str(secret)),
            *("--url", "http://127.0.0.1:9"),
        ],
        capsys,
    )
    assert status != 0
    assert "unexpected" not in err, err


@pytest.mark.parametrize(
    "text",
    [
        '{"entries": [{"reason": "甲", "reason": "乙"}]}',  # the object form
        '{"reason": "甲",\n "reason": "乙"}',  # one entry alone, on several lines
        '{"entries": [], "entries": [{"reason": "乙"}]}',  # the batch's own members
    ],
    ids=["entries-object", "single-entry", "entries-twice"],
)
def test_push_file_with_a_repeated_key_is_refused(tmp_path: Path, text: str) -> None:
    """As a JSON array or NDJSON file with a key twice is (review 242): which was meant is the
    user's to say (review 360: the last was kept, and the push signed and sent only "乙")."""
    path = tmp_path / "entries.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CliError, match="appears twice"):
        read_batch(str(path))


@pytest.mark.parametrize("command", ["push", "agreement", "subscribe"])
def test_a_file_with_an_overlong_integer_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    """A JSON number of 5,000 digits: Python's int limit raises ValueError (not a
    JSONDecodeError), which ``read_batch`` / ``_json`` let through as "unexpected ValueError"."""
    path = tmp_path / "in.json"
    path.write_text('[{"source_sequence": ' + "1" * 5000 + "}]")
    key = tmp_path / "k.key"
    key.write_text(generate_signing_key() + "\n")
    url = "http://127.0.0.1:9"
    argv = {
        "push": [
            "push",
            str(path),
            "--url",
            url,
            "--region",
            "430000",
            "--key-id",
            "k",
            "--key-file",
            str(key),
        ],
        "agreement": ["agreement", "create", str(path), "--url", url, "--token", "t"],
        "subscribe": ["subscribe", str(path), "--url", url, "--token", "t"],
    }[command]
    status, err = _cli(argv, capsys)
    assert status == 1, err
    assert "unexpected" not in err, err
    assert str(path) in err, err
