"""Shared fixtures: one real demo database built per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl.build import build
from etl.fetch import fetch


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Path of a database built by the real ETL with the seeded demo data."""
    fetch()  # copies the reference files from the mirror; a no-op when present
    path = tmp_path_factory.mktemp("db") / "sinn.duckdb"
    build(path, demo=True)
    return path
