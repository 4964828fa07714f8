"""The Java receiver gives up a batch link or key list that stalls after its headers at its fetch
timeout (review 124): a request's own timeout ends at the headers, and the body's read held the
handler — and, for the keys, every handler — for good."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[2] / "examples" / "java" / "Receiver.java"

DRIVER = """
import java.util.Map;
public class Drive {
    public static void main(String[] a) throws Exception {
        if (a[0].equals("file")) Receiver.fetchBatchFile(Map.of("size", 100.0, "url", a[1] + "/f"));
        else Receiver.gatewayKeys(a[1]);
    }
}
"""


class Stalling:
    """Answers 200 with its headers and 10 of 100 bytes, then says nothing more."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)
            conn.recv(65536)
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n"
                b"Content-Type: application/json\r\n\r\n0123456789"
            )

    def close(self) -> None:
        self.sock.close()
        for conn in self.held:
            conn.close()


@pytest.fixture
def compiled(tmp_path: Path) -> Path:
    javac = shutil.which("javac")
    assert javac, "no JDK (.ci/run installs default-jdk-headless)"
    # the receiver as shipped, its 60 s timeout cut to 2 s so the test runs quickly
    text = SOURCE.read_text(encoding="utf-8")
    assert "Duration.ofSeconds(60)" in text
    (tmp_path / "Receiver.java").write_text(
        text.replace("Duration.ofSeconds(60)", "Duration.ofSeconds(2)"), encoding="utf-8"
    )
    (tmp_path / "Drive.java").write_text(DRIVER, encoding="utf-8")
    sources = [str(tmp_path / "Receiver.java"), str(tmp_path / "Drive.java")]
    subprocess.run(  # noqa: S603 - the JDK's compiler on the example
        [javac, "-d", str(tmp_path), *sources],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return tmp_path


@pytest.mark.parametrize("what", ["file", "keys"])
def test_a_link_stalling_after_its_headers_is_given_up_at_the_timeout(
    compiled: Path, what: str
) -> None:
    server = Stalling()
    try:
        java = shutil.which("java") or "java"
        run = subprocess.Popen([java, "-cp", str(compiled), "Drive", what, server.url])  # noqa: S603
        try:
            run.wait(timeout=15)  # the fetch's timeout is 2 s
        except subprocess.TimeoutExpired:
            run.kill()
            run.wait()
            pytest.fail(f"the {what} fetch still hangs 15 s into a 2 s timeout")
    finally:
        server.close()
