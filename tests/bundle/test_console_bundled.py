"""The console's page and files travel in the bundle: Chalice packages ``chalicelib/`` whole,
so the deployed gateway serves ``/console`` from the same files as the local stack."""

from __future__ import annotations

import zipfile

import pytest
from bundle_support import fresh_package

from chalicelib import console_page

pytestmark = pytest.mark.bundle


def test_every_console_file_is_in_the_bundle() -> None:
    with zipfile.ZipFile(fresh_package()) as bundle:
        names = set(bundle.namelist())
    files = (*console_page.ASSETS, "console.html")
    wanted = {f"chalicelib/assets/console/{name}" for name in files}
    assert wanted <= names, wanted - names
