"""Import initiative and event files: stage, validate, geocode, accept or reject.

Every input row ends in exactly one of ``initiatives``/``events`` or
``rejects``; all steps are SQL over whole tables so a million rows take seconds.
Each step reads and writes relations it names (dbt-style):

    source table per file (etl.ingest) → stg_<kind> (parsed and checked)
    → int_<kind>_located (etl.geocode) → initiatives / events + rejects

``stg_<kind>`` keeps one narrow row per input row: what the checks, the
geocoder and the outcome need. The text columns of the output (and the raw
values of a rejected row) are read from the file's source table once, when its
rows are written out, so no wide copy of the input is materialised in between.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from etl import geocode, ingest
from etl.headers import ALIASES as _ALIASES
from etl.headers import ALL_ALIASES, ColumnMap, HeaderMap, check_headers, map_headers
from etl.readers.base import drop_source
from etl.schema import (
    EVENT_TYPE_SYNONYMS,
    PARTNER_SYNONYMS,
    STAGE_SYNONYMS,
    THEME_SYNONYMS,
)

KINDS = {"initiative": "initiatives", "event": "events"}
_MAX_NAME, _MAX_TEXT = 500, 20_000

# Values parsed once per row (p_*), shared by the checks and the output.
_PARSED = {
    "p_lat": "sinn_coord(lat)",
    "p_lon": "sinn_coord(lon)",
    "p_public": "sinn_public(public, public_if_empty)",
}
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
    (
        "text: value too long",
        f"length(description) > {_MAX_TEXT} OR length(street) > {_MAX_NAME} "
        f"OR length(city) > {_MAX_NAME} OR length(municipality) > {_MAX_NAME} "
        "OR length(url) > 2000 OR length(id) > 200",
    ),
    (
        "public: not a yes/no value (ja/nein, yes/no, true/false, 1/0, x, "
        "öffentlich/intern)",
        "p_public IS NULL",
    ),
)
_KIND_PROBLEMS = {
    "initiative": (
        (
            "start_year: not a year",
            "sinn_given(start_year) "
            "AND coalesce(p_year NOT BETWEEN 1900 AND 2100, TRUE)",
        ),
        (
            "funding_eur: not an amount",
            "sinn_given(funding_eur) AND (NOT isfinite(coalesce(p_amount, 'nan')) "
            "OR p_amount < 0)",
        ),
    ),
    "event": (
        (
            "date: not a date",
            "sinn_given(date) "
            "AND coalesce(year(p_date) NOT BETWEEN 1900 AND 2100, TRUE)",
        ),
        (
            "participants: not a whole number",
            "sinn_given(participants) AND p_participants IS NULL",
        ),
    ),
}
# Output columns of the accepted rows: v = validated, l = located, s = staged.
_LOCATION_OUT = """
    sinn_text(s.street) AS street, sinn_text(s.postal_code) AS postal_code,
    sinn_text(s.city) AS city, m.ags, m.district_ars,
    coalesce(l.p_lon, m.centroid_lon) AS lon, coalesce(l.p_lat, m.centroid_lat) AS lat,
    CASE WHEN l.p_lon IS NULL THEN m.centroid_x ELSE ST_X(l.pt) END AS x,
    CASE WHEN l.p_lon IS NULL THEN m.centroid_y ELSE ST_Y(l.pt) END AS y,
    l.method AS geocode_method,
    CASE WHEN l.p_lon IS NULL THEN 'municipality' ELSE 'exact' END
        AS location_precision,
    l.method = 'coordinates_swapped' AS coords_repaired,
    sinn_url(s.url) AS url, sinn_text(s.description) AS description,
    sinn_text(s.contact_name) AS contact_name,
    sinn_text(s.contact_email) AS contact_email,
    sinn_text(s.contact_phone) AS contact_phone, v.p_public AS public,
    s.extra, s.is_demo, s.source_file, s.source_row
"""
_SPECIFIC_OUT = {
    "initiative": """
        v.c_id AS id, v.c_name AS name, sinn_text(s.organisation) AS organisation,
        coalesce(vp.term, 'other') AS partner, sinn_text(s.partner) AS partner_raw,
        coalesce(vt.term, 'Sonstiges') AS theme, sinn_text(s.theme) AS theme_raw,
        coalesce(vs.term, 'unbekannt') AS stage, v.p_year AS start_year,
        v.p_amount AS funding_eur,""",
    "event": """
        v.c_id AS id, v.c_name AS name,
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
    "initiative": "LEFT JOIN vocab vs "
    "ON vs.domain = 'stage' AND vs.key = lower(trim(s.stage))",
    "event": "LEFT JOIN vocab ve "
    "ON ve.domain = 'type' AND ve.key = lower(trim(s.type))",
}
#: Row ids are unique over the run: file order * _RID_BASE + row number.
_RID_BASE = 10_000_000_000
# Columns of stg_<kind> besides the parsed values of the kind (_KIND_PARSED).
_STAGED = (
    "rid BIGINT, file_order INTEGER, source_row BIGINT, ags VARCHAR, "
    "postal_code VARCHAR, city VARCHAR, municipality VARCHAR, district VARCHAR, "
    "p_public BOOLEAN, c_name VARCHAR, c_id VARCHAR, c_lon DOUBLE, c_lat DOUBLE, "
    "reason VARCHAR, detail VARCHAR"
)
_KIND_STAGED = {
    "initiative": "p_year BIGINT, p_amount DOUBLE",
    "event": "p_date DATE, p_participants INTEGER",
}


@dataclass
class InputResult:
    """One staged input file: its rows, its header map and its source table."""

    kind: str
    path: str
    rows: int
    order: int
    table: str
    mapping: HeaderMap
    visibility: str | None
    rejected: int = 0
    is_demo: bool = False

    @property
    def accepted(self) -> int:
        """Rows of this file that were imported."""
        return self.rows - self.rejected


def staged_relation(kind: str) -> str:
    """Name of the staging table of ``kind`` (parsed and checked rows)."""
    return f"stg_{kind}"


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
    for kind in _ALIASES:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {staged_relation(kind)} "
            f"({_STAGED}, {_KIND_STAGED[kind]})"
        )
    if not geocode.has_lookup(con):  # the reference cache may have brought it
        geocode.prepare_lookup(con)


@dataclass(frozen=True)
class _Source:
    """A source table's headers, positional alias list and column references.

    File headers never enter SQL text: columns are renamed ``c0``, ``c1``, … by
    position and the header names travel as bound parameters (JSON keys).
    """

    headers: list[str]
    alias: str
    refs: dict[str, str]


def _source(con: duckdb.DuckDBPyConnection, table: str) -> _Source:
    """Describe source table ``table`` by position."""
    names = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
    own = ["src_row" if n == ingest.ROW else f"c{i}" for i, n in enumerate(names)]
    refs = {
        n: f"CAST(s.{o} AS VARCHAR)"
        for n, o in zip(names, own, strict=True)
        if n != ingest.ROW
    }
    return _Source(list(refs), ", ".join(own), refs)


def _json_of(refs: dict[str, str], headers: list[str]) -> tuple[str, list[str]]:
    """SQL building a JSON object of ``headers`` (keys bound as parameters)."""
    if not headers:
        return "NULL::VARCHAR", []
    pairs = ", ".join(f"?, {refs[h]}" for h in headers)
    return f"CAST(json_object({pairs}) AS VARCHAR)", list(headers)


def _canonical(con: duckdb.DuckDBPyConnection, result: InputResult) -> tuple[str, list]:
    """SELECT of a file's source table under the canonical names, and its parameters.

    Fields the file lacks are NULL; unknown headers go to ``extra`` (JSON).
    """
    src = _source(con, result.table)
    mapped = result.mapping.fields
    fields = ", ".join(
        f"{src.refs[mapped[name]] if name in mapped else 'NULL::VARCHAR'} AS {name}"
        for name in _ALIASES[result.kind]
    )
    extra_sql, extra_keys = _json_of(src.refs, result.mapping.extra)
    sql = (
        "SELECT s.src_row AS source_row, ?::VARCHAR AS source_file, "
        f"?::BOOLEAN AS is_demo, {fields}, {extra_sql} AS extra "
        f"FROM {result.table} AS s({src.alias})"
    )
    return sql, [Path(result.path).name, result.is_demo, *extra_keys]


def read_source(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    workdir: Path,
    sheet: str | None,
    kind: str | None = None,
) -> str:
    """Read one input file into a source table (see :func:`etl.ingest.read_input`).

    Without ``kind`` the reader looks for headers of any kind.
    """
    aliases = _ALIASES[kind] if kind else ALL_ALIASES
    return ingest.read_input(con, path, workdir, aliases, sheet=sheet)


def source_headers(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """The headers of a source table as found in the file."""
    return _source(con, table).headers


def stage_file(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    path: Path,
    file_order: int,
    is_demo: bool,
    workdir: Path,
    columns: ColumnMap | None = None,
    sheet: str | None = None,
) -> InputResult:
    """Read one file, map its headers (or refuse it) and append it to ``stg_<kind>``."""
    table = read_source(con, path, workdir, sheet, kind)
    return stage_table(con, kind, path, table, file_order, is_demo, columns)


def stage_table(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    path: Path,
    table: str,
    file_order: int,
    is_demo: bool,
    columns: ColumnMap | None = None,
) -> InputResult:
    """Map a source table's headers (or refuse the file); parse and check its rows."""
    src = _source(con, table)
    mapping = map_headers(src.headers, kind, columns)
    # Rows the reader could not parse go to rejects now; they still count as read.
    unparsed = ingest.store_rejects(con, table, kind, path.name)
    rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] + unparsed
    if src.headers or rows:
        check_headers(mapping, kind, path.name, columns)
    visibility = mapping.fields.get("public")
    checkbox = False
    if visibility is not None:
        checkbox = con.execute(
            f"SELECT coalesce(bool_or(sinn_checkmark({src.refs[visibility]})), FALSE) "
            f"FROM {table} AS s({src.alias})"
        ).fetchone()[0]
    result = InputResult(
        kind,
        str(path),
        rows,
        int(file_order),
        table,
        mapping,
        visibility,
        unparsed,
        is_demo=is_demo,
    )
    _stage(con, result, public_if_empty=not checkbox)
    return result


def _stage(
    con: duckdb.DuckDBPyConnection, result: InputResult, public_if_empty: bool
) -> None:
    """Parse and check every row of one file into ``stg_<kind>``."""
    kind = result.kind
    parsed = {**_PARSED, **_KIND_PARSED[kind]}
    parse_sql = ", ".join(f"{expr} AS {name}" for name, expr in parsed.items())
    checks = _COMMON_PROBLEMS + _KIND_PROBLEMS[kind]
    any_problem = " OR ".join(f"coalesce({cond}, FALSE)" for _, cond in checks)
    messages = ", ".join(f"CASE WHEN {cond} THEN '{msg}' END" for msg, cond in checks)
    canonical, params = _canonical(con, result)
    con.execute(
        f"""
        INSERT INTO {staged_relation(kind)} BY NAME
        WITH parsed AS (
            SELECT CAST(? AS BIGINT) * {_RID_BASE} + source_row AS rid,
                   source_file, source_row, name, id, lat, lon, ags, postal_code,
                   city, municipality, district, description, street, url, public,
                   {"TRUE" if public_if_empty else "FALSE"} AS public_if_empty,
                   {", ".join(_KIND_PARSED_RAW[kind])}, {parse_sql}
            FROM ({canonical}) AS s
        ), checked AS (
            SELECT rid, source_row, {", ".join(parsed)}, ags, postal_code, city,
                municipality, district, sinn_text(name) AS c_name,
                coalesce(sinn_text(id),
                         regexp_replace(source_file, '\\.[^.]*$', '')
                         || '-' || source_row)
                    AS c_id,
                {any_problem} AS bad,
                CASE WHEN {any_problem} THEN concat_ws('; ', {messages}) END AS problems
            FROM parsed
        )
        SELECT * EXCLUDE (bad, problems, p_lat, p_lon), ? AS file_order,
            CASE WHEN c_name IS NOT NULL AND NOT bad THEN p_lon END AS c_lon,
            CASE WHEN c_name IS NOT NULL AND NOT bad THEN p_lat END AS c_lat,
            CASE WHEN c_name IS NULL THEN 'missing_name'
                 WHEN bad THEN 'unparseable_value' END AS reason,
            CASE WHEN c_name IS NULL THEN 'name is empty'
                 WHEN bad THEN problems END AS detail
        FROM checked
        """,
        [result.order, *params, result.order],
    )


def _mark_duplicates(con: duckdb.DuckDBPyConnection, staged: str) -> None:
    """Reject later rows repeating the id of a valid row (over all files of a kind)."""
    # A hash aggregate finds the few repeated ids, so only their rows are ranked
    # (not a window over all rows).
    con.execute(
        f"""
        UPDATE {staged} SET reason = 'duplicate_id',
            detail = 'id ' || left(c_id, 60) || ' already imported',
            c_lon = NULL, c_lat = NULL
        WHERE rid IN (
            SELECT rid FROM {staged}
            WHERE reason IS NULL AND c_id IN (
                SELECT c_id FROM {staged} WHERE reason IS NULL
                GROUP BY c_id HAVING count(*) > 1)
            QUALIFY row_number() OVER (PARTITION BY c_id ORDER BY rid) > 1)
        """
    )


def _accept(con: duckdb.DuckDBPyConnection, result: InputResult, located: str) -> None:
    """Insert one file's valid, located rows into ``initiatives``/``events``."""
    kind = result.kind
    canonical, params = _canonical(con, result)
    # The source table streams through; the accepted rows' ids are the hash side.
    con.execute(
        f"""
        INSERT INTO {KINDS[kind]} BY NAME
        SELECT {_SPECIFIC_OUT[kind]} {_LOCATION_OUT}
        FROM ({canonical}) AS s
        JOIN {staged_relation(kind)} v
          ON v.source_row = s.source_row AND v.file_order = ?
        JOIN (SELECT *, CASE WHEN p_lon IS NOT NULL
                THEN ST_Transform(ST_Point(p_lon, p_lat),
                'EPSG:4326', 'EPSG:25833', always_xy := true) END AS pt
              FROM {located} WHERE l_ags IS NOT NULL) l USING (rid)
        JOIN municipalities m ON m.ags = l.l_ags
        LEFT JOIN vocab vt ON vt.domain = 'theme' AND vt.key = lower(trim(s.theme))
        LEFT JOIN vocab vp ON vp.domain = 'partner' AND vp.key = lower(trim(s.partner))
        {_VOCAB_JOINS[kind]}
        ORDER BY s.source_row
        """,
        [*params, result.order],
    )


def _reject(con: duckdb.DuckDBPyConnection, result: InputResult, located: str) -> int:
    """Insert one file's failed rows into ``rejects`` as read; return their count."""
    src = _source(con, result.table)
    raw_sql, raw_keys = _json_of(src.refs, src.headers)
    return con.execute(
        f"""
        INSERT INTO rejects
        SELECT ?, ?, v.source_row,
               coalesce(v.reason, l.fail_reason), coalesce(v.detail, l.fail_detail),
               coalesce({raw_sql}, '{{}}')
        FROM {staged_relation(result.kind)} v LEFT JOIN {located} l USING (rid)
        JOIN {result.table} AS s({src.alias}) ON s.src_row = v.source_row
        WHERE v.file_order = ? AND (v.reason IS NOT NULL OR l.l_ags IS NULL)
        """,
        [result.kind, Path(result.path).name, *raw_keys, result.order],
    ).fetchone()[0]


def process(
    con: duckdb.DuckDBPyConnection, kind: str, staged: list[InputResult]
) -> None:
    """Geocode ``stg_<kind>``; insert accepted rows and rejects file by file."""
    stg, located = staged_relation(kind), f"int_{kind}_located"
    _mark_duplicates(con, stg)
    geocode.geocode(con, stg, located)
    for result in (r for r in staged if r.kind == kind):
        result.rejected += _reject(con, result, located)
        _accept(con, result, located)
        # Dropped as soon as its rows are out: less is held in memory.
        drop_source(con, result.table)
    # An empty copy replaces the staging table: a DELETE would keep its memory
    # (in-memory tables are never vacuumed) and push later steps to spill to disk.
    con.execute(
        f"DROP TABLE {located}; "
        f"CREATE OR REPLACE TEMP TABLE {stg} AS SELECT * FROM {stg} LIMIT 0"
    )


def preview(
    con: duckdb.DuckDBPyConnection, result: InputResult, limit: int
) -> list[tuple]:
    """Check and geocode the first ``limit`` staged rows of one file (no output).

    Returns (row, name, outcome, method, ags, municipality, detail) per row.
    """
    stg, located = staged_relation(result.kind), f"int_{result.kind}_located"
    con.execute(
        f"DELETE FROM {stg} WHERE file_order = ? AND source_row > ?",
        [result.order, limit],
    )
    _mark_duplicates(con, stg)
    geocode.geocode(con, stg, located)
    rows = con.execute(
        f"""
        SELECT v.source_row, v.c_name,
               CASE WHEN v.reason IS NULL AND l.l_ags IS NOT NULL THEN 'placed'
                    ELSE 'rejected: ' || coalesce(v.reason, l.fail_reason) END,
               l.method, l.l_ags, m.name, coalesce(v.detail, l.fail_detail)
        FROM {stg} v LEFT JOIN {located} l USING (rid)
        LEFT JOIN municipalities m ON m.ags = l.l_ags
        ORDER BY v.rid
        """
    ).fetchall()
    con.execute(f"DROP TABLE {located}")
    return rows
