"""ETL benchmark: N synthetic rows through the whole import vs. a geopandas baseline.

Usage: python -m bench.bench_etl [--rows 1000000]

Generates N initiative rows with random points in Saxony's bounding box (plus a
share located by AGS, postal code or name, and some broken rows), runs the full
build (read → validate → geocode → join → aggregate → checks → publish) in a
child process, and in this process times the point-in-polygon step both as
DuckDB spatial's join (what the importer runs) and as geopandas ``sjoin``.
Prints rows/s, the spatial speed-up and the build's peak RSS. Targets on the
2-core machine: 1,000,000 rows in < 10 s, spatial step ≥ 4x the baseline,
peak RSS < 2 GiB.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import shapely

from etl import geocode
from etl.fetch import fetch
from etl.macros import install_macros
from etl.reference import build_reference
from sinn.db import connect

ROOT = Path(__file__).resolve().parent.parent

BBOX = (11.87, 50.17, 15.04, 51.69)  # Saxony, lon/lat


def synthetic_rows(n: int, seed: int = 1) -> pa.Table:
    """N rows: 85 % coordinates (some swapped/decimal comma), rest AGS/PLZ/name/bad."""
    rng = np.random.default_rng(seed)
    lon = rng.uniform(BBOX[0], BBOX[2], n).round(5)
    lat = rng.uniform(BBOX[1], BBOX[3], n).round(5)
    kind = rng.choice(6, n, p=[0.80, 0.03, 0.05, 0.04, 0.04, 0.04])
    lat_s = lat.astype(str).astype(object)
    lon_s = lon.astype(str).astype(object)
    swapped = kind == 1
    lat_s[swapped], lon_s[swapped] = lon_s[swapped], lat_s[swapped]
    no_coord = kind >= 2
    lat_s[no_coord] = lon_s[no_coord] = ""
    ags = np.where(kind == 2, "14612000", "")
    plz = np.where(kind == 3, "04109", "")
    gemeinde = np.where(kind == 4, "Görlitz", "")
    names = np.char.add("Initiative ", np.arange(n).astype(str)).astype(object)
    names[kind == 5] = ""  # missing name → rejected
    themes = np.array(["Bildung", "Pflege", "Health", "Wohnen", "unbekannt"])
    return pa.table(
        {
            "id": np.char.add("b", np.arange(n).astype(str)),
            "name": names.astype(str),
            "thema": themes[rng.integers(0, 5, n)],
            "partner": np.array(["DRK", "Caritas", "Startnext"])[rng.integers(0, 3, n)],
            "breitengrad": lat_s.astype(str),
            "längengrad": lon_s.astype(str),
            "ags": ags,
            "plz": plz,
            "gemeinde": gemeinde,
            "gründungsjahr": rng.integers(2015, 2026, n).astype(str),
        }
    )


def run_build(csv: Path, db: Path) -> tuple[float, dict, int]:
    """Run the build in a child process; return wall time, summary, peak RSS bytes."""
    code = (
        "import json, sys; from pathlib import Path; from etl.build import build; "
        "s = build(Path(sys.argv[1]), initiatives=[Path(sys.argv[2])]); "
        "print(json.dumps({'accepted': s.accepted, 'rejected': s.rejected_by_reason, "
        "'timings': s.timings, 'rows': s.rows_read}))"
    )
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code, str(db), str(csv)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return wall, json.loads(out.stdout.strip().splitlines()[-1]), peak


def spatial_step(n: int) -> tuple[float, float, int, int]:
    """Time point-in-polygon for N points: DuckDB spatial join vs geopandas sjoin."""
    con = connect()
    install_macros(con)
    build_reference(con, ROOT / "data" / "raw")
    geocode.prepare_lookup(con)  # the importer's lookup: grid pieces in lon/lat
    rng = np.random.default_rng(2)
    lon = rng.uniform(BBOX[0], BBOX[2], n)
    lat = rng.uniform(BBOX[1], BBOX[3], n)
    con.register("pts_df", pa.table({"id": np.arange(n), "lon": lon, "lat": lat}))
    con.execute("CREATE TABLE pts AS SELECT * FROM pts_df")
    start = time.perf_counter()
    hits_duck = con.execute(
        "SELECT count(*) FROM (SELECT p.id, min(m.ags) FROM pts p JOIN geo_mun_wgs m "
        "ON ST_Intersects(m.g, ST_Point(p.lon, p.lat)) GROUP BY p.id)"
    ).fetchone()[0]
    duck = time.perf_counter() - start
    con.execute(
        "CREATE TABLE mw AS SELECT ags, ST_Transform(geom, 'EPSG:25833', 'EPSG:4326', "
        "always_xy := true) AS g FROM municipalities"
    )
    polys = gpd.GeoDataFrame(
        con.execute("SELECT ags FROM mw").df(),
        geometry=shapely.from_wkb(
            [r[0] for r in con.execute("SELECT ST_AsWKB(g) FROM mw").fetchall()]
        ),
        crs="EPSG:4326",
    )
    start = time.perf_counter()
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    joined = gpd.sjoin(points, polys, predicate="within", how="inner")
    base = time.perf_counter() - start
    return duck, base, hits_duck, len(joined)


def main() -> None:
    """Generate, build, compare, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    fetch()
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "bench.csv"
        pacsv.write_csv(synthetic_rows(args.rows), csv)
        size_mb = csv.stat().st_size / 1e6
        wall, summary, peak = run_build(csv, Path(tmp) / "bench.duckdb")
    duck, base, hits_duck, hits_base = spatial_step(args.rows)
    accepted = summary["accepted"]["initiatives"]
    rejected = sum(summary["rejected"].values())
    print(f"rows: {args.rows:,} ({size_mb:.0f} MB CSV)")
    print(
        f"end to end (child process, incl. interpreter start): {wall:.2f} s "
        f"= {args.rows / wall:,.0f} rows/s"
    )
    print(
        "build steps: "
        + ", ".join(f"{k} {v:.2f} s" for k, v in summary["timings"].items())
    )
    print(f"accepted {accepted:,}, rejected {rejected:,} {summary['rejected']}")
    print(f"rows in = accepted + rejected: {summary['rows'] == accepted + rejected}")
    print(f"peak RSS of the build: {peak / 2**20:,.0f} MiB (target < 2048 MiB)")
    print(f"point-in-polygon, {args.rows:,} points x 419 municipalities:")
    print(
        f"  DuckDB spatial join (importer lookup, grid pieces): {duck:.2f} s "
        f"({hits_duck:,} points matched)"
    )
    print(
        f"  geopandas sjoin baseline (whole polygons): {base:.2f} s "
        f"({hits_base:,} hits)"
    )
    print(f"  speed-up: {base / duck:.1f}x (target >= 4x)")
    print(f"target 1M rows < 10 s: {wall < 10 if args.rows >= 1_000_000 else 'n/a'}")


if __name__ == "__main__":
    main()
