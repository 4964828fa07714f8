"""A province runs its side with the `gateway` command alone, over HTTP on the local stack: it
subscribes and manages the subscription with its own platform key, runs `gateway listen` as
its endpoint (a separate process), and audits what it stored with `verify-log`. Another
region's key is refused every action, and nothing it sends changes the subscription."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from e2e_support import entry, register

from gateway_client.cli import main as cli
from gateway_client.push_client import PushClient, http_request
from infra.local.stack import LocalStack

pytestmark = pytest.mark.e2e

PROVINCE, CITY, STRANGER = "430000", "430100", "420000"  # 湖南省, 长沙市, 湖北省


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack() as running:
        running.run_pump_in_background()
        yield running


class Province:
    """The province's shell: `gateway …` signed with its key (or another region's)."""

    def __init__(self, stack: LocalStack, key_id: str, key_file: Path, capsys: Any) -> None:
        self.stack, self.key_id, self.key_file, self.capsys = stack, key_id, key_file, capsys

    def run(self, *argv: str, key_id: str | None = None, key_file: Path | None = None) -> Any:
        """The command's exit status and its printed JSON (or its error line)."""
        self.capsys.readouterr()
        signing = ["--key-id", key_id or self.key_id, "--key-file", str(key_file or self.key_file)]
        status = cli.main([*argv, "--url", self.stack.url, *signing])
        out, err = self.capsys.readouterr()
        lines = out.splitlines()
        if status == 0 and "{" in lines:  # the in-process app prints metric lines around it
            start, end = lines.index("{"), len(lines) - lines[::-1].index("}")
            return status, json.loads("\n".join(lines[start:end]))
        return status, err


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def stored_ids(path: Path) -> list[str]:
    if not path.exists():
        return []
    return [json.loads(line)["delivery_id"] for line in path.read_text().splitlines() if line]


def wait_for(check: Any, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out: {check.__doc__}"
        time.sleep(0.1)


@pytest.fixture(scope="module")
def world(stack: LocalStack, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    where = tmp_path_factory.mktemp("province")
    register(stack, PROVINCE, "hn-1", where / "hn.key")
    register(stack, STRANGER, "hb-1", where / "hb.key")
    city = register(stack, CITY, "cs-1", where / "cs.key")
    port = free_port()
    return {
        "where": where,
        "city": PushClient(stack.url, CITY, city),
        "url": f"http://127.0.0.1:{port}/hooks/credit",
        "port": port,
        "store": where / "deliveries.ndjson",
    }


def test_a_province_subscribes_listens_and_audits_with_its_own_key(
    stack: LocalStack, world: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    province = Province(stack, "hn-1", world["where"] / "hn.key", capsys)
    request = world["where"] / "subscription.json"
    request.write_text(json.dumps({"region": PROVINCE, "url": world["url"]}))

    status, created = province.run("subscribe", str(request))
    assert status == 0, created
    assert created["state"] == "pending"  # nothing listens yet
    subscription_id = created["subscription_id"]
    world["subscription_id"] = subscription_id
    listening = subprocess.Popen(  # noqa: S603 - our own command
        [
            *(sys.executable, "-m", "gateway_client.cli.main", "listen"),
            *("--port", str(world["port"]), "--subscription", subscription_id),
            *("--region", PROVINCE, "--store", str(world["store"]), "--url", stack.url),
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    said: list[str] = []
    world["listener"], world["said"] = listening, said
    try:
        assert listening.stderr is not None
        assert "listen: http://127.0.0.1" in listening.stderr.readline()
        threading.Thread(target=lambda: said.extend(listening.stderr or ()), daemon=True).start()
        second = subprocess.run(  # noqa: S603 - our own command, on the same store
            [
                *(sys.executable, "-m", "gateway_client.cli.main", "listen", "--port", "0"),
                *("--subscription", subscription_id, "--region", PROVINCE),
                *("--store", str(world["store"]), "--url", stack.url),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert second.returncode != 0  # one listener per store (review 46g)
        assert "another gateway listen serves this store" in second.stderr

        _, verified = province.run("verify", subscription_id)
        assert verified["subscription"]["state"] == "verified"
        assert world["city"].push([entry(1)], datetime.now(UTC)).status == 200
        wait_for(lambda: len(stored_ids(world["store"])) == 1)

        status, replayed = province.run("replay", subscription_id, "--from", "1")
        assert (status, replayed["queued"]) == (0, 1)
        wait_for(lambda: any("already stored" in line for line in said))
        assert len(stored_ids(world["store"])) == 1  # the replay's copy was deduplicated

        capsys.readouterr()
        audited = cli.main(
            [
                *("verify-log", "--deliveries", str(world["store"])),
                *("--subscription", subscription_id, "--region", PROVINCE, "--url", stack.url),
                *("--key-id", "hn-1", "--key-file", str(world["where"] / "hn.key")),
            ]
        )
        assert audited == 0
        assert "OK: nothing dropped, reordered or altered" in capsys.readouterr().out
    except BaseException:
        listening.kill()
        raise


def test_the_province_manages_its_subscription_and_the_listener_follows(
    stack: LocalStack, world: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    province = Province(stack, "hn-1", world["where"] / "hn.key", capsys)
    subscription_id = world["subscription_id"]
    listening: subprocess.Popen[str] = world["listener"]
    try:
        _, listed = province.run("subscription", "list")
        assert [s["subscription_id"] for s in listed["subscriptions"]] == [subscription_id]
        changes = world["where"] / "changes.json"
        changes.write_text(json.dumps({"description": "湖南省信用平台", "recognised_only": False}))
        _, updated = province.run("subscription", "update", subscription_id, "--file", str(changes))
        assert updated["subscription"]["description"] == "湖南省信用平台"

        _, paused = province.run("subscription", "pause", subscription_id)
        assert paused["subscription"]["paused_at"] is not None
        assert world["city"].push([entry(2)], datetime.now(UTC)).status == 200
        wait_for(
            lambda: any(
                d["state"] == "dead"
                for d in province.run("deliveries", subscription_id)[1]["deliveries"]
            )
        )
        assert len(stored_ids(world["store"])) == 1  # parked while paused
        _, resumed = province.run("subscription", "resume", subscription_id)
        assert resumed["redriven"] == 1
        wait_for(lambda: len(stored_ids(world["store"])) == 2)

        _, tried = province.run("subscription", "test", subscription_id)
        assert tried["delivered"] is True, (tried, world["said"])
        assert tried["attempt"]["status"] == 204
        wait_for(lambda: any("subscription.test" in line for line in world["said"]))
    finally:
        listening.terminate()
        listening.wait(timeout=10)
    assert not [line for line in world["said"] if "refused" in line]


def test_another_regions_key_is_refused_every_action_and_nothing_changes(
    stack: LocalStack, world: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    province = Province(stack, "hn-1", world["where"] / "hn.key", capsys)
    stranger = {"key_id": "hb-1", "key_file": world["where"] / "hb.key"}
    subscription_id = world["subscription_id"]
    before = province.run("subscription", "get", subscription_id)[1]
    changes = world["where"] / "hijack.json"
    changes.write_text(json.dumps({"url": "http://127.0.0.1:9/hijack"}))

    attempts = [
        ("subscription", "get", subscription_id),
        ("subscription", "update", subscription_id, "--file", str(changes)),
        ("subscription", "pause", subscription_id),
        ("subscription", "rotate-secret", subscription_id),
        ("subscription", "test", subscription_id),
        ("subscription", "delete", subscription_id),
        ("deliveries", subscription_id),
        ("replay", subscription_id, "--from", "1"),
        ("enable", subscription_id),
    ]
    for argv in attempts:
        status, said = province.run(*argv, **stranger)
        assert status != 0, argv
        assert "HTTP 403 region_mismatch" in said, (argv, said)

    assert province.run("subscription", "get", subscription_id)[1] == before
    _, deleted = province.run("subscription", "delete", subscription_id)
    assert deleted == {"deleted": subscription_id}
    _, listed = province.run("subscription", "list")
    assert listed["subscriptions"] == []


def test_the_province_opens_the_console_with_its_key_and_the_session_is_its_own(
    stack: LocalStack, world: dict[str, Any], capsys: Any
) -> None:
    """`gateway console --no-open` prints the address; its fragment is a hand-off code that
    opens a session of 湖南省, once."""
    key_file = str(world["where"] / "hn.key")
    capsys.readouterr()
    signing = ["--key-id", "hn-1", "--key-file", key_file]
    status = cli.main(["console", "--no-open", "--minutes", "15", "--url", stack.url, *signing])
    printed = capsys.readouterr().out

    assert status == 0
    assert "Beijing time, UTC+8" in printed
    link = next(line for line in printed.splitlines() if "/console#handoff=" in line)
    assert link.startswith(f"{stack.url}/console#handoff=cgh_")
    code = json.dumps({"code": link.split("#handoff=", 1)[1]}).encode()
    redeemed = http_request("POST", f"{stack.url}/v1/console/handoffs", code)
    assert redeemed.status == 201
    headers = {"Authorization": f"Bearer {redeemed.body['token']}"}
    shown = http_request("GET", f"{stack.url}/v1/console/session", None, headers).body
    assert (shown["role"], shown["region"], shown["key_id"]) == ("region", PROVINCE, "hn-1")
    again = http_request("POST", f"{stack.url}/v1/console/handoffs", code)
    assert (again.status, again.body["error"]["code"]) == (401, "console_session_invalid")

    assert cli.main(["console", "--close-all", "--url", stack.url, *signing]) == 0
    assert "is closed" in capsys.readouterr().out
    gone = http_request("GET", f"{stack.url}/v1/console/session", None, headers)
    assert (gone.status, gone.body["error"]["code"]) == (401, "console_session_invalid")


def test_the_operator_closes_a_province_s_console_sessions_from_the_command_line(
    stack: LocalStack, world: dict[str, Any], capsys: Any
) -> None:
    """`gateway console --close-all --region` as the operator (README: a lost laptop): it closed
    only the operator's own sessions, having no way to name the region (review 145)."""
    key_file = str(world["where"] / "hn.key")
    signing = ["--key-id", "hn-1", "--key-file", key_file]
    assert cli.main(["console", "--no-open", "--url", stack.url, *signing]) == 0
    link = next(x for x in capsys.readouterr().out.splitlines() if "#handoff=" in x)
    code = json.dumps({"code": link.split("#handoff=", 1)[1]}).encode()
    token = http_request("POST", f"{stack.url}/v1/console/handoffs", code).body["token"]
    headers = {"Authorization": f"Bearer {token}"}
    operator = ["--url", stack.url, "--token", stack.operator_token]

    status = cli.main(["console", "--close-all", "--region", PROVINCE, *operator])

    assert status == 0, capsys.readouterr()
    gone = http_request("GET", f"{stack.url}/v1/console/session", None, headers)
    assert (gone.status, gone.body["error"]["code"]) == (401, "console_session_invalid")
