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

# Values parsed once per row (p_*), shared by the checks and the output.
_PARSED = {
    "p_lat": "sinn_coord(lat)", "p_lon": "sinn_coord(lon)", "p_public": "sinn_bool(public)",
}  # fmt: skip
_KIND_PARSED = {
    "initiative": {
        "p_year": "sinn_year(start_year)",
        "p_amount": "sinn_amount(funding_eur)",
    },
    "event": {"p_date": "sinn_date(date)", "p_participants": "sinn_int(participants)"},
}
# Checks over raw (text) and parsed values: (message when true, condition).
_COMMON_PROBLEMS = (
    ("lat: not a number", "sinn_given(lat) AND NOT isfinite(coalesce(p_lat, 'nan'))"),
    ("lon: not a number", "sinn_given(lon) AND NOT isfinite(coalesce(p_lon, 'nan'))"),
    ("lat/lon: only one given", "sinn_given(lat) <> sinn_given(lon)"),
    ("lat/lon: out of range", "abs(p_lat) > 180 OR abs(p_lon) > 180"),
    (f"name: longer than {_MAX_NAME} characters", f"length(name) > {_MAX_NAME}"),
    ("text: value too long",
     f"length(description) > {_MAX_TEXT} OR length(street) > {_MAX_NAME} "
     f"OR length(city) > {_MAX_NAME} OR length(municipality) > {_MAX_NAME} "
     "OR length(url) > 2000 OR length(id) > 200"),
    ("public: not a yes/no value", "p_public IS NULL"),
)  # fmt: skip
_KIND_PROBLEMS = {
    "initiative": (
        ("start_year: not a year",
         "sinn_given(start_year) AND coalesce(p_year NOT BETWEEN 1900 AND 2100, TRUE)"),
        ("funding_eur: not an amount",
         "sinn_given(funding_eur) AND (NOT isfinite(coalesce(p_amount, 'nan')) "
         "OR p_amount < 0)"),
    ),
    "event": (
        ("date: not a date",
         "sinn_given(date) AND coalesce(year(p_date) NOT BETWEEN 1900 AND 2100, TRUE)"),
        ("participants: not a whole number",
         "sinn_given(participants) AND p_participants IS NULL"),
    ),
}  # fmt: skip
_COMMON_OUT = """
    v.c_id AS id, v.c_name AS name, {specific}
    sinn_text(s.street) AS street, sinn_text(s.postal_code) AS postal_code,
    sinn_text(s.city) AS city, m.ags, m.district_ars,
    coalesce(l.p_lon, m.centroid_lon) AS lon, coalesce(l.p_lat, m.centroid_lat) AS lat,
    CASE WHEN l.p_lon IS NULL THEN m.centroid_x ELSE ST_X(l.pt) END AS x,
    CASE WHEN l.p_lon IS NULL THEN m.centroid_y ELSE ST_Y(l.pt) END AS y,
    l.method AS geocode_method,
    CASE WHEN l.p_lon IS NULL THEN 'municipality' ELSE 'exact' END AS location_precision,
    l.method = 'coordinates_swapped' AS coords_repaired,
    sinn_url(s.url) AS url, sinn_text(s.description) AS description,
    sinn_text(s.contact_name) AS contact_name, sinn_text(s.contact_email) AS contact_email,
    sinn_text(s.contact_phone) AS contact_phone, v.p_public AS public,
    s.extra, s.is_demo, s.source_file, s.source_row
"""
_SPECIFIC_OUT = {
    "initiative": """
        sinn_text(s.organisation) AS organisation,
        coalesce(vp.term, 'other') AS partner, sinn_text(s.partner) AS partner_raw,
        coalesce(vt.term, 'Sonstiges') AS theme, sinn_text(s.theme) AS theme_raw,
        coalesce(vs.term, 'unbekannt') AS stage, v.p_year AS start_year,
        v.p_amount AS funding_eur,""",
    "event": """
        coalesce(ve.term, 'other') AS type, sinn_text(s.type) AS type_raw,
        v.p_date AS date, v.p_participants AS participants,
        coalesce(vp.term, 'other') AS partner, sinn_text(s.partner) AS partner_raw,
        coalesce(vt.term, 'Sonstiges') AS theme, sinn_text(s.theme) AS theme_raw,
        sinn_text(s.initiative_id) AS initiative_id,""",
}
_KIND_PARSED_RAW = {
    "initiative": ("start_year", "funding_eur"),
    "event": ("date", "participants"),
}
_VOCAB_JOINS = {
    "initiative": "LEFT JOIN vocab vs ON vs.domain = 'stage' AND vs.key = lower(trim(s.stage))",
    "event": "LEFT JOIN vocab ve ON ve.domain = 'type' AND ve.key = lower(trim(s.type))",
}


@dataclass
class InputResult:
    """One staged input file: its rows and how to read them back."""

    kind: str
    path: str
    rows: int
    order: int
    table: str
    select: str
    raw: str


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
    con.execute(
        "CREATE OR REPLACE TEMP TABLE stg_files "
        "(file_order INTEGER, source_file VARCHAR, is_demo BOOLEAN)"
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
    """Read one file into a source table; nothing is copied until validation."""
    table = ingest.read_input(con, path, workdir, _ALIASES[kind])
    select, raw = ingest.canonical_select(con, table, _ALIASES[kind])
    con.execute(
        "INSERT INTO stg_files VALUES (?, ?, ?)", [file_order, path.name, is_demo]
    )
    # Rows the reader could not parse go to rejects now; they still count as read.
    unparsed = ingest.store_rejects(con, table, kind, path.name)
    rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] + unparsed
    return InputResult(kind, str(path), rows, int(file_order), table, select, raw)


def _rid(order: int) -> str:
    """SQL for the run-wide row id of a source table row (file order, row number)."""
    return f"CAST({int(order)} AS BIGINT) * 10000000000 + s.{ingest.ROW}"


def _file(order: int) -> str:
    """SQL subquery for one file's metadata row."""
    return f"(SELECT * FROM stg_files WHERE file_order = {int(order)}) f"


def stage_view(
    con: duckdb.DuckDBPyConnection, kind: str, staged: list[InputResult]
) -> None:
    """Create view ``stg_<kind>``: every staged file of ``kind`` in canonical columns."""
    parts = [
        f"SELECT {_rid(r.order)} AS rid, f.source_file, s.{ingest.ROW} AS source_row, "
        f"f.is_demo, {r.select} FROM {r.table} s, {_file(r.order)}"
        for r in staged
        if r.kind == kind
    ]
    if not parts:
        columns = ", ".join(f"NULL::VARCHAR AS {c}" for c in _ALIASES[kind])
        parts = [
            "SELECT NULL::BIGINT AS rid, NULL::VARCHAR AS source_file, "
            f"NULL::BIGINT AS source_row, NULL::BOOLEAN AS is_demo, {columns}, "
            "NULL::VARCHAR AS extra LIMIT 0"
        ]
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW stg_{kind} AS {' UNION ALL '.join(parts)}"
    )


def process(
    con: duckdb.DuckDBPyConnection, kind: str, staged: list[InputResult]
) -> None:
    """Validate and geocode ``stg_<kind>``; insert accepted rows and rejects."""
    parsed = {**_PARSED, **_KIND_PARSED[kind]}
    parse_sql = ", ".join(f"{expr} AS {name}" for name, expr in parsed.items())
    checks = _COMMON_PROBLEMS + _KIND_PROBLEMS[kind]
    any_problem = " OR ".join(f"coalesce({cond}, FALSE)" for _, cond in checks)
    messages = ", ".join(f"CASE WHEN {cond} THEN '{msg}' END" for msg, cond in checks)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE val AS
        WITH parsed AS (
            SELECT rid, source_file, source_row, name, id, lat, lon, ags, postal_code,
                   city, municipality, description, street, url, public,
                   {", ".join(_KIND_PARSED_RAW[kind])}, {parse_sql}
            FROM stg_{kind}
        ), checked AS (
            SELECT rid, {", ".join(parsed)}, ags, postal_code, city, municipality,
                sinn_text(name) AS c_name,
                coalesce(sinn_text(id),
                         regexp_replace(source_file, '\\.[^.]*$', '') || '-' || source_row)
                    AS c_id,
                {any_problem} AS bad,
                CASE WHEN {any_problem} THEN concat_ws('; ', {messages}) END AS problems
            FROM parsed
        ), ranked AS (
            SELECT *, CASE WHEN c_name IS NOT NULL AND NOT bad
                THEN row_number() OVER (PARTITION BY c_id ORDER BY rid) END AS id_rank
            FROM checked
        )
        SELECT * EXCLUDE (bad, problems, p_lat, p_lon),
            CASE WHEN id_rank = 1 THEN p_lon END AS c_lon,
            CASE WHEN id_rank = 1 THEN p_lat END AS c_lat,
            CASE WHEN c_name IS NULL THEN 'missing_name'
                 WHEN bad THEN 'unparseable_value'
                 WHEN id_rank > 1 THEN 'duplicate_id' END AS reason,
            CASE WHEN c_name IS NULL THEN 'name is empty'
                 WHEN bad THEN problems
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
                'EPSG:4326', 'EPSG:25833', always_xy := true) END AS pt
              FROM loc WHERE l_ags IS NOT NULL) l USING (rid)
        JOIN stg_{kind} s USING (rid)
        JOIN municipalities m ON m.ags = l.l_ags
        LEFT JOIN vocab vt ON vt.domain = 'theme' AND vt.key = lower(trim(s.theme))
        LEFT JOIN vocab vp ON vp.domain = 'partner' AND vp.key = lower(trim(s.partner))
        {_VOCAB_JOINS[kind]}
        """
    )
    for r in (r for r in staged if r.kind == kind):
        con.execute(
            f"""
            INSERT INTO rejects
            SELECT ?, f.source_file, s.{ingest.ROW},
                   coalesce(v.reason, l.fail_reason), coalesce(v.detail, l.fail_detail),
                   {r.raw}
            FROM val v LEFT JOIN loc l USING (rid)
            JOIN {r.table} s ON v.rid = {_rid(r.order)}, {_file(r.order)}
            WHERE v.reason IS NOT NULL OR l.l_ags IS NULL
            """,
            [kind],
        )
        con.execute(f"DROP TABLE {r.table}")
    con.execute(f"DROP TABLE val; DROP TABLE loc; DROP VIEW stg_{kind}")
