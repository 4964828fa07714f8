"""Put the domain core into the Lambda bundle: copy ``gateway/`` and the client package's
``gateway_client/`` (code and data) into ``vendor/``.

``chalice package`` zips ``app.py``, ``chalicelib/`` and what ``requirements.txt`` resolves to;
``gateway/`` and ``client/gateway_client/`` are none of these, and without it every function fails
on its first import. Chalice
adds a top-level ``vendor/`` directory's contents to the zip root as they are, so a fresh copy
there before each package puts ``gateway`` beside ``app.py``, where Lambda's ``/var/task`` on
``sys.path`` finds it. ``vendor/`` is a build product (git-ignored), rebuilt from scratch each
time so a module deleted from ``gateway/`` never lingers in a bundle. Only ``*.py`` files and
``data/*.json`` are copied (what ``pyproject.toml`` packages): no caches, no stray files.

Usage: ``python -m infra.bundle [VENDOR_DIR]`` (default ``vendor``)
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# What the functions import besides app.py, chalicelib and requirements: each package's folder,
# copied to the zip root under its own name.
PACKAGES = ("gateway", "client/gateway_client")
PATTERNS = ("*.py", "data/*.json")


def bundled_files(root: Path = ROOT) -> list[Path]:
    """Every file of the domain core a function may load, relative to ``root``."""
    files: set[Path] = set()
    for package in PACKAGES:
        for pattern in PATTERNS:
            found = (root / package).rglob(pattern)
            files.update(p for p in found if "__pycache__" not in p.parts)
    return sorted(path.relative_to(root) for path in files)


def _in_bundle(relative: Path) -> Path:
    """Where a source file lands: under its package's own name at the zip root."""
    return Path(*relative.parts[1:]) if relative.parts[0] == "client" else relative


def vendor(target: Path, root: Path = ROOT) -> list[Path]:
    """Replace ``target`` with a copy of the domain core; returns the files copied."""
    shutil.rmtree(target, ignore_errors=True)
    copied = bundled_files(root)
    for relative in copied:
        destination = target / _in_bundle(relative)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / relative, destination)
    return copied


def main(argv: list[str]) -> int:
    target = Path(argv[1]) if len(argv) > 1 else ROOT / "vendor"
    copied = vendor(target)
    print(f"vendored {len(copied)} files of {', '.join(PACKAGES)} into {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
