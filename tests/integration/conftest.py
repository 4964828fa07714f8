"""Repositories against the real resource definitions: the shared ``aws`` fixture lives in
tests/conftest.py."""
