"""The client package alone, as a platform installs it: into a clean virtual environment with
nothing of the server (no gateway, boto3, chalice or moto), its ``gateway`` command makes a key
and pushes a signed batch that the gateway, running on the local stack, accepts and stores."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from e2e_support import as_operator
from packaging.requirements import Requirement
from stdnum.cn import uscc

from infra.local.stack import LocalStack

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
REGION, KEY_ID = "430100", "changsha-client-alone"
CODE = "91430100MA4L0CCC0" + uscc.calc_check_digit("91430100MA4L0CCC0")
SERVER_SIDE = {"credit-gateway", "boto3", "botocore", "chalice", "moto", "aws-lambda-powertools"}


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv (no system site-packages) holding the client's wheel and what it
    requires, resolved from the package index as a platform's ``pip install`` resolves them.

    Made without pip of its own (that alone took a third of the test): this run's pip installs
    into it with ``--python``. The wheel is built beside it with this environment's setuptools
    (an isolated build environment took another third), then installed like any wheel."""
    folder = tmp_path_factory.mktemp("client-alone")
    where, wheels = folder / "venv", folder / "wheels"
    making = [sys.executable, "-m", "venv", "--without-pip", str(where)]
    subprocess.run(making, check=True, timeout=120)  # noqa: S603
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    building = [*pip, "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(wheels)]
    subprocess.run([*building, str(ROOT / "client")], check=True, timeout=600)  # noqa: S603
    [wheel] = wheels.glob("credit_gateway_client-*.whl")
    target = ["--python", str(where / "bin" / "python")]
    installing = [*pip, *target, "install", "--quiet", "--no-compile", str(wheel)]
    subprocess.run(installing, check=True, timeout=600)  # noqa: S603
    return where


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack() as running:
        yield running


def run(venv: Path, program: str, *args: str) -> subprocess.CompletedProcess[str]:
    """A program of the virtualenv, run outside the repository (so nothing of it is importable
    from the working directory)."""
    return subprocess.run(  # noqa: S603 (our own virtualenv's programs)
        [str(venv / "bin" / program), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=venv,
    )


def test_it_installs_without_the_server_and_with_ranges_not_pins(venv: Path) -> None:
    listing = (
        "import importlib.metadata as m, json; "
        "print(json.dumps([d.name for d in m.distributions()]))"
    )
    installed = {name.lower() for name in json.loads(run(venv, "python", "-c", listing).stdout)}
    assert "credit-gateway-client" in installed
    assert installed & SERVER_SIDE == set()
    probe = "import importlib.util as u; print([m for m in {} if u.find_spec(m)])"
    servers = ("gateway", "chalicelib", "infra", "boto3")
    assert run(venv, "python", "-c", probe.format(servers)).stdout.strip() == "[]"
    requires = (
        "import importlib.metadata as m, json; "
        "print(json.dumps(m.requires('credit-gateway-client')))"
    )
    declared = [Requirement(r) for r in json.loads(run(venv, "python", "-c", requires).stdout)]
    assert {r.name for r in declared if r.marker is None} == {
        "pydantic",
        "cryptography",
        "python-stdnum",
        "gmalg",
    }
    assert all(s.operator not in ("==", "===") for r in declared for s in r.specifier)


def test_its_command_has_no_server_commands_without_the_server(venv: Path) -> None:
    usage = run(venv, "gateway", "--help")
    assert usage.returncode == 0
    commands = usage.stdout.split("{", 1)[1].split("}", 1)[0].split(",")
    assert "keygen" in commands
    assert "push" in commands
    assert {"dev", "demo"} & set(commands) == set()


def test_its_command_signs_a_push_the_gateway_accepts(
    venv: Path, stack: LocalStack, tmp_path: Path
) -> None:
    key_file = tmp_path / "platform.key"
    made = run(venv, "gateway", "keygen", "--out", str(key_file))
    assert made.returncode == 0, made.stderr
    public = made.stdout.split("public key:")[1].strip()
    assert as_operator(stack, "PUT", f"/v1/regions/{REGION}", {"name": "长沙市"}).status == 200
    key = {"key_id": KEY_ID, "public_key": public}
    assert as_operator(stack, "POST", f"/v1/regions/{REGION}/keys", key).status == 201
    start = (datetime.now(UTC) - timedelta(days=30)).date().isoformat()
    entries = tmp_path / "entries.json"
    entries.write_text(
        json.dumps(
            [
                {
                    "credit_code": CODE,
                    "subject_name": "长沙某某商贸有限公司",
                    "kind": "black",
                    "domain": "court_defaulter",
                    "severity": "general",
                    "reason": "有履行能力而拒不履行生效法律文书确定的义务",
                    "legal_basis": "《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条",
                    "deciding_authority": "长沙市中级人民法院",
                    "decision_number": "(2026)湘01执88号",
                    "decided_on": start,
                    "valid_from": start,
                    "source_updated_at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
                }
            ],
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    pushed = run(
        venv,
        "gateway",
        "push",
        str(entries),
        "--url",
        stack.url,
        "--region",
        REGION,
        "--key-id",
        KEY_ID,
        "--key-file",
        str(key_file),
    )
    assert pushed.returncode == 0, pushed.stderr
    assert json.loads(pushed.stdout)["accepted"] == 1
    stored = as_operator(stack, "GET", f"/v1/subjects/{CODE}")
    assert stored.status == 200
    assert [x["listing"]["decision_number"] for x in stored.body["listings"]] == [
        "(2026)湘01执88号"
    ]
