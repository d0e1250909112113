"""Set-based geocoding cascade: coordinates → AGS → postal code + place → name.

:func:`geocode` reads a validated relation named by the caller (one row per input
row, ``rid`` unique) and writes a located relation, also named by the caller,
with the municipality found, the method and the reject reason when no rule
works. Its intermediate steps are tables prefixed with the target's name and
dropped at the end. Points are matched to municipalities with DuckDB spatial's
point-in-polygon join.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import shapely

from geo.subdivide import grid_pieces

#: Lookup relations created by :func:`prepare_lookup`.
PIECES, NAME_KEYS, DISTRICT_KEYS = "geo_mun_wgs", "geo_mun_keys", "geo_district_keys"
#: Reference relations the cascade reads (built by :mod:`etl.reference`).
REFERENCE = {
    "municipalities": "municipalities",
    "postal_codes": "postal_codes",
    "plz_outside": "geo_plz_outside",
}
_STEPS = (
    "ok",
    "hit_direct",
    "hit_swapped",
    "hit_ags",
    "plz_cand",
    "hit_plz",
    "name_cand",
    "hit_name",
)
# Loose lon/lat box around Saxony: only points inside it go into the polygon join.
_BOX = "BETWEEN 11.7 AND 15.2", "BETWEEN 50.0 AND 51.8"
_CELL_DEG = 0.05


def prepare_lookup(con: duckdb.DuckDBPyConnection) -> None:
    """Create lookups: municipality polygons in lon/lat (grid pieces) and name keys."""
    rows = con.execute(
        "SELECT ags, ST_AsWKB(ST_Transform(geom, 'EPSG:25833', 'EPSG:4326', "
        f"always_xy := true)) FROM {REFERENCE['municipalities']} ORDER BY ags"
    ).fetchall()
    ags = np.array([r[0] for r in rows], dtype=object)
    geoms = shapely.from_wkb([bytes(r[1]) for r in rows])
    # ~5 km cells: each piece has few vertices, so the point join runs faster;
    # the join uses ST_Intersects so points on a cell edge still match
    source, pieces = grid_pieces(geoms, _CELL_DEG)
    con.register(
        "geo_pieces_df",
        pd.DataFrame({"ags": ags[source], "wkb": shapely.to_wkb(pieces)}),
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {PIECES} AS
        SELECT ags, ST_GeomFromWKB(wkb) AS g FROM geo_pieces_df;
        CREATE OR REPLACE TEMP TABLE {NAME_KEYS} AS
        SELECT ags, district_ars, sinn_key(name) AS k1, sinn_key_plain(name) AS k2
        FROM {REFERENCE["municipalities"]};
        CREATE OR REPLACE TEMP TABLE {DISTRICT_KEYS} AS
        SELECT ars AS district_ars, ars AS k FROM districts
        UNION SELECT ars, sinn_district_key(name) FROM districts;
        """
    )
    con.unregister("geo_pieces_df")


def has_lookup(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the lookups of :func:`prepare_lookup` exist on ``con``."""
    found = con.execute(
        "SELECT count(*) FROM duckdb_tables() "
        "WHERE temporary AND table_name IN (?, ?, ?)",
        [PIECES, NAME_KEYS, DISTRICT_KEYS],
    ).fetchone()[0]
    return found == 3


def geocode(con: duckdb.DuckDBPyConnection, source: str, target: str) -> None:
    """Resolve a location for every valid row of relation ``source`` into ``target``.

    ``source`` needs ``rid``, ``reason`` (NULL when valid), ``c_lon``, ``c_lat``,
    ``ags``, ``postal_code``, ``city``, ``municipality`` and ``district``.
    """
    lon_box, lat_box = _BOX
    step = {name: f"{target}_{name}" for name in _STEPS}
    ref = REFERENCE
    con.execute(
        f"""
        -- a view: each step reads only the columns it needs, nothing is copied
        CREATE OR REPLACE TEMP VIEW {step["ok"]} AS
        SELECT rid, c_lon, c_lat, ags, postal_code, city, municipality, district
        FROM {source} WHERE reason IS NULL;

        CREATE OR REPLACE TEMP TABLE {step["hit_direct"]} AS
        SELECT o.rid, min(m.ags) AS ags
        FROM {step["ok"]} o
        JOIN {PIECES} m ON ST_Intersects(m.g, ST_Point(o.c_lon, o.c_lat))
        WHERE o.c_lon {lon_box} AND o.c_lat {lat_box}
        GROUP BY o.rid;

        CREATE OR REPLACE TEMP TABLE {step["hit_swapped"]} AS
        SELECT o.rid, min(m.ags) AS ags
        FROM (SELECT * FROM {step["ok"]} WHERE c_lat {lon_box} AND c_lon {lat_box}
              AND rid NOT IN (SELECT rid FROM {step["hit_direct"]})) o
        JOIN {PIECES} m ON ST_Intersects(m.g, ST_Point(o.c_lat, o.c_lon))
        GROUP BY o.rid;

        -- (rows without the field cannot match: the filters skip the key work)
        CREATE OR REPLACE TEMP TABLE {step["hit_ags"]} AS
        SELECT o.rid, m.ags FROM {step["ok"]} o
        JOIN {ref["municipalities"]} m ON m.ags = sinn_ags(o.ags)
        WHERE o.ags IS NOT NULL;

        CREATE OR REPLACE TEMP TABLE {step["plz_cand"]} AS
        SELECT o.rid, pc.ags,
               sinn_key(coalesce(o.city, o.municipality)) IN
                   (sinn_key(pc.place), sinn_key(pc.municipality))
               OR sinn_key_plain(coalesce(o.city, o.municipality)) IN
                   (sinn_key_plain(pc.place), sinn_key_plain(pc.municipality))
               AS matches
        FROM {step["ok"]} o
        JOIN {ref["postal_codes"]} pc ON pc.postal_code = sinn_plz(o.postal_code)
        WHERE o.postal_code IS NOT NULL
          AND pc.ags IN (SELECT ags FROM {ref["municipalities"]});

        CREATE OR REPLACE TEMP TABLE {step["hit_plz"]} AS
        SELECT rid, count(DISTINCT ags) AS n,
               CASE WHEN count(DISTINCT ags) = 1 THEN min(ags)
                    WHEN count(DISTINCT ags) FILTER (WHERE matches) = 1
                    THEN min(ags) FILTER (WHERE matches) END AS ags
        FROM {step["plz_cand"]} GROUP BY rid;

        -- a given district narrows a name shared by several municipalities
        CREATE OR REPLACE TEMP TABLE {step["name_cand"]} AS
        WITH named AS (
            SELECT rid, district, coalesce(municipality, city) AS place
            FROM {step["ok"]} WHERE coalesce(municipality, city) IS NOT NULL
        ), cand AS (
            SELECT o.rid, k.ags, k.district_ars, o.district FROM named o
            JOIN {NAME_KEYS} k ON k.k1 = sinn_key(o.place)
            UNION
            SELECT o.rid, k.ags, k.district_ars, o.district FROM named o
            JOIN {NAME_KEYS} k ON k.k2 = sinn_key_plain(o.place)
        ), flagged AS (
            SELECT c.rid, c.ags, d.k IS NOT NULL AS in_district
            FROM cand c LEFT JOIN {DISTRICT_KEYS} d
              ON d.district_ars = c.district_ars
             AND d.k IN (trim(c.district), sinn_district_key(c.district))
        )
        SELECT rid, ags FROM flagged
        QUALIFY in_district OR NOT bool_or(in_district) OVER (PARTITION BY rid);

        CREATE OR REPLACE TEMP TABLE {step["hit_name"]} AS
        SELECT rid, count(DISTINCT ags) AS n,
               CASE WHEN count(DISTINCT ags) = 1 THEN min(ags) END AS ags
        FROM {step["name_cand"]} GROUP BY rid;
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {target} AS
        SELECT o.rid,
            coalesce(d.ags, s.ags, a.ags, p.ags, n.ags) AS l_ags,
            CASE WHEN d.ags IS NOT NULL THEN 'coordinates'
                 WHEN s.ags IS NOT NULL THEN 'coordinates_swapped'
                 WHEN a.ags IS NOT NULL THEN 'ags'
                 WHEN p.ags IS NOT NULL THEN 'postal_code'
                 WHEN n.ags IS NOT NULL THEN 'municipality' END AS method,
            CASE WHEN d.ags IS NOT NULL THEN o.c_lon WHEN s.ags IS NOT NULL THEN o.c_lat
                 END AS p_lon,
            CASE WHEN d.ags IS NOT NULL THEN o.c_lat WHEN s.ags IS NOT NULL THEN o.c_lon
                 END AS p_lat,
            -- why a row stays unplaced: worked out only for those rows
            CASE WHEN coalesce(d.ags, s.ags, a.ags, p.ags, n.ags) IS NOT NULL
                THEN NULL
                WHEN p.n > 1 AND p.ags IS NULL THEN 'ambiguous_postal_code'
                WHEN n.n > 1 THEN 'ambiguous_municipality'
                WHEN o.c_lon IS NOT NULL
                  OR (sinn_ags(o.ags) IS NOT NULL AND sinn_ags(o.ags) NOT LIKE '14%')
                  OR sinn_plz(o.postal_code) IN
                     (SELECT postal_code FROM {ref["plz_outside"]})
                    THEN 'outside_saxony'
                ELSE 'no_location' END AS fail_reason,
            CASE WHEN coalesce(d.ags, s.ags, a.ags, p.ags, n.ags) IS NULL
            THEN concat_ws('; ',
                CASE WHEN o.c_lon IS NOT NULL
                     THEN 'coordinates ' || o.c_lat || ', ' || o.c_lon
                          || ' not in Saxony' END,
                CASE WHEN sinn_given(o.ags)
                     THEN 'AGS ' || left(o.ags, 20) || ' unknown' END,
                CASE WHEN p.n > 1 AND p.ags IS NULL
                     THEN 'postal code ' || left(o.postal_code, 10) || ' spans ' || p.n
                          || ' municipalities and the place does not decide' END,
                CASE WHEN sinn_given(o.postal_code) AND p.n IS NULL
                     THEN 'postal code ' || left(o.postal_code, 10)
                          || ' not in Saxony' END,
                CASE WHEN n.n > 1
                     THEN 'municipality name matches ' || n.n || ' municipalities'
                     WHEN sinn_given(coalesce(o.municipality, o.city)) AND n.n IS NULL
                     THEN 'place ' || left(coalesce(o.municipality, o.city), 60)
                          || ' unknown'
                     END,
                CASE WHEN NOT (sinn_given(o.ags) OR sinn_given(o.postal_code)
                     OR sinn_given(o.city) OR sinn_given(o.municipality)
                     OR o.c_lon IS NOT NULL) THEN 'no location given' END
            ) END AS fail_detail
        FROM {step["ok"]} o
        LEFT JOIN {step["hit_direct"]} d USING (rid)
        LEFT JOIN {step["hit_swapped"]} s USING (rid)
        LEFT JOIN {step["hit_ags"]} a USING (rid)
        LEFT JOIN {step["hit_plz"]} p USING (rid)
        LEFT JOIN {step["hit_name"]} n USING (rid)
        """
    )
    con.execute(
        "".join(
            f"DROP {'VIEW' if key == 'ok' else 'TABLE'} {name};"
            for key, name in step.items()
        )
    )
