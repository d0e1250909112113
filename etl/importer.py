"""Import initiative and event files: stage, validate, geocode, accept or reject.

Every input row ends in exactly one of ``initiatives``/``events`` or
``rejects``; all steps are SQL over whole tables so a million rows take seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from etl import geocode, ingest
from etl.schema import (
    EVENT_ALIASES,
    EVENT_TYPE_SYNONYMS,
    INITIATIVE_ALIASES,
    PARTNER_SYNONYMS,
    STAGE_SYNONYMS,
    THEME_SYNONYMS,
)

KINDS = {"initiative": "initiatives", "event": "events"}
_ALIASES = {"initiative": INITIATIVE_ALIASES, "event": EVENT_ALIASES}
_MAX_NAME, _MAX_TEXT = 500, 20_000

# Per kind: (problem check SQL producing a message or NULL, ...).
_COMMON_PROBLEMS = (
    "CASE WHEN sinn_given(lat) AND (sinn_coord(lat) IS NULL OR NOT isfinite(sinn_coord(lat)))"
    " THEN 'lat: not a number' END",
    "CASE WHEN sinn_given(lon) AND (sinn_coord(lon) IS NULL OR NOT isfinite(sinn_coord(lon)))"
    " THEN 'lon: not a number' END",
    "CASE WHEN sinn_given(lat) <> sinn_given(lon) THEN 'lat/lon: only one given' END",
    "CASE WHEN abs(sinn_coord(lat)) > 180 OR abs(sinn_coord(lon)) > 180"
    " THEN 'lat/lon: out of range' END",
    f"CASE WHEN length(name) > {_MAX_NAME} THEN 'name: longer than {_MAX_NAME} characters' END",
    f"CASE WHEN length(description) > {_MAX_TEXT} OR length(street) > {_MAX_NAME}"
    f" OR length(city) > {_MAX_NAME} OR length(municipality) > {_MAX_NAME}"
    f" OR length(url) > 2000 OR length(id) > 200"
    f" THEN 'text: value too long' END",
    "CASE WHEN sinn_bool(public) IS NULL THEN 'public: not a yes/no value' END",
)
_KIND_PROBLEMS = {
    "initiative": (
        "CASE WHEN sinn_given(start_year) AND coalesce(sinn_year(start_year) NOT BETWEEN"
        " 1900 AND 2100, TRUE) THEN 'start_year: not a year' END",
        "CASE WHEN sinn_given(funding_eur) AND (sinn_amount(funding_eur) IS NULL OR NOT"
        " isfinite(sinn_amount(funding_eur)) OR sinn_amount(funding_eur) < 0)"
        " THEN 'funding_eur: not an amount' END",
    ),
    "event": (
        "CASE WHEN sinn_given(date) AND coalesce(year(sinn_date(date)) NOT BETWEEN"
        " 1900 AND 2100, TRUE) THEN 'date: not a date' END",
        "CASE WHEN sinn_given(participants) AND sinn_int(participants) IS NULL"
        " THEN 'participants: not a whole number' END",
    ),
}
_COMMON_OUT = """
    v.c_id AS id, v.c_name AS name, {specific}
    sinn_text(v.street) AS street, sinn_text(v.postal_code) AS postal_code,
    sinn_text(v.city) AS city, m.ags, m.district_ars,
    coalesce(l.p_lon, m.centroid_lon) AS lon, coalesce(l.p_lat, m.centroid_lat) AS lat,
    CASE WHEN l.p_lon IS NULL THEN m.centroid_x ELSE ST_X(l.pt) END AS x,
    CASE WHEN l.p_lon IS NULL THEN m.centroid_y ELSE ST_Y(l.pt) END AS y,
    l.method AS geocode_method,
    CASE WHEN l.p_lon IS NULL THEN 'municipality' ELSE 'exact' END AS location_precision,
    l.method = 'coordinates_swapped' AS coords_repaired,
    sinn_url(v.url) AS url, sinn_text(v.description) AS description,
    sinn_text(v.contact_name) AS contact_name, sinn_text(v.contact_email) AS contact_email,
    sinn_text(v.contact_phone) AS contact_phone, sinn_bool(v.public) AS public,
    v.extra, v.is_demo, v.source_file, v.source_row
"""
_SPECIFIC_OUT = {
    "initiative": """
        sinn_text(v.organisation) AS organisation,
        coalesce(vp.term, 'other') AS partner, sinn_text(v.partner) AS partner_raw,
        coalesce(vt.term, 'Sonstiges') AS theme, sinn_text(v.theme) AS theme_raw,
        coalesce(vs.term, 'unbekannt') AS stage, sinn_year(v.start_year) AS start_year,
        sinn_amount(v.funding_eur) AS funding_eur,""",
    "event": """
        coalesce(ve.term, 'other') AS type, sinn_text(v.type) AS type_raw,
        sinn_date(v.date) AS date, sinn_int(v.participants) AS participants,
        coalesce(vp.term, 'other') AS partner, sinn_text(v.partner) AS partner_raw,
        coalesce(vt.term, 'Sonstiges') AS theme, sinn_text(v.theme) AS theme_raw,
        sinn_text(v.initiative_id) AS initiative_id,""",
}
_VOCAB_JOINS = {
    "initiative": "LEFT JOIN vocab vs ON vs.domain = 'stage' AND vs.key = lower(trim(v.stage))",
    "event": "LEFT JOIN vocab ve ON ve.domain = 'type' AND ve.key = lower(trim(v.type))",
}


@dataclass
class InputResult:
    """Rows read from one input file."""

    kind: str
    path: str
    rows: int
    error: str = ""


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Create staging tables and vocabularies on a connection with reference tables."""
    vocab = [
        (domain, key.lower(), term)
        for domain, mapping in (
            ("theme", THEME_SYNONYMS),
            ("partner", PARTNER_SYNONYMS),
            ("stage", STAGE_SYNONYMS),
            ("type", EVENT_TYPE_SYNONYMS),
        )
        for key, term in {**mapping, **{t.lower(): t for t in mapping.values()}}.items()
    ]
    con.register("vocab_df", pd.DataFrame(vocab, columns=["domain", "key", "term"]))
    con.execute("CREATE OR REPLACE TEMP TABLE vocab AS SELECT DISTINCT * FROM vocab_df")
    con.unregister("vocab_df")
    for kind, aliases in _ALIASES.items():
        columns = ", ".join(f"{c} VARCHAR" for c in aliases)
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE stg_{kind} (rid BIGINT, source_file VARCHAR, "
            f"source_row BIGINT, is_demo BOOLEAN, {columns}, extra VARCHAR, raw VARCHAR)"
        )
    geocode.prepare_lookup(con)


def stage_file(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    path: Path,
    file_order: int,
    is_demo: bool,
    workdir: Path,
) -> InputResult:
    """Append one file's rows to ``stg_<kind>``; return how many rows it had."""
    view = ingest.read_input(con, path, workdir)
    select = ingest.canonical_select(con, view, _ALIASES[kind])
    con.execute(
        f"""
        INSERT INTO stg_{kind}
        SELECT CAST(? AS BIGINT) * 10000000000 + source_row, ?, source_row, ?, * EXCLUDE (source_row)
        FROM (SELECT row_number() OVER () AS source_row, {select} FROM {view})
        """,
        [file_order, path.name, is_demo],
    )
    rows = con.execute(f"SELECT count(*) FROM {view}").fetchone()[0]
    return InputResult(kind, str(path), rows)


def process(con: duckdb.DuckDBPyConnection, kind: str) -> None:
    """Validate and geocode ``stg_<kind>``; insert accepted rows and rejects."""
    problems = ", ".join(_COMMON_PROBLEMS + _KIND_PROBLEMS[kind])
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE val AS
        WITH parsed AS (
            SELECT s.*, sinn_text(s.name) AS c_name,
                coalesce(sinn_text(s.id),
                         regexp_replace(s.source_file, '\\.[^.]*$', '') || '-' || s.source_row)
                    AS c_id,
                list_filter([{problems}], x -> x IS NOT NULL) AS problems
            FROM stg_{kind} s
        ), ranked AS (
            SELECT *, CASE WHEN c_name IS NOT NULL AND len(problems) = 0
                THEN row_number() OVER (PARTITION BY c_id ORDER BY rid) END AS id_rank
            FROM parsed
        )
        SELECT *,
            CASE WHEN len(problems) = 0 AND c_name IS NOT NULL AND id_rank = 1
                THEN sinn_coord(lon) END AS c_lon,
            CASE WHEN len(problems) = 0 AND c_name IS NOT NULL AND id_rank = 1
                THEN sinn_coord(lat) END AS c_lat,
            CASE WHEN c_name IS NULL THEN 'missing_name'
                 WHEN len(problems) > 0 THEN 'unparseable_value'
                 WHEN id_rank > 1 THEN 'duplicate_id' END AS reason,
            CASE WHEN c_name IS NULL THEN 'name is empty'
                 WHEN len(problems) > 0 THEN array_to_string(problems, '; ')
                 WHEN id_rank > 1 THEN 'id ' || left(c_id, 60) || ' already imported' END
                AS detail
        FROM ranked
        """
    )
    geocode.geocode(con, "val")
    specific = _SPECIFIC_OUT[kind]
    con.execute(
        f"""
        INSERT INTO {KINDS[kind]} BY NAME
        SELECT {_COMMON_OUT.format(specific=specific)}
        FROM val v
        JOIN (SELECT *, CASE WHEN p_lon IS NOT NULL THEN ST_Transform(ST_Point(p_lon, p_lat),
                'EPSG:4326', 'EPSG:25833', always_xy := true) END AS pt FROM loc) l USING (rid)
        JOIN municipalities m ON m.ags = l.l_ags
        LEFT JOIN vocab vt ON vt.domain = 'theme' AND vt.key = lower(trim(v.theme))
        LEFT JOIN vocab vp ON vp.domain = 'partner' AND vp.key = lower(trim(v.partner))
        {_VOCAB_JOINS[kind]}
        ORDER BY v.rid
        """
    )
    con.execute(
        """
        INSERT INTO rejects
        SELECT ?, v.source_file, v.source_row,
               coalesce(v.reason, l.fail_reason), coalesce(v.detail, l.fail_detail), v.raw
        FROM val v LEFT JOIN loc l USING (rid)
        WHERE v.reason IS NOT NULL OR l.l_ags IS NULL
        ORDER BY v.rid
        """,
        [kind],
    )
