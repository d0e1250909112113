"""SQL of the district report that the dashboard's query modules do not hold."""

from __future__ import annotations

import duckdb
import pandas as pd

__all__ = ["area_geometries", "import_state"]


def area_geometries(con: duckdb.DuckDBPyConnection, level: str) -> pd.DataFrame:
    """Key, name, district and EPSG:25833 geometry (WKB) of every area of ``level``."""
    if level == "district":
        sql = """SELECT ars AS key, name, ars AS district_ars, ST_AsWKB(geom) AS wkb
                 FROM districts ORDER BY ars"""
    elif level == "municipality":
        sql = """SELECT ags AS key, name, district_ars, ST_AsWKB(geom) AS wkb
                 FROM municipalities ORDER BY ags"""
    else:
        raise ValueError(f"level must be 'district' or 'municipality', got {level!r}")
    return con.execute(sql).df()


def import_state(con: duckdb.DuckDBPyConnection) -> dict:
    """Date and boundary file of the latest build, and whether demo rows exist."""
    sql = """
        SELECT (SELECT max(finished_at)::DATE FROM etl_runs) AS built,
               (SELECT boundary_file FROM etl_runs ORDER BY started_at DESC LIMIT 1)
                   AS boundary_file,
               EXISTS (SELECT 1 FROM initiatives WHERE is_demo)
                   OR EXISTS (SELECT 1 FROM events WHERE is_demo) AS demo
        """
    cur = con.execute(sql)
    names = [c[0] for c in cur.description]
    return dict(zip(names, cur.fetchone(), strict=True))
