"""Import the EU list of operations (ESF, ERDF, ESF Plus) and build its marts.

Every managing authority publishes the same list (Reg. (EU) 1303/2013 Annex XII;
2021/1060 Art. 49(3)). Each file is staged as text, its amount notation and fund
are decided once per file, and then all rows are parsed, placed and written in a
few set-based statements: every row ends in ``operations`` or in ``rejects``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from etl import ingest
from etl.fetch import sha256
from etl.schema import (
    OPERATION_ALIASES,
    OPERATION_FUNDS,
    alias_lookup,
    normalise_header,
)

#: The ESF list in ``data/raw`` (fetched by ``etl fetch``) that the demo build imports.
ESF_LIST = "2016-06-30_Liste_der_Vorhaben_ESF_2014-2020.csv"
SUCCESSORS_FILE = Path(__file__).parent / "data" / "municipality_successors.csv"
KIND = "operation"
# German label of each fund for citations.
FUND_LABELS = {"ESF": "ESF", "ERDF": "EFRE", "ESF Plus": "ESF Plus"}
_FUND_PATTERNS = (
    (r"esf[\s_\-]*(plus|\+)", "ESF Plus"),
    (r"(efre|erdf)", "ERDF"),
    (r"esf", "ESF"),
)
# Values of the district (or place) column meaning "the whole state".
STATE_NAMES = (
    "sachsen",
    "freistaat sachsen",
    "land sachsen",
    "sachsenweit",
    "landesweit",
    "saxony",
)
_DE = r"-?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?"
_EN = r"-?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?"
_NUMBERED = re.compile(r"^\s*\d+(\.\d+)*\s*[.):]?\s+(?=\S)")

# Place keys: k1 exact spelling; k2 without suffixes (", Stadt"), Sorbian names
# and with abbreviations spelled out; k3 the stem before any qualifier.
_MACROS = r"""
CREATE OR REPLACE TEMP MACRO op_k1(s) AS
    nullif(lower(regexp_replace(trim(s), '\s+', ' ', 'g')), '');
CREATE OR REPLACE TEMP MACRO op_letters(s) AS
    nullif(regexp_replace(s, '[^a-z0-9äöüß]', '', 'g'), '');
CREATE OR REPLACE TEMP MACRO op_k2(s) AS op_letters(
    regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
    regexp_replace(regexp_replace(regexp_replace(
        split_part(regexp_replace(op_k1(s), '\s+/\s+[^,]*', '', 'g'), ',', 1),
        'i\.\s*sa\.', 'in sachsen', 'g'), 'a\.\s*d\.', 'an der', 'g'),
        'i\.\s*d\.', 'in der', 'g'), 'o\.\s*l\.', 'oberlausitz', 'g'),
        'erzgeb\.', 'erzgebirge', 'g'), 'vogtl\.', 'vogtland', 'g'),
        '\bsa\.', 'sachsen', 'g'), '\bb\.', 'bei', 'g'));
CREATE OR REPLACE TEMP MACRO op_k3(s) AS op_letters(regexp_extract(op_k1(s),
    '^(.*?)(,|/|\s\(|\si\.|\sa\.|\sb\.|\sin\s|\sim\s|\san\s|\sam\s|\sbei\s|$)', 1));
"""


@dataclass
class OperationsReport:
    """What the operations import read, placed and rejected."""

    inputs: list[dict] = field(default_factory=list)
    rows: int = 0
    accepted: int = 0
    rejected: int = 0
    by_precision: dict[str, int] = field(default_factory=dict)
    district_only: list[str] = field(default_factory=list)


def fund_from_name(name: str) -> str | None:
    """The fund named in a file name (``..._ESF_2014-2020.csv``), or None."""
    text = name.lower()
    for pattern, fund in _FUND_PATTERNS:
        if re.search(rf"(^|[^a-z]){pattern}($|[^a-z])", text):
            return fund
    return None


def normalise_fund(value: str | None) -> str | None:
    """``ESF``/``ERDF``/``ESF Plus`` from a spelling such as ``EFRE`` or ``ESF+``."""
    if value is None:
        return None
    if value in OPERATION_FUNDS:
        return value
    return fund_from_name(value.strip())


def programme_from_name(name: str, fund: str) -> str | None:
    """Programme period from the file name (``2014-2020``), else from the fund."""
    found = re.search(r"(20\d\d)\s*[-–_]\s*(20\d\d)", name)
    if found:
        return f"{found.group(1)}–{found.group(2)}"
    return "2021–2027" if fund == "ESF Plus" else None


def as_of_from_name(name: str) -> date | None:
    """Date of the list from the file name (``2016-06-30_...``, ``Stand_30.06.2016``)."""
    iso = re.search(r"(20\d\d)-(\d\d)-(\d\d)", name)
    if iso:
        y, m, d = (int(g) for g in iso.groups())
        return date(y, m, d)
    german = re.search(r"(\d\d)\.(\d\d)\.(20\d\d)", name)
    if german:
        d, m, y = (int(g) for g in german.groups())
        return date(y, m, d)
    return None


def citation(fund: str, programme: str | None, as_of: date | None) -> str:
    """The source line shown with the figures, from what the file tells."""
    text = f"Liste der Vorhaben {FUND_LABELS[fund]} Sachsen"
    if programme:
        text += f" {programme}"
    if as_of:
        text += f", Stand {as_of:%d.%m.%Y}"
    return text


def prepare_places(con: duckdb.DuckDBPyConnection) -> None:
    """Create the district and municipality spelling lookups for placing rows."""
    con.execute(_MACROS)
    with SUCCESSORS_FILE.open(encoding="utf-8", newline="") as fh:
        successors = [(r["old_name"], r["successor_ags"]) for r in csv.DictReader(fh)]
    con.execute(
        "CREATE OR REPLACE TEMP TABLE op_successors (old_name VARCHAR, ags VARCHAR)"
    )
    con.executemany("INSERT INTO op_successors VALUES (?, ?)", successors)
    official = (
        "SELECT ags, name_official FROM stg_gv"
        if con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'stg_gv'"
        ).fetchone()[0]
        else "SELECT NULL::VARCHAR AS ags, NULL::VARCHAR AS name_official LIMIT 0"
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE op_names AS
        WITH gv AS ({official}),
        spellings AS (
            SELECT m.ags, 1 AS prio, s.spelling
            FROM municipalities m LEFT JOIN gv USING (ags),
                 unnest([gv.name_official, m.name, m.name || ', ' || m.bez]) s(spelling)
            UNION ALL
            SELECT ags, 2, old_name FROM op_successors
        )
        SELECT DISTINCT s.ags, m.district_ars, s.prio, op_k1(s.spelling) AS k1,
               op_k2(s.spelling) AS k2, op_k3(s.spelling) AS k3
        FROM spellings s JOIN municipalities m USING (ags)
        WHERE s.spelling IS NOT NULL
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE op_districts AS
        WITH d AS (
            SELECT ars, lower(name) AS n, kind,
                   count(*) OVER (PARTITION BY lower(name)) AS same_name
            FROM districts
        )
        SELECT DISTINCT k, ars FROM d, unnest(CASE WHEN kind = 'Landkreis'
            THEN [n, 'landkreis ' || n, n || ', landkreis', 'lk ' || n, ars]
            ELSE [n || ', kreisfreie stadt', n || ', stadt', 'stadt ' || n,
                  'kreisfreie stadt ' || n, ars,
                  CASE WHEN same_name = 1 THEN n END] END) t(k)
        WHERE k IS NOT NULL
        """
    )


def _strip_numbered_headers(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Rename headers such as ``1. Name des Begünstigten`` to the plain name."""
    headers = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
    for header in headers:
        plain = _NUMBERED.sub("", header)
        if plain != header and plain not in headers:
            con.execute(
                f"ALTER TABLE {table} RENAME COLUMN {_quote(header)} TO {_quote(plain)}"
            )


def _quote(identifier: str) -> str:
    """A DuckDB identifier in double quotes (headers come from files)."""
    return '"' + identifier.replace('"', '""') + '"'


def _check_headers(con: duckdb.DuckDBPyConnection, table: str, name: str) -> None:
    """Refuse a file lacking the amount or any location column, before any row."""
    lookup = alias_lookup(OPERATION_ALIASES)
    headers = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
    found = {lookup.get(normalise_header(h)) for h in headers}
    missing = [
        label
        for label, fields in (
            (
                "eligible_eur (Gesamtbetrag der förderfähigen Ausgaben)",
                {"eligible_eur"},
            ),
            ("place or district (Durchführungsort, Landkreis)", {"place", "district"}),
        )
        if not fields & found
    ]
    if missing:
        shown = ", ".join(h for h in headers if h != ingest.ROW)
        raise ingest.InputError(
            f"{name}: not a list of operations; missing {' and '.join(missing)}; "
            f"headers found: {shown}"
        )


def amount_notation(con: duckdb.DuckDBPyConnection, table: str, name: str) -> str:
    """``de`` or ``en``: the notation of every amount in ``table``, decided per file.

    Raises :class:`~etl.ingest.InputError` when the file mixes notations or when
    every amount with a separator reads both ways (``1,500`` / ``1.500``).
    """
    de_only, en_only, both, ex_de, ex_en, ex_both = con.execute(
        f"""
        WITH v AS (
            SELECT regexp_replace(eligible_eur, '[\\s€]|EUR', '', 'g') AS a
            FROM {table} WHERE sinn_given(eligible_eur)
        ), c AS (
            SELECT a, regexp_full_match(a, $de) AS de, regexp_full_match(a, $en) AS en,
                   regexp_matches(a, '[.,]') AS sep
            FROM v
        )
        SELECT count(*) FILTER (WHERE de AND NOT en),
               count(*) FILTER (WHERE en AND NOT de),
               count(*) FILTER (WHERE de AND en AND sep),
               any_value(a) FILTER (WHERE de AND NOT en),
               any_value(a) FILTER (WHERE en AND NOT de),
               any_value(a) FILTER (WHERE de AND en AND sep)
        FROM c
        """,
        {"de": _DE, "en": _EN},
    ).fetchone()
    if de_only and en_only:
        raise ingest.InputError(
            f"{name}: amounts mix German and English notation (e.g. {ex_de!r} and "
            f"{ex_en!r}); refused rather than guessed row by row"
        )
    if de_only:
        return "de"
    if en_only:
        return "en"
    if both:
        raise ingest.InputError(
            f"{name}: amount notation is ambiguous: every amount with a separator "
            f"(e.g. {ex_both!r}) reads as German and as English; write cents "
            "('1.500,00' or '1,500.00') so the file decides"
        )
    return "de"  # no separators at all: both notations read the same


def _file_fund(
    con: duckdb.DuckDBPyConnection, table: str, path: Path, flag: str | None
) -> str:
    """The fund of a file: ``--fund``, else the file name, else its fund column."""
    fund = normalise_fund(flag) or fund_from_name(path.name)
    if fund:
        return fund
    values = {
        normalise_fund(r[0])
        for r in con.execute(
            f"SELECT DISTINCT fund FROM {table} WHERE sinn_given(fund)"
        ).fetchall()
    }
    if len(values) == 1 and None not in values:
        return values.pop()
    raise ingest.InputError(
        f"{path.name}: fund unknown (not in the file name or a 'Fonds' column); "
        "pass --fund ESF, ERDF or 'ESF Plus'"
    )


def _stage_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    order: int,
    fund_flag: str | None,
    workdir: Path,
) -> dict:
    """Read one list into ``op_rows``; return its ``operation_sources`` row."""
    table = ingest.read_input(con, path, workdir)
    _strip_numbered_headers(con, table)
    _check_headers(con, table, path.name)
    select, raw = ingest.canonical_select(con, table, OPERATION_ALIASES)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE op_file AS SELECT s.{ingest.ROW} AS row_number, "
        f"{raw} AS raw, {select} FROM {table} s"
    )
    con.execute(f"DROP TABLE {table}")
    notation = amount_notation(con, "op_file", path.name)
    fund = _file_fund(con, "op_file", path, fund_flag)
    con.execute(
        "INSERT INTO op_rows SELECT ? AS file_order, ? AS source_file, ? AS fund, "
        "? AS notation, * EXCLUDE (fund, extra) FROM op_file",
        [order, path.name, fund, notation],
    )
    rows = con.execute("SELECT count(*) FROM op_file").fetchone()[0]
    con.execute("DROP TABLE op_file")
    programme, as_of = programme_from_name(path.name, fund), as_of_from_name(path.name)
    return {
        "source_file": path.name,
        "fund": fund,
        "programme": programme,
        "as_of": as_of,
        "citation": citation(fund, programme, as_of),
        "rows": rows,
        "sha256": sha256(path),
    }


def _create_rows_table(con: duckdb.DuckDBPyConnection) -> None:
    """The staging table of all lists: file metadata plus canonical text columns."""
    columns = ", ".join(f"{c} VARCHAR" for c in OPERATION_ALIASES if c != "fund")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE op_rows (file_order INTEGER, source_file VARCHAR, "
        f"fund VARCHAR, notation VARCHAR, row_number BIGINT, raw VARCHAR, {columns})"
    )


_PARSE = r"""
CREATE OR REPLACE TEMP TABLE op_val AS
WITH p AS (
    SELECT *, sinn_text(place) AS place_raw, sinn_text(district) AS district_raw,
        regexp_replace(eligible_eur, '[\s€]|EUR', '', 'g') AS a
    FROM op_rows
), parsed AS (
    SELECT p.*, CASE
        WHEN notation = 'de' AND regexp_full_match(a, $de)
            THEN try_cast(replace(replace(a, '.', ''), ',', '.') AS DECIMAL(18, 2))
        WHEN notation = 'en' AND regexp_full_match(a, $en)
            THEN try_cast(replace(a, ',', '') AS DECIMAL(18, 2)) END AS p_amount,
        coalesce(op_k1(district_raw) IN (SELECT unnest($state)),
                 district_raw IS NULL AND op_k1(place_raw) IN (SELECT unnest($state)))
            AS is_state,
        dk.ars AS d_ars
    FROM p LEFT JOIN op_districts dk ON dk.k = op_k1(p.district_raw)
)
SELECT * EXCLUDE (a) FROM parsed
"""

_MATCH = """
CREATE OR REPLACE TEMP TABLE op_match AS
WITH q AS (
    SELECT DISTINCT place_raw, d_ars, op_k1(place_raw) AS k1, op_k2(place_raw) AS k2,
           op_k3(place_raw) AS k3
    FROM op_val WHERE place_raw IS NOT NULL AND NOT is_state
), cand AS (
    SELECT q.place_raw, q.d_ars, n.ags, n.prio, l.lvl
    FROM q, (VALUES (1), (2), (3)) l(lvl), op_names n
    WHERE (q.d_ars IS NULL OR n.district_ars = q.d_ars)
      AND CASE l.lvl WHEN 1 THEN n.k1 = q.k1 WHEN 2 THEN n.k2 = q.k2
                     ELSE n.k3 = q.k3 END
), grouped AS (
    SELECT place_raw, d_ars, lvl, prio, count(DISTINCT ags) AS n, min(ags) AS ags
    FROM cand GROUP BY ALL
), best AS (
    SELECT *, row_number() OVER (PARTITION BY place_raw, d_ars ORDER BY lvl, prio) AS rk
    FROM grouped
)
SELECT place_raw, d_ars, ags FROM best WHERE rk = 1 AND n = 1
"""

_ACCEPT = """
CREATE OR REPLACE TEMP TABLE op_out AS
WITH placed AS (
    SELECT v.*, CASE WHEN NOT v.is_state THEN mt.ags END AS m_ags,
        CASE WHEN v.is_state THEN 'state' WHEN mt.ags IS NOT NULL THEN 'municipality'
             WHEN v.d_ars IS NOT NULL THEN 'district' END AS precision
    FROM op_val v
    LEFT JOIN op_match mt
      ON mt.place_raw = v.place_raw AND mt.d_ars IS NOT DISTINCT FROM v.d_ars
), keyed AS (
    SELECT *, md5(concat_ws(chr(31), fund, beneficiary, name, summary, start_date,
                            end_date, CAST(p_amount AS VARCHAR), eu_rate, place_raw,
                            district_raw, category, guideline, item)) AS h
    FROM placed
)
SELECT *, CASE
        WHEN p_amount IS NULL THEN 'unparseable_value'
        WHEN precision IS NULL THEN 'no_location' END AS reason,
    CASE
        WHEN p_amount IS NULL AND NOT sinn_given(eligible_eur) THEN 'eligible_eur: empty'
        WHEN p_amount IS NULL THEN 'eligible_eur: ' || left(eligible_eur, 60)
            || ' is not an amount in ' || CASE notation WHEN 'de' THEN 'German'
            ELSE 'English' END || ' notation'
        WHEN precision IS NULL AND place_raw IS NULL AND district_raw IS NULL
            THEN 'no place and no district given'
        WHEN precision IS NULL THEN 'place ' || coalesce(left(place_raw, 80), '-')
            || ' / district ' || coalesce(left(district_raw, 80), '-')
            || ' not found in Saxony' END AS detail,
    h || CASE WHEN row_number() OVER (PARTITION BY h ORDER BY file_order, row_number) > 1
              THEN '-' || row_number() OVER (PARTITION BY h ORDER BY file_order, row_number)
              ELSE '' END AS operation_id
FROM keyed
"""

_INSERT = """
INSERT INTO operations BY NAME
SELECT o.operation_id, sinn_text(o.name) AS name, sinn_text(o.beneficiary) AS beneficiary,
    sinn_text(o.summary) AS summary, sinn_date(o.start_date) AS start_date,
    sinn_date(o.end_date) AS end_date, o.p_amount AS eligible_eur,
    try_cast(replace(regexp_replace(o.eu_rate, '[\\s%]', '', 'g'), ',', '.') AS DOUBLE)
        AS eu_rate,
    sinn_text(o.category) AS category, sinn_text(o.guideline) AS guideline,
    sinn_text(o.item) AS item, o.fund, o.place_raw, o.district_raw, o.m_ags AS ags,
    CASE WHEN o.precision = 'municipality' THEN m.district_ars
         WHEN o.precision = 'district' THEN o.d_ars END AS district_ars,
    o.precision AS location_precision, o.source_file, o.row_number
FROM op_out o LEFT JOIN municipalities m ON m.ags = o.m_ags
WHERE o.reason IS NULL
ORDER BY o.file_order, o.row_number;
INSERT INTO rejects
SELECT 'operation', source_file, row_number, reason, detail, raw
FROM op_out WHERE reason IS NOT NULL ORDER BY file_order, row_number;
"""

_FACTS = """
CREATE OR REPLACE TABLE funding_facts AS
SELECT o.district_ars, o.ags, m.degurba, o.location_precision, o.fund, o.category,
       o.guideline, CAST(year(o.start_date) AS INTEGER) AS start_year,
       CAST(count(*) AS BIGINT) AS operations,
       CAST(sum(o.eligible_eur) AS DECIMAL(18, 2)) AS eligible_eur
FROM operations o LEFT JOIN municipalities m ON m.ags = o.ags
GROUP BY ALL
ORDER BY ALL
"""


def build_facts(con: duckdb.DuckDBPyConnection) -> None:
    """Create the ``funding_facts`` mart from ``operations``."""
    con.execute(_FACTS)


def import_operations(
    con: duckdb.DuckDBPyConnection,
    paths: Sequence[Path],
    fund: str | None,
    workdir: Path,
) -> OperationsReport:
    """Import every list in ``paths``; fill ``operations``, ``operation_sources``, rejects."""
    if fund is not None and normalise_fund(fund) is None:
        raise ingest.InputError(f"--fund {fund!r}: use ESF, ERDF or 'ESF Plus'")
    report = OperationsReport()
    prepare_places(con)
    _create_rows_table(con)
    for order, path in enumerate(paths, start=1):
        source = _stage_file(con, Path(path), order, fund, workdir)
        con.execute(
            "INSERT INTO operation_sources BY NAME SELECT * FROM (VALUES "
            "(?, ?, ?, CAST(? AS DATE), ?, ?, ?)) t(source_file, fund, programme, as_of, "
            "citation, rows, sha256)",
            list(source.values()),
        )
        report.inputs.append({"kind": KIND, "path": str(path), "rows": source["rows"]})
        report.rows += source["rows"]
    con.execute(_PARSE, {"de": _DE, "en": _EN, "state": list(STATE_NAMES)})
    con.execute(_MATCH)
    con.execute(_ACCEPT)
    con.execute(_INSERT)
    report.accepted = con.execute(
        "SELECT count(*) FROM op_out WHERE reason IS NULL"
    ).fetchone()[0]
    report.rejected = report.rows - report.accepted
    report.by_precision = dict(
        con.execute(
            "SELECT location_precision, count(*) FROM operations GROUP BY 1 ORDER BY 1"
        ).fetchall()
    )
    report.district_only = [
        f"{p} ({d})"
        for p, d in con.execute(
            "SELECT DISTINCT coalesce(place_raw, '-'), district_raw FROM op_out "
            "WHERE reason IS NULL AND precision = 'district' ORDER BY 2, 1"
        ).fetchall()
    ]
    for table in ("op_rows", "op_val", "op_match", "op_out"):
        con.execute(f"DROP TABLE {table}")
    build_facts(con)
    return report
