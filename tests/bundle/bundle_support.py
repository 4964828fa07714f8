"""Build (when stale), unpack and run ``out/deployment.zip`` the way Lambda does.

Lambda's Python runtime unpacks the zip into ``/var/task`` (``LAMBDA_TASK_ROOT``), puts it on
``sys.path`` ahead of the runtime's own boto3, and imports the handler named in the template.
Here the zip is unpacked into an empty directory and run by a virtualenv that holds only the
boto3 the project pins for that runtime, so anything the bundle forgot fails to import.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ZIP = ROOT / "out" / "deployment.zip"
TEMPLATE = ROOT / "out" / "sam.json"
LOCK = ROOT / "build" / ".package.lock"
DRIVER = Path(__file__).with_name("driver.py")
# What the zip is built from: newer than the zip means ``make package`` must run again.
SOURCES = (
    "app.py",
    "chalicelib",
    "gateway",
    "client",
    "infra",
    "requirements.txt",
    ".chalice",
    "Makefile",
    "pyproject.toml",
)


def fresh_package() -> Path:
    """``out/deployment.zip``, rebuilt by ``make package`` unless newer than its sources; one
    worker at a time (the bundle's test files may run on several at once). The lock file is
    not in ``out/``, which ``make package`` removes: a lock there vanished under its holder,
    and a second worker built at the same time (EOFError in the first one's precompile)."""
    LOCK.parent.mkdir(exist_ok=True)
    with LOCK.open("a") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)  # released as the file closes
        if not ZIP.exists() or _newest_source() > ZIP.stat().st_mtime:
            subprocess.run(["make", "package"], cwd=ROOT, check=True, timeout=600)  # noqa: S607
    return ZIP


def _newest_source() -> float:
    """Of the sources only: what building leaves beside them (bytecode, the client's egg-info
    and build tree, rewritten by any install of it) is no reason to build again — it made every
    bundle test rebuild the zip while another worker read it."""
    stamps = []
    for name in SOURCES:
        path = ROOT / name
        files = [path] if path.is_file() else path.rglob("*")
        stamps += [f.stat().st_mtime for f in files if f.is_file() and not _built(f)]
    return max(stamps)


def _built(path: Path) -> bool:
    return any(p in ("__pycache__", "build") or p.endswith(".egg-info") for p in path.parts)


def handlers() -> dict[str, str]:
    """Each function's handler as the packaged template names it (``app.app``, ...)."""
    resources = json.loads(TEMPLATE.read_text(encoding="utf-8"))["Resources"]
    return {
        logical_id: resource["Properties"]["Handler"]
        for logical_id, resource in resources.items()
        if resource["Type"] == "AWS::Serverless::Function"
    }


def runtime_boto3() -> str:
    """The boto3 requirement the project pins for the Lambda runtime (pyproject.toml)."""
    with (ROOT / "pyproject.toml").open("rb") as project:
        dependencies = tomllib.load(project)["project"]["dependencies"]
    return next(d for d in dependencies if d.startswith("boto3=="))


def unpack(zip_path: Path, task_root: Path) -> Path:
    task_root.mkdir()
    with zipfile.ZipFile(zip_path) as bundle:
        bundle.extractall(task_root)
    return task_root


def clean_venv() -> Path:
    """A virtualenv with pip and the runtime's boto3 only; returns its python.

    Built once per (boto3 pin, interpreter) under ``build/`` and reused, as pip's cache would
    be: nothing but that pin is ever installed into it, and the marker is written only after
    the install succeeded, so a half-built one is never used.
    """
    requirement = runtime_boto3()
    key = hashlib.sha256(f"{requirement} {sys.version}".encode()).hexdigest()[:16]
    where = ROOT / "build" / "runtime-venv" / key
    python = where / "bin" / "python"
    if (where / ".complete").exists():
        return python
    shutil.rmtree(where, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True, timeout=120)  # noqa: S603
    subprocess.run(  # noqa: S603 - our own interpreter and pinned requirement
        [str(python), "-m", "pip", "install", "--quiet", "--no-input", requirement],
        check=True,
        timeout=300,
        env={**_base_env(where), "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    (where / ".complete").write_text(requirement, encoding="utf-8")
    return python


def _base_env(home: Path) -> dict[str, str]:
    """Nothing of this process's environment but PATH and pip's own settings (an offline
    mirror): no PYTHONPATH, no CG_* or AWS_* leaking in."""
    keep = {k: v for k, v in os.environ.items() if k.startswith("PIP_") or k == "PATH"}
    return {**keep, "HOME": str(home), "PYTHONNOUSERSITE": "1"}


class Lambda:
    """Invokes packaged handlers from the unpacked bundle in the clean virtualenv."""

    def __init__(self, python: Path, task_root: Path, settings: dict[str, str]) -> None:
        self._python = python
        self._root = task_root
        self._settings = settings
        self.isolation: dict[str, Any] = {}

    def invoke(self, handler: str, events: list[dict[str, Any]]) -> list[Any]:
        """One warm container: ``handler`` called on each event in turn; their results."""
        events_file = self._root.parent / "events.json"
        events_file.write_text(json.dumps(events), encoding="utf-8")
        driver = self._root.parent / "driver.py"  # outside the task root, as Lambda's bootstrap
        driver.write_text(DRIVER.read_text(encoding="utf-8"), encoding="utf-8")
        env = {
            **_base_env(self._root.parent),
            **self._settings,
            "PYTHONPATH": str(self._root),  # /var/task, as Lambda sets it
            "LAMBDA_TASK_ROOT": str(self._root),
        }
        done = subprocess.run(  # noqa: S603 - the bundle under test, run by its clean venv
            [str(self._python), "-B", str(driver), handler, str(events_file)],
            cwd=self._root,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-4000:]
        reply = json.loads(done.stdout.strip().splitlines()[-1])
        self.isolation = reply["isolation"]
        results: list[Any] = reply["results"]
        return results
