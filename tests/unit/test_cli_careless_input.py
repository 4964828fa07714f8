"""The `gateway` CLI run carelessly (review 242): a success that is not the gateway's JSON (a
web server at a wrong --url) is an error, not exit 0; an entries file with a key twice in one
object is refused before anything is sent; an action missing its option says which; a result
file cut short in transfer is not left at --out."""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from test_cli_errors import push, run, serving, url_of

from gateway_client.contract.signing import generate_signing_key

REGION = "230900"


class _Handler(BaseHTTPRequestHandler):
    server: Any

    def _answer(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        self.server.requests.append((self.command, self.path, body))
        status, ctype, raw, declared = self.server.route(self.command, self.path)
        self.send_response(status)
        self.send_header("content-type", ctype)
        self.send_header("content-length", str(declared if declared is not None else len(raw)))
        self.end_headers()
        self.wfile.write(raw)
        self.wfile.flush()
        if declared is not None:  # cut short: close before the declared length
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _answer

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def server() -> Iterator[Any]:
    with serving(_Handler) as srv:
        srv.route = lambda method, path: (
            200,
            "text/html",
            b"<html><body>Welcome to nginx!</body></html>",
            None,
        )
        yield srv


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "city.key"
    path.write_text(generate_signing_key() + "\n", encoding="utf-8")
    return path


# a 200 answer that is no gateway's JSON (a web server at a wrong --url, a proxy's page)
@pytest.mark.parametrize(
    "argv",
    [
        ("tick",),
        ("region", "put", REGION, "--name", "x"),
        ("subscription", "delete", "sub_1"),
        ("agreement", "end", "ag-1"),
    ],
    ids=["tick", "region-put", "subscription-delete", "agreement-end"],
)
def test_a_200_html_answer_is_not_reported_as_success(server, capsys, argv):
    code, _, err = run(capsys, *argv, "--url", url_of(server), "--token", "t")

    assert code != 0, "a page that is no gateway answer was taken as success (exit 0)"
    assert err.startswith("gateway: error: ")


def test_a_200_html_answer_to_a_query_is_named_not_an_unexpected_error(server, capsys):
    code, _, err = run(
        capsys, "stats", "--region", REGION, "--month", "2026-01", "--url", url_of(server)
    )

    assert code == 1
    assert "unexpected" not in err, err
    assert "--traceback" not in err, err


# duplicate keys in an entries file are silently collapsed and signed
def test_push_refuses_an_entry_with_a_key_twice_before_sending(server, key_file, tmp_path, capsys):
    server.route = lambda m, p: (
        200,
        "application/json",
        json.dumps({"accepted": 1, "duplicate": 0, "rejected": 0}).encode(),
        None,
    )
    path = tmp_path / "entries.json"
    path.write_text(
        '[{"credit_code": "91230900MA19XY2K3X", "kind": "black", "kind": "red"}]',
        encoding="utf-8",
    )

    code, _, err = run(capsys, *push(path, key_file, url_of(server)))

    assert server.requests == [], f"sent as {server.requests[0][2]!r}"
    assert code == 1
    assert "twice" in err or "duplicate" in err


# a missing option of an action ends in a Python error, or is sent as "None"
def test_region_revoke_key_without_key_id_names_the_option(capsys):
    code, _, err = run(capsys, "region", "revoke-key", REGION, "--url", "http://127.0.0.1:9")

    assert code != 0
    assert "--key-id" in err, err
    assert "unexpected" not in err, err


def test_agreement_revise_without_id_is_refused_before_sending(server, tmp_path, capsys):
    body = tmp_path / "agreement.json"
    body.write_text("{}", encoding="utf-8")

    code, _, err = run(
        capsys, "agreement", "revise", str(body), "--url", url_of(server), "--token", "t"
    )

    assert [p for _, p, _ in server.requests] == [], server.requests
    assert code != 0
    assert "--id" in err


# a bulk check's result file cut short in transfer is not left at --out, half-written
def test_a_result_file_cut_short_is_not_left_at_out(server, key_file, tmp_path, capsys):
    base = url_of(server)

    def route(method: str, path: str) -> tuple[int, str, bytes, int | None]:
        if method == "POST" and path == "/v1/uploads":
            return (
                201,
                "application/json",
                json.dumps({"upload": {"manifest": {"upload_id": "u-1"}}}).encode(),
                None,
            )
        if path.startswith(f"/v1/regions/{REGION}/uploads/u-1"):
            return (
                200,
                "application/json",
                json.dumps(
                    {
                        "upload": {
                            "status": "completed",
                            "manifest": {"upload_id": "u-1"},
                            "accepted": 1,
                            "found": 0,
                            "rejected": 0,
                        },
                        "result": {"url": f"{base}/result"},
                    }
                ).encode(),
                None,
            )
        if path == "/result":
            return 200, "application/x-ndjson", b'{"line": 1, "credit_code": "9123', 5000
        return 404, "application/json", b"{}", None

    server.route = route
    out = tmp_path / "results.ndjson"

    code, _, err = run(
        capsys,
        "check",
        "--bulk",
        "91230900MA19XY2K3X",
        "--purpose",
        "supervision",
        "--region",
        REGION,
        "--key-id",
        "qth-1",
        "--key-file",
        str(key_file),
        "--out",
        str(out),
        "--url",
        base,
    )

    assert code != 0
    assert "Traceback" not in err
    assert not out.exists(), f"half a result file left: {out.read_bytes()!r}"
