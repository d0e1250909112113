"""ETL benchmark: N synthetic rows through the whole import vs. a geopandas baseline.

Usage: python -m bench.bench_etl [--rows 1000000]

Generates N initiative rows with random points in Saxony's bounding box (plus a
share located by AGS, postal code or name, and some broken rows) and times, in
this process, the issue's baseline: pandas ``read_csv`` of that CSV, geopandas
``read_file`` of the municipality boundaries and ``sjoin`` of the points with
valid coordinates (once before and once after the imports). The import is the
full build (read → validate → geocode → join → aggregate → checks → publish) of
that file in a child process, timed around ``build()``: first with an empty
reference cache folder (cold), then again with the cache the first build wrote
(warm). Prints each import's ratio to the baseline (target <= 2x), rows/s, build
steps and peak RSS, and a bare DuckDB import of the same file (read, join,
write: the floor no import can go below); then the list-of-operations import
and the point-in-polygon step alone (DuckDB spatial's join vs geopandas
``sjoin``). Targets on the
2-core machine: 1,000,000 rows in < 10 s, spatial step >= 4x the baseline,
peak RSS < 2 GiB.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import shapely

from etl import geocode
from etl.fetch import fetch
from etl.macros import install_macros
from etl.operations import ESF_LIST
from etl.reference import build_reference
from geo.boundaries import find_layer
from sinn.config import BOUNDARIES_FILE
from sinn.db import connect

ROOT = Path(__file__).resolve().parent.parent

BBOX = (11.87, 50.17, 15.04, 51.69)  # Saxony, lon/lat
AMOUNT_HEADER = "Gesamtbetrag der förderfähigen Ausgaben des Vorhabens"


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


def synthetic_operations(n: int, seed: int = 3) -> tuple[pa.Table, pa.Table]:
    """N rows of the EU list of operations, half in German, half in English notation.

    Places and districts are drawn from the real ESF list (register spellings such
    as ``Oelsnitz/Erzgeb., Stadt``); 2 % name a place no register knows (district
    fallback), 0.1 % are state-wide and 0.5 % carry no usable amount.
    """
    rng = np.random.default_rng(seed)
    real = pacsv.read_csv(ROOT / "data" / "raw" / ESF_LIST).to_pydict()
    pairs = sorted(
        set(zip(real["Durchführungsort des Vorhabens"], real["Landkreis"], strict=True))
    )
    pick = rng.integers(0, len(pairs), n)
    place = np.array([p for p, _ in pairs], dtype=object)[pick]
    district = np.array([d for _, d in pairs], dtype=object)[pick]
    kind = rng.choice(4, n, p=[0.974, 0.02, 0.001, 0.005])
    place[kind == 1] = "Ortsteil ohne Register"
    place[kind == 2] = district[kind == 2] = "Sachsen"
    cents = rng.integers(10_000, 500_000_000, n)
    euros, rest = cents // 100, cents % 100
    de = [
        f"{e:,}".replace(",", ".") + f",{r:02d}"
        for e, r in zip(euros, rest, strict=True)
    ]
    en = [f"{e:,}.{r:02d}" for e, r in zip(euros, rest, strict=True)]
    day = rng.integers(1, 29, n)
    columns = {
        "Name des Begünstigten": np.char.add("Träger ", (pick % 997).astype(str)),
        "Bezeichnung des Vorhabens": np.char.add("Vorhaben ", np.arange(n).astype(str)),
        "Zusammenfassung des Vorhabens": np.full(n, "Weiterbildung in Sachsen"),
        "Datum des Beginns des Vorhabens": np.char.add(
            np.char.zfill(day.astype(str), 2), ".03.2015"
        ),
        "Datum des Endes des Vorhabens": np.full(n, "31.12.2016"),
        "Unions-Kofinanzierungssatz pro Prioritätsachse": np.full(n, "80"),
        "Durchführungsort des Vorhabens": place.astype(str),
        "Landkreis": district.astype(str),
        "Land": np.full(n, "D"),
        "Förderrichtlinie": np.array(["Weiterbildung", "Schule", "Inklusion"])[
            pick % 3
        ],
    }
    tables = []
    for notation, amounts in (("de", de), ("en", en)):
        half = slice(0, n // 2) if notation == "de" else slice(n // 2, n)
        amount = np.array(amounts, dtype=object)[half]
        amount[kind[half] == 3] = ""
        tables.append(
            pa.table(
                {
                    **{k: v[half] for k, v in columns.items()},
                    AMOUNT_HEADER: amount.astype(str),
                }
            )
        )
    return tables[0], tables[1]


def run_build(
    db: Path, cache: Path | None = None, **inputs: list[Path]
) -> tuple[float, dict, int]:
    """Run the build in a child process; return wall time, summary, peak RSS bytes.

    ``summary["build_s"]`` is the wall time of the ``build()`` call alone (the
    import proper); the returned wall time adds interpreter start and imports.
    ``cache`` is the reference cache folder the child uses (``SINN_CACHE_DIR``).
    """
    code = (
        "import json, resource, sys, time; from pathlib import Path; "
        "from etl.build import build; t = time.perf_counter(); "
        "c = time.process_time(); "
        "s = build(Path(sys.argv[1]), **{k: [Path(p) for p in v] "
        "for k, v in json.loads(sys.argv[2]).items()}); "
        "t = time.perf_counter() - t; c = time.process_time() - c; "
        "print(json.dumps({'accepted': s.accepted, 'rejected': s.rejected_by_reason, "
        "'timings': s.timings, 'rows': s.rows_read, 'operations': s.operations, "
        "'cache': getattr(s, 'reference_cache', 'none'), 'build_s': t, 'cpu_s': c, "
        "'rss': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))"
    )
    args = json.dumps({k: [str(p) for p in v] for k, v in inputs.items()})
    env = dict(os.environ)
    if cache is not None:
        env["SINN_CACHE_DIR"] = str(cache)
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code, str(db), args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    wall = time.perf_counter() - start
    summary = json.loads(out.stdout.strip().splitlines()[-1])
    return wall, summary, summary["rss"]


def geopandas_baseline(csv: Path) -> tuple[dict[str, float], int, int]:
    """The issue's baseline: pandas ``read_csv`` + ``read_file`` + ``sjoin``.

    Reads the generated CSV with pandas' defaults, Saxony's municipalities from
    the boundary zip in data/raw, and joins the rows with valid coordinates
    (both numbers) to them. Returns step times, points joined and hits.
    """
    times: dict[str, float] = {}
    cpu = time.process_time()
    start = time.perf_counter()
    frame = pd.read_csv(csv)
    times["read_csv"] = time.perf_counter() - start
    start = time.perf_counter()
    zip_path = (ROOT / "data" / "raw" / BOUNDARIES_FILE).resolve()
    gem = gpd.read_file(f"zip://{zip_path}!{find_layer(zip_path, 'GEM')}")
    gem = gem[gem["ARS"].str[:2] == "14"].to_crs("EPSG:4326")
    times["read_file"] = time.perf_counter() - start
    start = time.perf_counter()
    lat = pd.to_numeric(frame["breitengrad"], errors="coerce")
    lon = pd.to_numeric(frame["längengrad"], errors="coerce")
    valid = lat.notna() & lon.notna()
    points = gpd.GeoDataFrame(
        frame[valid], geometry=gpd.points_from_xy(lon[valid], lat[valid]), crs=gem.crs
    )
    joined = gpd.sjoin(points, gem[["AGS", "geometry"]], predicate="within")
    times["sjoin"] = time.perf_counter() - start
    times["cpu"] = time.process_time() - cpu
    return times, int(valid.sum()), len(joined)


def bare_floor(csv: Path, db: Path) -> float:
    """Seconds of a bare DuckDB import of ``csv``: what no import of it can skip.

    Reads every column as text, finds each point's municipality (the importer's
    lookup, prepared beforehand as the reference cache has it) and writes the
    placed rows and the others (with their raw row as JSON) to a new database
    file, in row order. No checks, geocoding cascade, text cleaning, reasons,
    summaries or ``rejects.csv``.
    """
    con = connect(db)
    install_macros(con)
    build_reference(con, ROOT / "data" / "raw")
    geocode.prepare_lookup(con)
    start = time.perf_counter()
    con.execute(
        "CREATE TEMP TABLE src AS SELECT row_number() OVER () AS rn, * "
        "FROM read_csv(?, all_varchar = true)",
        [str(csv)],
    )
    con.execute(
        """
        CREATE TEMP TABLE hit AS SELECT s.rn, min(m.ags) AS ags FROM src s
        JOIN geo_mun_wgs m ON ST_Intersects(m.g, ST_Point(
            TRY_CAST(s."längengrad" AS DOUBLE), TRY_CAST(s.breitengrad AS DOUBLE)))
        GROUP BY s.rn
        """
    )
    con.execute(
        "CREATE TABLE placed AS SELECT s.*, h.ags FROM src s JOIN hit h USING (rn) "
        "ORDER BY rn"
    )
    con.execute(
        "CREATE TABLE others AS SELECT s.rn, CAST(to_json(s) AS VARCHAR) AS raw "
        "FROM src s ANTI JOIN hit h USING (rn) ORDER BY rn"
    )
    con.execute("CHECKPOINT")
    con.close()
    return time.perf_counter() - start


def spatial_step(n: int, repeats: int = 3) -> tuple[float, float, int, int]:
    """Time point-in-polygon for N points: DuckDB spatial join vs geopandas sjoin.

    Each side runs ``repeats`` times, in turns; the medians are returned (one
    run of under a second swings by a quarter on this noisy machine).
    """
    con = connect()
    install_macros(con)
    build_reference(con, ROOT / "data" / "raw")
    geocode.prepare_lookup(con)  # the importer's lookup: grid pieces in lon/lat
    rng = np.random.default_rng(2)
    lon = rng.uniform(BBOX[0], BBOX[2], n)
    lat = rng.uniform(BBOX[1], BBOX[3], n)
    con.register("pts_df", pa.table({"id": np.arange(n), "lon": lon, "lat": lat}))
    con.execute("CREATE TABLE pts AS SELECT * FROM pts_df")
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
    duck, base = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        hits_duck = con.execute(
            "SELECT count(*) FROM (SELECT p.id, min(m.ags) FROM pts p "
            "JOIN geo_mun_wgs m ON ST_Intersects(m.g, ST_Point(p.lon, p.lat)) "
            "GROUP BY p.id)"
        ).fetchone()[0]
        duck.append(time.perf_counter() - start)
        start = time.perf_counter()
        points = gpd.GeoDataFrame(
            geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326"
        )
        joined = gpd.sjoin(points, polys, predicate="within", how="inner")
        base.append(time.perf_counter() - start)
    return statistics.median(duck), statistics.median(base), hits_duck, len(joined)


def _print_build(
    label: str, wall: float, summary: dict, base: float, base_cpu: float, n: int
) -> None:
    """One import run: build time, ratio to the baseline, rows/s, steps, RSS."""
    build_s = summary["build_s"]
    print(f"import, reference cache {summary['cache']} ({label}):")
    print(
        f"  build(): {build_s:.2f} s = {n / build_s:,.0f} rows/s; "
        f"ratio to baseline {build_s / base:.2f}x (target <= 2x: "
        f"{build_s / base <= 2})"
    )
    print(
        f"  build() CPU time (user + system, all threads): {summary['cpu_s']:.2f} s, "
        f"ratio to the baseline's CPU time {summary['cpu_s'] / base_cpu:.2f}x"
    )
    print(
        f"  child process incl. interpreter start and imports: {wall:.2f} s, "
        f"ratio {wall / base:.2f}x"
    )
    print(
        "  build steps: "
        + ", ".join(f"{k} {v:.2f} s" for k, v in summary["timings"].items())
    )
    print(f"  peak RSS: {summary['rss'] / 2**20:,.0f} MiB (target < 2048 MiB)")


def main() -> None:
    """Generate, build (cold and warm reference cache), compare, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    fetch()
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "bench.csv"
        pacsv.write_csv(synthetic_rows(args.rows), csv)
        size_mb = csv.stat().st_size / 1e6
        base_before, points, hits = geopandas_baseline(csv)
        db, cache = Path(tmp) / "bench.duckdb", Path(tmp) / "cache"
        cold = run_build(db, cache, initiatives=[csv])
        warm = run_build(db, cache, initiatives=[csv])
        floor = bare_floor(csv, Path(tmp) / "floor.duckdb")
        base_after, _, _ = geopandas_baseline(csv)
        csv.unlink()
        lists = [Path(tmp) / f"bench_{n}_ESF.csv" for n in ("de", "en")]
        for table, path in zip(synthetic_operations(args.rows), lists, strict=True):
            pacsv.write_csv(table, path)
        ops_mb = sum(p.stat().st_size for p in lists) / 1e6
        ops_wall, ops, ops_peak = run_build(
            Path(tmp) / "ops.duckdb", cache, operations=lists
        )
    duck, base, hits_duck, hits_base = spatial_step(args.rows)
    wall, summary, _peak = warm
    accepted = summary["accepted"]["initiatives"]
    rejected = sum(summary["rejected"].values())
    print(f"rows: {args.rows:,} ({size_mb:.0f} MB CSV)")
    wall_before = {k: v for k, v in base_before.items() if k != "cpu"}
    wall_after = {k: v for k, v in base_after.items() if k != "cpu"}
    baseline = (sum(wall_before.values()) + sum(wall_after.values())) / 2
    base_cpu = (base_before["cpu"] + base_after["cpu"]) / 2
    for name, times in (("before the imports", base_before), ("after", base_after)):
        print(
            f"baseline {name} (this process): pandas read_csv "
            f"{times['read_csv']:.2f} s + geopandas read_file {times['read_file']:.2f}"
            f" s + sjoin {times['sjoin']:.2f} s = "
            f"{times['read_csv'] + times['read_file'] + times['sjoin']:.2f} s "
            f"(CPU {times['cpu']:.2f} s)"
        )
    print(
        f"  {points:,} points with valid coordinates, {hits:,} in Saxony's "
        f"municipalities; ratios below use the mean baseline {baseline:.2f} s "
        f"(CPU {base_cpu:.2f} s)"
    )
    for label, (run_wall, run, _) in (
        ("first build, empty cache folder", cold),
        ("second build, same inputs", warm),
    ):
        _print_build(label, run_wall, run, baseline, base_cpu, args.rows)
    print(
        f"bare DuckDB import (read, point-in-polygon, write placed rows and the "
        f"others with their raw JSON; nothing else): {floor:.2f} s = "
        f"{floor / baseline:.2f}x the baseline; the warm build spends "
        f"{summary['build_s'] - floor:.2f} s on top (checks, geocoding cascade, "
        f"cleaning, reasons, summaries, rejects.csv)"
    )
    print(f"accepted {accepted:,}, rejected {rejected:,} {summary['rejected']}")
    print(f"rows in = accepted + rejected: {summary['rows'] == accepted + rejected}")
    ops_rejected = sum(ops["rejected"].values())
    print(
        f"list of operations: {args.rows:,} rows in 2 files (German / English "
        f"amounts, {ops_mb:.0f} MB CSV), reference cache {ops['cache']}"
    )
    print(
        f"  end to end: {ops_wall:.2f} s = {args.rows / ops_wall:,.0f} rows/s; "
        f"{ops_wall / wall:.2f}x the warm initiatives run (target <= 1.5x)"
    )
    print(
        "  build steps: "
        + ", ".join(f"{k} {v:.2f} s" for k, v in ops["timings"].items())
    )
    print(
        f"  accepted {ops['accepted']['operations']:,} {ops['operations']}, "
        f"rejected {ops_rejected:,} {ops['rejected']}"
    )
    print(f"  peak RSS: {ops_peak / 2**20:,.0f} MiB (target < 2048 MiB)")
    print(
        f"point-in-polygon, {args.rows:,} points x 419 municipalities "
        "(median of 3 runs each, in turns):"
    )
    print(
        f"  DuckDB spatial join (importer lookup, grid pieces): {duck:.2f} s "
        f"({hits_duck:,} points matched)"
    )
    print(
        f"  geopandas sjoin baseline (whole polygons): {base:.2f} s "
        f"({hits_base:,} hits)"
    )
    print(f"  speed-up: {base / duck:.1f}x (target >= 4x)")
    print(
        f"target 1M rows < 10 s (warm build()): "
        f"{summary['build_s'] < 10 if args.rows >= 1_000_000 else 'n/a'}"
    )


if __name__ == "__main__":
    main()
