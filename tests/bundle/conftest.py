"""The bundle tests reuse the app tests' event builders and receiver (``tests/app``)."""

from __future__ import annotations

import sys
from pathlib import Path

APP_TESTS = Path(__file__).resolve().parents[1] / "app"
if str(APP_TESTS) not in sys.path:
    sys.path.insert(0, str(APP_TESTS))
