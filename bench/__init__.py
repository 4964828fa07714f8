"""Benchmarks: ``make bench`` (``python -m bench.run``) writes bench/report.md and report.json."""
