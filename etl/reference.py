"""Reference tables: boundaries, population, settlement type and postal codes."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import geopandas as gpd
import pandas as pd

from geo.boundaries import read_level
from geo.crs import METRIC_CRS
from geo.simplify import simplify_for_web
from sinn.config import BOUNDARIES_FILE
from sinn.vocab import DEGURBA_LABELS

LAND = "14"
GV_FILE = "AuszugGV4QAktuell.csv"
ZENSUS_FILE = "zensus2022_gemeinden.parquet"
PLZ_FILE = "zuordnung_plz_ort_landkreis.csv"
# Kreissitze of the ten Landkreise (project data, each row with its legal source);
# a Kreisfreie Stadt is its own seat.
SEATS_FILE = Path(__file__).parent / "data" / "district_seats.csv"


@dataclass
class ReferenceReport:
    """Key mismatches between the boundary edition and the statistics."""

    boundary_file: str = ""
    municipalities: int = 0
    districts: int = 0
    unmatched: dict[str, list[str]] = field(default_factory=dict)


def _register_geo(
    con: duckdb.DuckDBPyConnection, name: str, gdf: gpd.GeoDataFrame
) -> None:
    """Expose a GeoDataFrame to DuckDB as view ``name`` with a WKB ``wkb`` column."""
    frame = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    frame["wkb"] = gdf.geometry.to_wkb()
    con.register(name, frame)


def stage_boundaries(con: duckdb.DuckDBPyConnection, zip_path: Path) -> None:
    """Stage municipality, district and context geometries from a BKG zip."""
    gem = read_level(zip_path, "GEM", LAND)
    krs = read_level(zip_path, "KRS", LAND)
    lan = read_level(zip_path, "LAN", None)
    gem_m = gem.to_crs(METRIC_CRS)
    gem_m["area_geom_km2"] = gem_m.area / 1e6
    centroids = gem_m.geometry.centroid
    gem_m["cx"], gem_m["cy"] = centroids.x, centroids.y
    lonlat = gpd.GeoSeries(centroids, crs=METRIC_CRS).to_crs("EPSG:4326")
    gem_m["centroid_lon"], gem_m["centroid_lat"] = lonlat.x.round(6), lonlat.y.round(6)
    gem_m["ags"] = gem_m["ars"].str[:5] + gem_m["ars"].str[9:12]
    gem_web = simplify_for_web(gem_m[["ars", "geometry"]], tolerance_m=120)
    gem_m["web_wkb"] = gem_web.geometry.to_wkb()
    _register_geo(con, "stg_gem", gem_m)

    krs_m = krs.to_crs(METRIC_CRS)
    krs_m["web_wkb"] = simplify_for_web(
        krs_m[["ars", "geometry"]], 150
    ).geometry.to_wkb()
    _register_geo(con, "stg_krs", krs_m)

    lan_web = simplify_for_web(lan[["ars", "name", "geometry"]], tolerance_m=1500)
    _register_geo(con, "stg_lan", lan_web)


def stage_statistics(con: duckdb.DuckDBPyConnection, raw: Path) -> None:
    """Stage Zensus 2022, GV-ISys and the postal code mapping for Saxony."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE stg_zensus AS
        SELECT lpad(CAST("AGS" AS VARCHAR), 8, '0') AS ags,
               "Gemeinde" AS name, CAST("AnzahlPersonen" AS BIGINT) AS population
        FROM read_parquet(?)
        WHERE lpad(CAST("AGS" AS VARCHAR), 8, '0') LIKE '14%'
        """,
        [str(raw / ZENSUS_FILE)],
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE stg_gv AS
        SELECT land || rb || kreis || gemeinde AS ags,
               gemeindename AS name_official,
               CAST(replace(trim(flaeche), ' ', '') AS DOUBLE) AS area_km2,
               CAST(replace(bevoelkerung, ' ', '') AS BIGINT) AS population_2019,
               postleitzahl AS main_postal_code,
               CAST(replace(laengengrad, ',', '.') AS DOUBLE) AS gv_lon,
               CAST(replace(breitengrad, ',', '.') AS DOUBLE) AS gv_lat,
               CAST(verstaedterungschluessel AS INTEGER) AS degurba
        FROM read_csv(?, all_varchar = true, header = true, delim = ',', quote = '"')
        WHERE satzart = '60' AND land = '14'
        """,
        [str(raw / GV_FILE)],
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE stg_plz_de AS
        SELECT DISTINCT lpad(plz, 5, '0') AS postal_code, lpad(ags, 8, '0') AS ags,
               ort AS place
        FROM read_csv(?, all_varchar = true, header = true, delim = ',', quote = '"')
        """,
        [str(raw / PLZ_FILE)],
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE stg_plz AS
        SELECT * FROM stg_plz_de WHERE ags LIKE '14%';
        -- postal codes wholly outside Saxony mark an address as outside, not unknown
        CREATE OR REPLACE TEMP TABLE geo_plz_outside AS
        SELECT DISTINCT postal_code FROM stg_plz_de
        WHERE postal_code NOT IN (SELECT postal_code FROM stg_plz);
        """
    )


def read_seats(path: Path = SEATS_FILE) -> list[tuple[str, str]]:
    """(district_ars, seat ags) of each Landkreis from the seats table."""
    with path.open(encoding="utf-8", newline="") as fh:
        return [(row["district_ars"], row["ags"]) for row in csv.DictReader(fh)]


def stage_seats(con: duckdb.DuckDBPyConnection) -> None:
    """Stage the Kreissitze as ``stg_seats(district_ars, ags)``."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE stg_seats (district_ars VARCHAR, ags VARCHAR)"
    )
    con.executemany("INSERT INTO stg_seats VALUES (?, ?)", read_seats())


def build_reference(con: duckdb.DuckDBPyConnection, raw: Path) -> ReferenceReport:
    """Create ``municipalities``, ``districts``, ``postal_codes``, ``context_areas``."""
    zip_path = raw / BOUNDARIES_FILE
    stage_boundaries(con, zip_path)
    stage_statistics(con, raw)
    stage_seats(con)
    con.execute(
        """
        CREATE OR REPLACE TABLE municipalities AS
        SELECT g.ags, g.ars, g.name, g.bez, substr(g.ars, 1, 5) AS district_ars,
               -- Zensus 2022; GV-ISys 2019 only where the census has no such key
               coalesce(z.population, gv.population_2019) AS population,
               CASE WHEN z.population IS NOT NULL THEN 'Zensus 2022'
                    WHEN gv.population_2019 IS NOT NULL THEN 'GV-ISys 2019' END
                   AS population_source,
               gv.population_2019,
               round(coalesce(gv.area_km2, g.area_geom_km2), 2) AS area_km2,
               round(coalesce(z.population, gv.population_2019)
                     / coalesce(gv.area_km2, g.area_geom_km2), 1) AS density,
               gv.degurba, l.label AS degurba_label, gv.main_postal_code,
               g.centroid_lon, g.centroid_lat, g.cx AS centroid_x, g.cy AS centroid_y,
               ST_GeomFromWKB(g.wkb) AS geom,
               ST_GeomFromWKB(g.web_wkb) AS geom_web
        FROM stg_gem g
        LEFT JOIN stg_zensus z USING (ags)
        LEFT JOIN stg_gv gv USING (ags)
        LEFT JOIN (SELECT unnest(?::INTEGER[]) AS code, unnest(?::VARCHAR[]) AS label)
            AS l ON l.code = gv.degurba
        ORDER BY g.ags
        """,
        [list(DEGURBA_LABELS), list(DEGURBA_LABELS.values())],
    )
    con.execute(
        """
        CREATE OR REPLACE TABLE districts AS
        SELECT k.ars, k.name,
               CASE WHEN k.bez = 'Kreisfreie Stadt' THEN 'Kreisfreie Stadt'
                    ELSE 'Landkreis' END AS kind,
               s.ags AS seat_ags,  -- NULL if this boundary edition lacks it
               m.population, round(m.area_km2, 2) AS area_km2,
               round(m.population / m.area_km2, 1) AS density,
               ST_GeomFromWKB(k.wkb) AS geom, ST_GeomFromWKB(k.web_wkb) AS geom_web
        FROM stg_krs k
        LEFT JOIN (SELECT district_ars, sum(population) AS population,
                          sum(area_km2) AS area_km2
                   FROM municipalities GROUP BY district_ars) m
          ON m.district_ars = k.ars
        LEFT JOIN (SELECT district_ars, ags FROM stg_seats
                   UNION ALL  -- a Kreisfreie Stadt is its own seat
                   SELECT ars, ars || '000' FROM stg_krs
                   WHERE bez = 'Kreisfreie Stadt') s
          ON s.district_ars = k.ars AND s.ags IN (SELECT ags FROM municipalities)
        ORDER BY k.ars
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TABLE postal_codes AS
        SELECT p.postal_code, p.ags, p.place, m.name AS municipality, m.district_ars
        FROM stg_plz p JOIN municipalities m USING (ags)
        ORDER BY p.postal_code, p.ags
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TABLE context_areas AS
        SELECT 'land' AS kind, ars AS key, name, ST_GeomFromWKB(wkb) AS geom_web
        FROM stg_lan
        UNION ALL
        SELECT 'saxony', '14', 'Sachsen', ST_Union_Agg(geom_web) FROM districts
        """
    )
    return _report(con, zip_path)


def _report(con: duckdb.DuckDBPyConnection, zip_path: Path) -> ReferenceReport:
    """Count rows and list keys that do not join across the sources."""

    def keys(sql: str) -> list[str]:
        return [r[0] for r in con.execute(sql).fetchall()]

    report = ReferenceReport(boundary_file=zip_path.name)
    report.municipalities = con.execute(
        "SELECT count(*) FROM municipalities"
    ).fetchone()[0]
    report.districts = con.execute("SELECT count(*) FROM districts").fetchone()[0]
    checks = {
        "boundaries_without_zensus": "SELECT ags FROM municipalities "
        "WHERE population_source IS DISTINCT FROM 'Zensus 2022'",
        "boundaries_without_gv": "SELECT ags FROM municipalities WHERE degurba IS NULL",
        "zensus_without_boundary": "SELECT ags FROM stg_zensus "
        "WHERE ags NOT IN (SELECT ags FROM municipalities)",
        "gv_without_boundary": "SELECT ags FROM stg_gv "
        "WHERE ags NOT IN (SELECT ags FROM municipalities)",
        "postal_codes_without_boundary": "SELECT DISTINCT ags FROM stg_plz "
        "WHERE ags NOT IN (SELECT ags FROM municipalities)",
        "district_seats_without_boundary": "SELECT ags FROM stg_seats "
        "WHERE ags NOT IN (SELECT ags FROM municipalities)",
    }
    for name, sql in checks.items():
        found = keys(sql + " ORDER BY 1")
        if found:
            report.unmatched[name] = found
    return report
