"""`GET /v1/docs` in a real browser (Debian's headless Chromium) on the local stack: the page
renders the whole contract, routes and webhooks, under its Content-Security-Policy — which lets
the browser fetch from this origin only, so a page that renders fetched nothing from a CDN."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.local.stack import LocalStack

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack() as running:
        yield running


def test_the_documentation_page_renders_the_contract_with_nothing_from_elsewhere(
    stack: LocalStack, tmp_path: Path
) -> None:
    browser = shutil.which("chromium")
    assert browser, "chromium is not installed (.ci/run installs Debian's chromium)"

    ran = subprocess.run(  # noqa: S603 - the distribution's browser on our own page
        [
            *(browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic"),
            *("--no-first-run", "--disable-background-networking", "--disable-sync"),
            *("--disable-component-update", f"--user-data-dir={tmp_path / 'profile'}"),
            *("--enable-logging=stderr", "--v=0", "--virtual-time-budget=20000"),
            *("--dump-dom", f"{stack.url}/v1/docs"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )

    page = ran.stdout
    assert ran.returncode == 0, ran.stderr[-2000:]
    assert "Push a signed batch of red / black list entries and removals" in page
    assert "Change a subscription's URL, filters" in page
    assert "subscription.verification" in page  # the webhooks are listed too
    refused = [line for line in ran.stderr.splitlines() if "Content Security Policy" in line]
    assert all("cdn.redoc.ly" in line for line in refused), refused  # only Redoc's own logo
