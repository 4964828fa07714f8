"""Shared by the integration and app tests: the ``aws`` fixture (see ``aws_support``)."""

from __future__ import annotations

import contextlib
import functools
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import botocore.session
import pytest
import time_machine
from aws_support import Aws, provisioned_aws
from xdist.scheduler import LoadFileScheduling

from gateway.recognition.severity_policy import SeverityPolicy, use_severity_policy
from gateway_client.contract.catalogue import Severity
from gateway_client.contract.identity import LOCAL_IDENTITY_SECRET, identity_key, use_identity_key
from infra.local import moto_speedup

# moto's mock_aws() resets boto3.DEFAULT_SESSION, and chalicelib.bootstrap builds a fresh
# boto3 Session per client: every new botocore Session gets its own data Loader and re-parses
# endpoints.json, partitions.json and each service model from disk (about a third of a test's
# setup). One Loader for the whole run: the files are read once, as in a long-lived process.
# The loader's results are the same read-only dicts one Session already shares between clients.
botocore.session.create_loader = functools.cache(botocore.session.create_loader)
moto_speedup.install()  # the local stack's moto speed-ups (same results), for mock_aws too
TESTS = Path(__file__).resolve().parent
# what `gateway push --batch-id` keeps (gateway_client.cli.first_sent): the run's own, never the
# home directory's (the command's child processes inherit it)
_STATE_DIR = tempfile.TemporaryDirectory(prefix="cg-state-")  # removed when the run ends
os.environ["CG_STATE_DIR"] = _STATE_DIR.name


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Aws]:
    with provisioned_aws(monkeypatch) as provisioned:
        yield provisioned


def _local_identity_key() -> bytes:
    return identity_key(LOCAL_IDENTITY_SECRET)


# Listing ids under the local key, as the local stage derives them (``chalicelib``'s bootstrap
# sets it there): from collection on, for test modules that derive ids at import.
use_identity_key(_local_identity_key)


TEST_EPOCH = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)  # 10:00 in China
"""Where the clock of an in-process test module (tests/app, tests/integration) starts, at its
collection and at its run. Their fixtures hold fixed dates (an entry decided 2026-03-01, whose
court-defaulter term ends 2028-03-01) that the app checks against the wall clock, so on a real
date past them the suite would fail with no change of code. The clock runs on from here
(``tick``): durations, timeouts and ordering stay real. Not for tests/e2e or tests/bundle,
whose servers run in processes of their own on the real clock; nor for OpenSSL, which checks a
certificate on the real clock (``time_machine.escape_hatch``)."""
IN_PROCESS = frozenset({"app", "integration"})


def _at_the_test_epoch(path: Path) -> contextlib.AbstractContextManager[object]:
    in_process = path.is_relative_to(TESTS) and IN_PROCESS.intersection(
        path.relative_to(TESTS).parts[:1]
    )
    return time_machine.travel(TEST_EPOCH, tick=True) if in_process else contextlib.nullcontext()


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> object:
    """A module's parameters are made at collection (``days(30)``): on the same date it runs."""
    with _at_the_test_epoch(collector.path):
        return (yield)


@pytest.fixture(scope="module", autouse=True)
def _module_clock(request: pytest.FixtureRequest) -> Iterator[None]:
    with _at_the_test_epoch(request.path):
        yield


@pytest.fixture(autouse=True)
def _back_to_the_local_identity_key() -> None:
    """A test that configured a deployment's key leaves the next one the local key."""
    use_identity_key(_local_identity_key)


@pytest.fixture(autouse=True)
def _default_severity_policy() -> Iterator[None]:
    """Serious only (seed 000, 49号), whatever the test before configured."""
    use_severity_policy(SeverityPolicy())
    yield
    use_severity_policy(SeverityPolicy())


@pytest.fixture
def every_severity_punishes() -> None:
    """A deployment whose black list takes every severity (CG_BLACK_LIST_SEVERITIES)."""
    use_severity_policy(SeverityPolicy(black_list=frozenset(Severity)))


# The order the workers take files in (``make test`` runs ``--dist loadfile
# --no-loadscope-reorder``): long files first, so no worker is left alone with one at the end,
# and each file that mostly waits (the local stack over HTTP, the packaged bundle) paired with
# one that computes (the Chalice app on moto), so both cores stay busy. xdist's own order (most
# tests first) left the long files with few tests for last.
_WAITING = ("tests/e2e/", "tests/bundle/")
_COMPUTING = ("tests/app/test_robustness.py", "tests/app/test_ownership_state_machine.py")
_THEN = ("tests/app/", "tests/integration/")


def _file(item: pytest.Item) -> str:
    return item.nodeid.split("::", 1)[0]


def _ranks(files: list[str]) -> dict[str, tuple[int, int]]:
    waiting = [f for f in files if f.startswith(_WAITING)]
    computing = [f for f in files if f.startswith(_COMPUTING)]
    computing += [f for f in files if f.startswith("tests/app/") and f not in computing]
    ranks = {f: (0, 2 * i) for i, f in enumerate(waiting)}
    ranks.update({f: (0, 2 * i + 1) for i, f in enumerate(computing) if i < len(waiting)})
    for f in files:
        group = next((n for n, p in enumerate(_THEN, start=1) if f.startswith(p)), len(_THEN) + 1)
        ranks.setdefault(f, (group, 0))
    return ranks


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    ranks = _ranks(list(dict.fromkeys(_file(item) for item in items)))
    items.sort(key=lambda item: ranks[_file(item)])  # stable: a file's tests keep their order


_SHARING = {"tests/e2e/test_console_browser.py": "tests/e2e/test_demo_scenario.py"}
"""Files that look at one world (``tests/e2e/conftest.demo_world``, the suite's longest setup),
each mapped to the file whose worker takes them both, so the world is made once."""


class _SharedWorlds(LoadFileScheduling):
    def _split_scope(self, nodeid: str) -> str:
        file = super()._split_scope(nodeid)
        return _SHARING.get(file, file)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> LoadFileScheduling | None:
    """``--dist loadfile`` with the files of ``_SHARING`` on one worker."""
    return _SharedWorlds(config, log) if config.getvalue("dist") == "loadfile" else None
