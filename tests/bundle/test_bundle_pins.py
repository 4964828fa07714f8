"""Every package the bundle holds is pinned to the version it holds: packaging again (CI, a
release) bundles exactly what was tested, transitive dependencies too (review 46d)."""

from __future__ import annotations

import re
import zipfile

import pytest
from bundle_support import ROOT, fresh_package

pytestmark = pytest.mark.bundle


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_bundled_distribution_is_pinned_at_its_version() -> None:
    with zipfile.ZipFile(fresh_package()) as bundle:
        held = {
            _canonical(m.group(1)): m.group(2)
            for name in bundle.namelist()
            if (m := re.fullmatch(r"([^/]+)-([^/-]+)\.dist-info/METADATA", name))
        }
    text = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    pinned = {
        _canonical(m.group(1)): m.group(2)
        for m in re.finditer(r"^([A-Za-z0-9_.-]+)==(\S+)$", text, re.MULTILINE)
    }
    assert held
    assert held == pinned
