"""DuckDB connections with the signed spatial extension loaded offline."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import duckdb
import duckdb_extension_spatial


@cache
def spatial_extension_path() -> str:
    """Path of the spatial extension binary shipped by ``duckdb-extension-spatial``."""
    root = Path(duckdb_extension_spatial.__path__[0])
    found = sorted(
        root.rglob(f"v{duckdb.__version__}/**/*.duckdb_extension")
    ) or sorted(root.rglob("*.duckdb_extension"))
    if not found:
        raise RuntimeError(f"no spatial extension binary below {root}")
    return str(found[0])


def connect(
    path: str | Path = ":memory:", read_only: bool = False
) -> duckdb.DuckDBPyConnection:
    """Open ``path`` and load the spatial extension (signature checked by DuckDB)."""
    con = duckdb.connect(str(path), read_only=read_only)
    con.execute(f"LOAD '{spatial_extension_path()}'")
    return con
