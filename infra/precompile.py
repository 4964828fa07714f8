"""Add compiled bytecode to the Lambda bundle, so no cold start compiles the code it imports.

A function's container compiles every module it imports from source on its first request
(pydantic, powertools, the app: about 2 of the 5 s a cold invocation took in the bundle test
here) and cannot keep the result: ``/var/task`` is read-only. Shipping the ``.pyc`` files the
runtime would have written moves that work to ``make package``, once. They are checked-hash
bytecode (PEP 552): Python compares the source's hash before using one, so a stale file is
ignored, never run. They are made by the interpreter that packages, which must be the runtime's
version (the template's ``Runtime``).

Usage: ``python -m infra.precompile out/deployment.zip out/sam.json`` (rewrites the zip)
"""

from __future__ import annotations

import importlib.util
import json
import py_compile
import sys
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

RUNTIME = f"python{sys.version_info.major}.{sys.version_info.minor}"


def runtimes(template: Path) -> set[str]:
    resources = json.loads(template.read_text(encoding="utf-8"))["Resources"]
    return {r["Properties"]["Runtime"] for r in resources.values() if "Runtime" in r["Properties"]}


def _bytecode(name: str, source: bytes, folder: Path) -> tuple[str, bytes] | None:
    """The ``__pycache__`` entry for one module of the zip, or None when it does not compile
    (a file never imported, e.g. a template or a test of a dependency)."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(source)
    cached = Path(importlib.util.cache_from_source(str(path)))
    mode = py_compile.PycInvalidationMode.CHECKED_HASH
    try:
        py_compile.compile(str(path), str(cached), dfile=name, doraise=True, invalidation_mode=mode)
    except py_compile.PyCompileError:
        return None
    return str(PurePosixPath(name).parent / "__pycache__" / cached.name), cached.read_bytes()


def precompile(bundle: Path) -> int:
    """Rewrite ``bundle`` with a ``.pyc`` beside every module (and no other cached bytecode,
    such as a developer's ``__pycache__`` that chalice copied with ``chalicelib``); how many."""
    added = 0
    with tempfile.TemporaryDirectory() as scratch:
        rewritten = Path(scratch) / "bundle.zip"
        with (
            zipfile.ZipFile(bundle) as old,
            zipfile.ZipFile(rewritten, "w", zipfile.ZIP_DEFLATED) as new,
        ):
            for info in old.infolist():
                if "__pycache__" in PurePosixPath(info.filename).parts:
                    continue  # a developer's caches chalice copied along: replaced below
                data = old.read(info)
                new.writestr(info, data)
                if not info.filename.endswith(".py"):
                    continue
                compiled = _bytecode(info.filename, data, Path(scratch) / "src")
                if compiled is None:
                    continue
                entry = zipfile.ZipInfo(compiled[0], date_time=info.date_time)
                entry.external_attr = 0o644 << 16
                new.writestr(entry, compiled[1], zipfile.ZIP_DEFLATED)
                added += 1
        bundle.write_bytes(rewritten.read_bytes())
    return added


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__)
        return 2
    bundle, template = Path(argv[1]), Path(argv[2])
    wanted = runtimes(template)
    if wanted != {RUNTIME}:
        print(f"the template runs {sorted(wanted)}; this is {RUNTIME}: bytecode would not load")
        return 1
    print(f"precompiled {precompile(bundle)} modules of {bundle} for {RUNTIME}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
