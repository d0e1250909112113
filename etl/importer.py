"""Import initiative and event files: stage, validate, geocode, accept or reject.

Every input row ends in exactly one of ``initiatives``/``events`` or
``rejects``; all steps are SQL over whole tables so a million rows take seconds.
Each step reads and writes relations it names (dbt-style):

    source table per file (etl.ingest) → stg_<kind> → int_<kind>_validated
    → int_<kind>_located (etl.geocode) → initiatives / events + rejects
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from etl import geocode, ingest
from etl.headers import ALIASES as _ALIASES
from etl.headers import ALL_ALIASES, ColumnMap, HeaderMap, check_headers, map_headers
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

    @property
    def accepted(self) -> int:
        """Rows of this file that were imported."""
        return self.rows - self.rejected


def staged_relation(kind: str) -> str:
    """Name of the staging table of ``kind`` (canonical VARCHAR columns)."""
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
    for kind, aliases in _ALIASES.items():
        fields = ", ".join(f"{name} VARCHAR" for name in aliases)
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {staged_relation(kind)} (rid BIGINT, "
            "file_order INTEGER, source_file VARCHAR, source_row BIGINT, "
            f"is_demo BOOLEAN, public_if_empty BOOLEAN, {fields}, extra VARCHAR)"
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
    """Map a source table's headers (or refuse the file) and append it to staging."""
    src = _source(con, table)
    refs, alias = src.refs, src.alias
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
            f"SELECT coalesce(bool_or(sinn_checkmark({refs[visibility]})), FALSE) "
            f"FROM {table} AS s({alias})"
        ).fetchone()[0]
    fields = ", ".join(
        f"{refs[mapping.fields[name]] if name in mapping.fields else 'NULL'} AS {name}"
        for name in _ALIASES[kind]
    )
    extra_sql, extra_keys = _json_of(refs, mapping.extra)
    con.execute(
        f"""
        INSERT INTO {staged_relation(kind)} BY NAME
        SELECT CAST(? AS BIGINT) * {_RID_BASE} + s.src_row AS rid,
               ? AS file_order, ? AS source_file, s.src_row AS source_row,
               ? AS is_demo, ? AS public_if_empty, {fields}, {extra_sql} AS extra
        FROM {table} AS s({alias})
        """,
        [file_order, file_order, path.name, is_demo, not checkbox, *extra_keys],
    )
    return InputResult(
        kind, str(path), rows, int(file_order), table, mapping, visibility, unparsed
    )


def _validate(con: duckdb.DuckDBPyConnection, kind: str, target: str) -> None:
    """Parse and check every staged row of ``kind`` into relation ``target``."""
    parsed = {**_PARSED, **_KIND_PARSED[kind]}
    parse_sql = ", ".join(f"{expr} AS {name}" for name, expr in parsed.items())
    checks = _COMMON_PROBLEMS + _KIND_PROBLEMS[kind]
    any_problem = " OR ".join(f"coalesce({cond}, FALSE)" for _, cond in checks)
    messages = ", ".join(f"CASE WHEN {cond} THEN '{msg}' END" for msg, cond in checks)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {target} AS
        WITH parsed AS (
            SELECT rid, source_file, source_row, name, id, lat, lon, ags, postal_code,
                   city, municipality, district, description, street, url, public,
                   public_if_empty, {", ".join(_KIND_PARSED_RAW[kind])}, {parse_sql}
            FROM {staged_relation(kind)}
        ), checked AS (
            SELECT rid, {", ".join(parsed)}, ags, postal_code, city, municipality,
                district, sinn_text(name) AS c_name,
                coalesce(sinn_text(id),
                         regexp_replace(source_file, '\\.[^.]*$', '')
                         || '-' || source_row)
                    AS c_id,
                {any_problem} AS bad,
                CASE WHEN {any_problem} THEN concat_ws('; ', {messages}) END AS problems
            FROM parsed
        )
        SELECT * EXCLUDE (bad, problems, p_lat, p_lon),
            CASE WHEN c_name IS NOT NULL AND NOT bad THEN p_lon END AS c_lon,
            CASE WHEN c_name IS NOT NULL AND NOT bad THEN p_lat END AS c_lat,
            CASE WHEN c_name IS NULL THEN 'missing_name'
                 WHEN bad THEN 'unparseable_value' END AS reason,
            CASE WHEN c_name IS NULL THEN 'name is empty'
                 WHEN bad THEN problems END AS detail
        FROM checked
        """
    )
    # Later rows repeating a valid row's id: a hash aggregate finds the few
    # repeated ids, so only their rows are ranked (not a window over all rows).
    con.execute(
        f"""
        UPDATE {target} SET reason = 'duplicate_id',
            detail = 'id ' || left(c_id, 60) || ' already imported',
            c_lon = NULL, c_lat = NULL
        WHERE rid IN (
            SELECT rid FROM {target}
            WHERE reason IS NULL AND c_id IN (
                SELECT c_id FROM {target} WHERE reason IS NULL
                GROUP BY c_id HAVING count(*) > 1)
            QUALIFY row_number() OVER (PARTITION BY c_id ORDER BY rid) > 1)
        """
    )


def _accept(
    con: duckdb.DuckDBPyConnection, kind: str, validated: str, located: str
) -> None:
    """Insert the valid, located rows into ``initiatives``/``events``."""
    con.execute(
        f"""
        INSERT INTO {KINDS[kind]} BY NAME
        SELECT {_SPECIFIC_OUT[kind]} {_LOCATION_OUT}
        FROM {validated} v
        JOIN (SELECT *, CASE WHEN p_lon IS NOT NULL
                THEN ST_Transform(ST_Point(p_lon, p_lat),
                'EPSG:4326', 'EPSG:25833', always_xy := true) END AS pt
              FROM {located} WHERE l_ags IS NOT NULL) l USING (rid)
        JOIN {staged_relation(kind)} s USING (rid)
        JOIN municipalities m ON m.ags = l.l_ags
        LEFT JOIN vocab vt ON vt.domain = 'theme' AND vt.key = lower(trim(s.theme))
        LEFT JOIN vocab vp ON vp.domain = 'partner' AND vp.key = lower(trim(s.partner))
        {_VOCAB_JOINS[kind]}
        """
    )


def _reject(
    con: duckdb.DuckDBPyConnection,
    result: InputResult,
    validated: str,
    located: str,
) -> int:
    """Insert one file's failed rows into ``rejects`` as read; return their count."""
    src = _source(con, result.table)
    raw_sql, raw_keys = _json_of(src.refs, src.headers)
    # rid = file order * _RID_BASE + row number: the file's rows and their numbers
    # come from rid itself, without a join with the staging table.
    first = result.order * _RID_BASE
    return con.execute(
        f"""
        INSERT INTO rejects
        SELECT ?, ?, v.rid - ?,
               coalesce(v.reason, l.fail_reason), coalesce(v.detail, l.fail_detail),
               coalesce({raw_sql}, '{{}}')
        FROM {validated} v LEFT JOIN {located} l USING (rid)
        JOIN {result.table} AS s({src.alias}) ON s.src_row = v.rid - ?
        WHERE v.rid BETWEEN ? AND ? AND (v.reason IS NOT NULL OR l.l_ags IS NULL)
        """,
        [
            result.kind,
            Path(result.path).name,
            first,
            *raw_keys,
            first,
            first,
            first + _RID_BASE - 1,
        ],
    ).fetchone()[0]


def process(
    con: duckdb.DuckDBPyConnection, kind: str, staged: list[InputResult]
) -> None:
    """Validate and geocode ``stg_<kind>``; insert accepted rows and rejects."""
    validated, located = f"int_{kind}_validated", f"int_{kind}_located"
    _validate(con, kind, validated)
    geocode.geocode(con, validated, located)
    # Rejects first: each source table is dropped as soon as its rejects carry
    # the raw values, so less is held in memory while the accepted rows are built.
    for result in (r for r in staged if r.kind == kind):
        result.rejected += _reject(con, result, validated, located)
        con.execute(f"DROP TABLE {result.table}")
    _accept(con, kind, validated, located)
    # An empty copy replaces the staging table: a DELETE would keep its memory
    # (in-memory tables are never vacuumed) and push later steps to spill to disk.
    stg = staged_relation(kind)
    con.execute(
        f"DROP TABLE {validated}; DROP TABLE {located}; "
        f"CREATE OR REPLACE TEMP TABLE {stg} AS SELECT * FROM {stg} LIMIT 0"
    )


def preview(
    con: duckdb.DuckDBPyConnection, result: InputResult, limit: int
) -> list[tuple]:
    """Validate and geocode the first ``limit`` staged rows of one file (no output).

    Returns (row, name, outcome, method, ags, municipality, detail) per row.
    """
    kind = result.kind
    validated, located = f"int_{kind}_validated", f"int_{kind}_located"
    con.execute(
        f"DELETE FROM {staged_relation(kind)} WHERE file_order = ? AND source_row > ?",
        [result.order, limit],
    )
    _validate(con, kind, validated)
    geocode.geocode(con, validated, located)
    rows = con.execute(
        f"""
        SELECT st.source_row, v.c_name,
               CASE WHEN v.reason IS NULL AND l.l_ags IS NOT NULL THEN 'placed'
                    ELSE 'rejected: ' || coalesce(v.reason, l.fail_reason) END,
               l.method, l.l_ags, m.name, coalesce(v.detail, l.fail_detail)
        FROM {validated} v LEFT JOIN {located} l USING (rid)
        JOIN {staged_relation(kind)} st USING (rid)
        LEFT JOIN municipalities m ON m.ags = l.l_ags
        ORDER BY v.rid
        """
    ).fetchall()
    con.execute(f"DROP TABLE {validated}; DROP TABLE {located}")
    return rows
