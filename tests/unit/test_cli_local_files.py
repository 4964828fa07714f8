"""The CLI's own files and ports, when they are not what it needs (review 242): each failure is
one line naming the file or the port, and leaves nothing half made."""

from __future__ import annotations

import errno
import os
import socket

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from test_cli_errors import entries, key_file, one_error_line, push, run  # noqa: F401

from gateway_client import private_files
from gateway_client.tlog.note import NoteSigner

PEM = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n"


def test_keygen_on_a_full_disk_leaves_no_file_and_the_next_one_succeeds(
    tmp_path, capsys, monkeypatch
):
    path = tmp_path / "city.key"
    real_fdopen = os.fdopen

    class FullDisk:
        def __init__(self, handle: int, mode: str) -> None:
            self._file = real_fdopen(handle, mode)

        def __enter__(self) -> FullDisk:
            return self

        def __exit__(self, *exc: object) -> None:
            self._file.close()

        def write(self, data: bytes) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(private_files.os, "fdopen", FullDisk)
    code, out, err = run(capsys, "keygen", "--out", str(path))

    assert one_error_line(code, err) == f"{path}: No space left on device"
    assert out == ""
    assert list(tmp_path.iterdir()) == []

    monkeypatch.undo()
    code, out, _ = run(capsys, "keygen", "--out", str(path))
    assert code == 0
    assert path.read_text(encoding="utf-8").startswith("whsk_")
    assert path.stat().st_mode & 0o777 == 0o600
    assert list(tmp_path.iterdir()) == [path]


def test_keygen_still_refuses_an_existing_file_and_leaves_nothing_beside_it(tmp_path, capsys):
    path = tmp_path / "city.key"
    path.write_text("whsk_keep-me\n", encoding="utf-8")

    code, _, err = run(capsys, "keygen", "--out", str(path))

    assert one_error_line(code, err) == f"{path} already exists: refusing to overwrite it"
    assert path.read_text(encoding="utf-8") == "whsk_keep-me\n"
    assert list(tmp_path.iterdir()) == [path]


def test_a_pem_key_file_is_called_a_pem_file(tmp_path, entries, capsys):  # noqa: F811
    pem = tmp_path / "city.pem"
    pem.write_text(PEM, encoding="utf-8")

    code, _, err = run(capsys, *push(entries, pem, "http://127.0.0.1:9"))

    assert one_error_line(code, err) == (
        f"{pem}: a PEM file, not a key file; its first line must be the whsk_ or sm2sk_ key "
        "`gateway keygen` writes"
    )


def test_verify_report_names_a_keys_file_that_is_not_json(tmp_path, capsys):
    report, keys = tmp_path / "report.json", tmp_path / "keys.json"
    report.write_text("{}", encoding="utf-8")
    keys.write_text("<html>not keys</html>", encoding="utf-8")

    code, _, err = run(capsys, "verify-report", str(report), "--keys", str(keys))

    assert one_error_line(code, err).startswith(f"{keys}: not a readable JSON file (")


@pytest.mark.parametrize("command", ["listen", "witness"])
def test_a_port_taken_is_named_not_the_gateway(tmp_path, key_file, capsys, command):  # noqa: F811
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        if command == "listen":
            argv = ["listen", "--subscription", "sub_1", "--region", "230900"]
            argv += ["--store", str(tmp_path / "store.ndjson"), "--url", "http://127.0.0.1:9"]
        else:
            argv = ["witness", "serve", "--name", "w", "--key-file", str(key_file)]
            argv += ["--state", str(tmp_path / "state"), "--log-vkey", _log_vkey()]
        code, _, err = run(capsys, *argv, "--port", str(port))

    message = one_error_line(code, err)
    assert message.startswith(f"cannot listen on 127.0.0.1:{port}: "), message
    assert "http://127.0.0.1:9" not in message


def _log_vkey() -> str:
    return NoteSigner("gateway.example/log", Ed25519PrivateKey.generate()).vkey


def test_keygen_into_a_missing_folder_names_the_key_file(tmp_path, capsys):
    path = tmp_path / "nowhere" / "city.key"

    code, _, err = run(capsys, "keygen", "--out", str(path))

    assert one_error_line(code, err) == f"{path}: no such file"


def _no_links(*_: object) -> None:
    raise OSError(errno.EPERM, "Operation not permitted")  # as vfat, exFAT, many SMB mounts


def test_keygen_where_the_file_system_has_no_links_creates_the_file_in_place(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.setattr(private_files.os, "link", _no_links)
    path = tmp_path / "city.key"

    code, _, _ = run(capsys, "keygen", "--out", str(path))

    assert code == 0
    assert path.read_text(encoding="utf-8").startswith("whsk_")
    assert list(tmp_path.iterdir()) == [path]

    code, _, err = run(capsys, "keygen", "--out", str(path))  # and still never replaces one
    assert one_error_line(code, err) == f"{path} already exists: refusing to overwrite it"
    assert list(tmp_path.iterdir()) == [path]
