"""Paths and limits, from environment variables with project-relative defaults."""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# BKG VG5000 "ebenen" shapefile zip: the boundary edition the build reads from raw/.
BOUNDARIES_FILE = "vg5000_01-01.gk3.shape.ebenen.zip"


def raw_dir() -> Path:
    """Folder for fetched source files (``SINN_RAW_DIR``, default ``data/raw``)."""
    return Path(os.environ.get("SINN_RAW_DIR", PROJECT_ROOT / "data" / "raw"))


def processed_dir() -> Path:
    """Folder for the database, rejects and exports (next to the database)."""
    return db_path().parent


def db_path() -> Path:
    """The published database (``SINN_DB``, default ``data/processed/sinn.duckdb``)."""
    return Path(
        os.environ.get("SINN_DB", PROJECT_ROOT / "data" / "processed" / "sinn.duckdb")
    )


def cache_dir() -> Path | None:
    """Folder of the reference table cache (``SINN_CACHE_DIR``, ``data/cache``).

    An empty ``SINN_CACHE_DIR`` turns the cache off.
    """
    value = os.environ.get("SINN_CACHE_DIR")
    if value is None:
        return PROJECT_ROOT / "data" / "cache"
    return Path(value) if value.strip() else None


def mirror_dir() -> Path:
    """Local mirror of the reference data (``SINN_DATA_MIRROR``, ``../shared/data``)."""
    return Path(
        os.environ.get("SINN_DATA_MIRROR", PROJECT_ROOT.parent / "shared" / "data")
    )


def max_file_bytes() -> int:
    """Largest accepted input file (``SINN_MAX_FILE_MB``, default 500 MB)."""
    return int(float(os.environ.get("SINN_MAX_FILE_MB", "500")) * 1024 * 1024)


def max_rows() -> int:
    """Most rows accepted from one input file (``SINN_MAX_ROWS``, default 5,000,000)."""
    return int(os.environ.get("SINN_MAX_ROWS", "5000000"))


def duckdb_memory_mb() -> int:
    """DuckDB memory limit of a build, MiB (``SINN_DUCKDB_MEMORY_MB``, 1024)."""
    return int(os.environ.get("SINN_DUCKDB_MEMORY_MB", "1024"))


def lock_wait_s() -> float:
    """Seconds a build waits for another build's lock (``SINN_LOCK_WAIT``, 300)."""
    return float(os.environ.get("SINN_LOCK_WAIT", "300"))


class Pause(NamedTuple):
    """Test hook of the build: pause ``seconds`` in ``stage``, writing ``marker``."""

    stage: str | None
    marker: str | None
    seconds: float


def build_pause() -> Pause:
    """``SINN_TEST_PAUSE_STAGE``/``_MARKER``/``_SECONDS`` (crash-safety tests only)."""
    return Pause(
        os.environ.get("SINN_TEST_PAUSE_STAGE"),
        os.environ.get("SINN_TEST_PAUSE_MARKER"),
        float(os.environ.get("SINN_TEST_PAUSE_SECONDS", "60")),
    )


def max_unzipped_bytes() -> int:
    """Largest uncompressed content of a zip-based input such as XLSX.

    ``SINN_MAX_UNZIPPED_MB``, default 500 MB: the compressed size says nothing
    about what a reader has to expand.
    """
    return int(float(os.environ.get("SINN_MAX_UNZIPPED_MB", "500")) * 1024 * 1024)


def max_columns() -> int:
    """Widest accepted header row (``SINN_MAX_COLUMNS``, default 1,000)."""
    return int(os.environ.get("SINN_MAX_COLUMNS", "1000"))


def max_cells() -> int:
    """Most cells (rows × header columns) read from one input (``SINN_MAX_CELLS``)."""
    return int(os.environ.get("SINN_MAX_CELLS", "100000000"))


def repair_encoding() -> bool:
    """Decode stray-encoding rows, not reject them (``SINN_REPAIR_ENCODING=1``)."""
    return os.environ.get("SINN_REPAIR_ENCODING", "").lower() in {"1", "true", "yes"}
