"""Shared helpers for ETL tests: fetched reference data and small input files."""

from __future__ import annotations

import csv
from pathlib import Path

from etl.fetch import fetch
from sinn import config


def reference_raw() -> Path:
    """The fetched reference folder (fetching from the mirror when needed)."""
    fetch()
    return config.raw_dir()


def write_csv(
    path: Path, rows: list[dict], delimiter: str = ",", encoding: str = "utf-8"
) -> Path:
    """Write ``rows`` (dicts sharing keys) as a CSV file and return its path."""
    with path.open("w", newline="", encoding=encoding) as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)
    return path
