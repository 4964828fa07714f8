"""Fix up ``out/sam.json`` after ``chalice package``: what a merge template cannot express.

Usage: ``python -m infra.finalize out/sam.json`` (rewrites it in place)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from infra.stream_failures import without_fifo_batching_window


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    path = Path(argv[1])
    template = without_fifo_batching_window(json.loads(path.read_text(encoding="utf-8")))
    path.write_text(json.dumps(template, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
