"""The bundle carries checked-hash bytecode for its modules (``infra/precompile.py``), so a
cold start imports rather than compiles; bytecode whose source changed is never run."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from bundle_support import fresh_package

from infra.precompile import precompile

pytestmark = pytest.mark.bundle
CHECKED_HASH = 0b11  # PEP 552 flags: hash-based, checked


def _flags(pyc: bytes) -> int:
    return int.from_bytes(pyc[4:8], "little")


def test_every_module_the_functions_import_first_has_checked_hash_bytecode() -> None:
    with zipfile.ZipFile(fresh_package()) as bundle:
        names = set(bundle.namelist())
        tag = sys.implementation.cache_tag
        for module in ("app", "chalicelib/bootstrap", "gateway/__init__", "pydantic/main"):
            folder, _, stem = module.rpartition("/")
            pyc = f"{folder + '/' if folder else ''}__pycache__/{stem}.{tag}.pyc"
            assert pyc in names, pyc
            assert _flags(bundle.read(pyc)) == CHECKED_HASH, pyc


def test_bytecode_of_a_changed_source_is_ignored(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle.zip"
    with zipfile.ZipFile(bundle, "w") as made:
        made.writestr("greeting.py", "WORD = 'compiled'\n")
    assert precompile(bundle) == 1
    root = tmp_path / "task"
    zipfile.ZipFile(bundle).extractall(root)
    (root / "greeting.py").write_text("WORD = 'edited'\n", encoding="utf-8")
    cached = Path(importlib.util.cache_from_source(str(root / "greeting.py")))
    assert cached.exists()

    said = subprocess.run(
        [sys.executable, "-B", "-c", "import greeting; print(greeting.WORD)"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )

    assert said.stdout.strip() == "edited"
