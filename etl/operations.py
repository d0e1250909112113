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
from etl.readers.base import drop_source, rename_column
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
_NUMBERED = re.compile(r"^\s*\d+(\.\d+)*([.):]\s*|\s+)(?=\S)")

# Place keys: k1 the spelling (case, spaces, a leading postal code ignored); k2
# without suffixes (", Stadt"), Sorbian names and with abbreviations spelled out;
# k3 the stem before any qualifier. op_date: the dates the lists use (one
# strptime with a list of formats); op_rate: the co-financing rate as a number.
_MACROS = r"""
CREATE OR REPLACE TEMP MACRO op_k1(s) AS nullif(regexp_replace(regexp_replace(
    lower(regexp_replace(trim(s), '\s+', ' ', 'g')), '^\d{5} ', ''), ' ?- ?', '-', 'g'),
    '');
CREATE OR REPLACE TEMP MACRO op_date(s) AS CAST(try_strptime(trim(s),
    ['%d.%m.%y', '%d.%m.%Y', '%Y-%m-%d', '%Y-%m-%d %H:%M:%S', '%Y-%m-%dT%H:%M:%S'])
    AS DATE);
CREATE OR REPLACE TEMP MACRO op_rate(s) AS
    try_cast(replace(regexp_replace(s, '[\s%]', '', 'g'), ',', '.') AS DOUBLE);
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
    """List date from the file name (``2016-06-30_...``, ``Stand_30.06.2016``)."""
    iso = re.search(r"(20\d\d)-(\d\d)-(\d\d)", name)
    german = re.search(r"(\d\d)\.(\d\d)\.(20\d\d)", name)
    if iso:
        y, m, d = (int(g) for g in iso.groups())
    elif german:
        d, m, y = (int(g) for g in german.groups())
    else:
        return None
    try:
        return date(y, m, d)
    except ValueError:  # digits that are no calendar date say nothing
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
            rename_column(con, table, header, plain)


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
            SELECT a, regexp_full_match(a, '{_DE}') AS de,
                   regexp_full_match(a, '{_EN}') AS en,
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
        """
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


@dataclass
class _Staged:
    """One list staged as a view of canonical text columns over its source table."""

    order: int
    table: str
    raw: str
    source: dict


def _stage_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    order: int,
    fund_flag: str | None,
    workdir: Path,
) -> _Staged:
    """Read one list, decide its notation and fund; nothing is copied yet."""
    table = ingest.read_input(con, path, workdir)
    _strip_numbered_headers(con, table)
    _check_headers(con, table, path.name)
    select, raw = ingest.canonical_select(con, table, OPERATION_ALIASES)
    view = f"op_src_{int(order)}"
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT CAST({int(order)} AS INTEGER) "
        f"AS file_order, s.{ingest.ROW} AS row_number, {select} FROM {table} s"
    )
    notation = amount_notation(con, view, path.name)
    fund = _file_fund(con, view, path, fund_flag)
    # Rates in percent: a file giving every rate as a fraction (0.8) is scaled.
    top = con.execute(f"SELECT max(op_rate(eu_rate)) FROM {view}").fetchone()[0]
    scale = 100 if top is not None and top <= 1 else 1
    con.execute(
        "INSERT INTO op_files VALUES (?, ?, ?, ?, ?)",
        [order, path.name, fund, notation, scale],
    )
    # Rows the reader could not parse (ragged, stray bytes) are rejects already.
    unparsed = ingest.store_rejects(con, table, KIND, path.name)
    rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] + unparsed
    programme, as_of = programme_from_name(path.name, fund), as_of_from_name(path.name)
    source = {
        "source_file": path.name,
        "fund": fund,
        "programme": programme,
        "as_of": as_of,
        "citation": citation(fund, programme, as_of),
        "rows": rows,
        "sha256": sha256(path),
    }
    return _Staged(order, table, raw, source)


# Places are resolved once per distinct (place, district, postcode) of the input:
# by the place's name within the district, else by a postcode of one municipality.
_LOCATE = """
CREATE OR REPLACE TEMP TABLE op_loc AS
WITH pairs AS (SELECT DISTINCT place, district, postal_code FROM op_rows),
clean AS (
    SELECT place, district, postal_code, sinn_text(place) AS place_raw,
           sinn_text(district) AS district_raw, sinn_plz(postal_code) AS plz
    FROM pairs
), d AS (
    SELECT c.*, dk.ars AS d_ars,
        coalesce(op_k1(c.district_raw) IN (SELECT unnest($state)),
                 c.district_raw IS NULL
                 AND op_k1(c.place_raw) IN (SELECT unnest($state)))
            AS is_state
    FROM clean c LEFT JOIN op_districts dk ON dk.k = op_k1(c.district_raw)
), q AS (
    SELECT *, op_k1(place_raw) AS k1, op_k2(place_raw) AS k2, op_k3(place_raw) AS k3
    FROM d WHERE place_raw IS NOT NULL AND NOT is_state
), cand AS (
    SELECT q.place, q.district, q.postal_code, n.ags, n.prio, 1 AS lvl
    FROM q JOIN op_names n ON n.k1 = q.k1
    WHERE q.d_ars IS NULL OR n.district_ars = q.d_ars
    UNION ALL
    SELECT q.place, q.district, q.postal_code, n.ags, n.prio, 2
    FROM q JOIN op_names n ON n.k2 = q.k2
    WHERE q.d_ars IS NULL OR n.district_ars = q.d_ars
    UNION ALL
    SELECT q.place, q.district, q.postal_code, n.ags, n.prio, 3
    FROM q JOIN op_names n ON n.k3 = q.k3
    WHERE q.d_ars IS NULL OR n.district_ars = q.d_ars
    UNION ALL
    SELECT d.place, d.district, d.postal_code, p.ags, 1, 4
    FROM d JOIN postal_codes p ON p.postal_code = d.plz
    WHERE NOT d.is_state AND (d.d_ars IS NULL OR p.district_ars = d.d_ars)
), grouped AS (
    SELECT place, district, postal_code, lvl, prio, count(DISTINCT ags) AS n,
           min(ags) AS ags
    FROM cand GROUP BY ALL
), best AS (
    -- the closest level decides; two municipalities there: no match
    SELECT place, district, postal_code, CASE WHEN n = 1 THEN ags END AS ags
    FROM grouped
    QUALIFY row_number() OVER (
        PARTITION BY place, district, postal_code ORDER BY lvl, prio) = 1
)
SELECT d.place, d.district, d.postal_code, d.place_raw, d.district_raw,
    CASE WHEN d.is_state THEN 'state' WHEN b.ags IS NOT NULL THEN 'municipality'
         WHEN d.d_ars IS NOT NULL THEN 'district' END AS precision,
    CASE WHEN NOT d.is_state THEN b.ags END AS ags,
    CASE WHEN d.is_state THEN NULL ELSE coalesce(m.district_ars, d.d_ars) END
        AS district_ars
FROM d
LEFT JOIN best b
  ON b.place IS NOT DISTINCT FROM d.place AND b.district IS NOT DISTINCT FROM d.district
 AND b.postal_code IS NOT DISTINCT FROM d.postal_code
LEFT JOIN municipalities m ON m.ags = b.ags
"""

_OUT = r"""
CREATE OR REPLACE TEMP TABLE op_out AS
WITH v AS (
    SELECT r.*, l.place_raw, l.district_raw, l.ags, l.district_ars, l.precision,
        regexp_replace(r.eligible_eur, '[\s€]|EUR', '', 'g') AS a
    FROM op_rows r JOIN op_loc l
      ON l.place IS NOT DISTINCT FROM r.place
     AND l.district IS NOT DISTINCT FROM r.district
     AND l.postal_code IS NOT DISTINCT FROM r.postal_code
), p AS (
    SELECT *, CASE
        WHEN notation = 'de' AND regexp_full_match(a, '{de}')
            THEN try_cast(replace(replace(a, '.', ''), ',', '.') AS DECIMAL(18, 2))
        WHEN notation = 'en' AND regexp_full_match(a, '{en}')
            THEN try_cast(replace(a, ',', '') AS DECIMAL(18, 2)) END AS p_amount,
        sinn_text(name) AS c_name, sinn_text(beneficiary) AS c_beneficiary,
        sinn_text(summary) AS c_summary, op_date(start_date) AS c_start,
        op_date(end_date) AS c_end,
        op_rate(eu_rate) * rate_scale AS c_rate,
        sinn_text(category) AS c_category, sinn_text(guideline) AS c_guideline,
        sinn_text(item) AS c_item
    FROM v
), k AS (
    -- the same operation keeps its id in any notation, date format or file
    -- (empty fields hash as a marker, so no shifted value gives the same id)
    SELECT *, md5(concat_ws(chr(31), fund, coalesce(c_beneficiary, chr(30)),
                            coalesce(c_name, chr(30)), coalesce(c_summary, chr(30)),
                            coalesce(CAST(c_start AS VARCHAR), chr(30)),
                            coalesce(CAST(c_end AS VARCHAR), chr(30)), p_amount,
                            coalesce(CAST(c_rate AS VARCHAR), chr(30)),
                            coalesce(place_raw, chr(30)),
                            coalesce(district_raw, chr(30)),
                            coalesce(c_category, chr(30)),
                            coalesce(c_guideline, chr(30)),
                            coalesce(c_item, chr(30)))) AS h
    FROM p
)
SELECT file_order, row_number, source_file, h AS operation_id,
    c_name AS name, c_beneficiary AS beneficiary, c_summary AS summary,
    c_start AS start_date, c_end AS end_date, p_amount AS eligible_eur,
    c_rate AS eu_rate,
    c_category AS category, c_guideline AS guideline, c_item AS item, fund, place_raw,
    district_raw, ags, district_ars, precision AS location_precision,
    CASE WHEN p_amount IS NULL THEN 'unparseable_value'
         WHEN precision IS NULL THEN 'no_location' END AS reason,
    CASE
        WHEN p_amount IS NULL AND NOT sinn_given(eligible_eur)
            THEN 'eligible_eur: empty'
        WHEN p_amount IS NULL THEN 'eligible_eur: ' || left(eligible_eur, 60)
            || ' is not an amount in ' || CASE notation WHEN 'de' THEN 'German'
            ELSE 'English' END || ' notation'
        WHEN precision IS NULL AND place_raw IS NULL AND district_raw IS NULL
            THEN 'no place and no district given'
        WHEN precision IS NULL THEN 'place ' || coalesce(left(place_raw, 80), '-')
            || ' / district ' || coalesce(left(district_raw, 80), '-')
            || ' not found in Saxony' END AS detail
FROM k
"""

# Identical rows are distinct operations: the second and later get a suffix. Only
# the few repeated ids are ranked, not the whole table.
_REPEATS = """
UPDATE op_out SET operation_id = op_out.operation_id || '-' || r.rk
FROM (
    SELECT file_order, row_number,
           row_number() OVER (PARTITION BY operation_id ORDER BY file_order, row_number)
               AS rk
    FROM op_out
    WHERE operation_id IN (
        SELECT operation_id FROM op_out GROUP BY 1 HAVING count(*) > 1)
) r
WHERE r.rk > 1 AND op_out.file_order = r.file_order AND op_out.row_number = r.row_number
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


def _write(con: duckdb.DuckDBPyConnection, staged: list[_Staged]) -> None:
    """Parse and place every staged row; insert operations and rejects."""
    views = " UNION ALL ".join(
        f"SELECT * EXCLUDE (fund, extra) FROM op_src_{s.order}" for s in staged
    )
    con.execute(
        "CREATE OR REPLACE TEMP VIEW op_rows AS SELECT f.source_file, f.fund, "
        f"f.notation, f.rate_scale, s.* FROM ({views}) s "
        "JOIN op_files f USING (file_order)"
    )
    con.execute(_LOCATE, {"state": list(STATE_NAMES)})
    # The patterns are our constants: literal, so DuckDB compiles each regex once.
    con.execute(_OUT.format(de=_DE, en=_EN))
    con.execute(_REPEATS)
    con.execute(
        "INSERT INTO operations BY NAME SELECT * EXCLUDE (file_order, reason, detail) "
        "FROM op_out WHERE reason IS NULL"
    )
    for s in staged:
        # The raw row is rebuilt from the source table for rejected rows only.
        con.execute(
            f"INSERT INTO rejects SELECT 'operation', o.source_file, o.row_number, "
            f"o.reason, o.detail, {s.raw} FROM op_out o JOIN {s.table} s "
            f"ON o.row_number = s.{ingest.ROW} "
            f"WHERE o.file_order = {int(s.order)} AND o.reason IS NOT NULL"
        )


def import_operations(
    con: duckdb.DuckDBPyConnection,
    paths: Sequence[Path],
    fund: str | None,
    workdir: Path,
) -> OperationsReport:
    """Import every list in ``paths``; fill operations, operation_sources, rejects."""
    if fund is not None and normalise_fund(fund) is None:
        raise ingest.InputError(f"--fund {fund!r}: use ESF, ERDF or 'ESF Plus'")
    report = OperationsReport()
    if paths:
        prepare_places(con)
        con.execute(
            "CREATE OR REPLACE TEMP TABLE op_files (file_order INTEGER, "
            "source_file VARCHAR, fund VARCHAR, notation VARCHAR, rate_scale INTEGER)"
        )
        staged = [
            _stage_file(con, Path(path), order, fund, workdir)
            for order, path in enumerate(paths, start=1)
        ]
        for s in staged:
            con.execute(
                "INSERT INTO operation_sources BY NAME SELECT * FROM (VALUES "
                "(?, ?, ?, CAST(? AS DATE), ?, ?, ?)) t(source_file, fund, programme, "
                "as_of, citation, rows, sha256)",
                list(s.source.values()),
            )
            report.inputs.append(
                {
                    "kind": KIND,
                    "path": s.source["source_file"],
                    "rows": s.source["rows"],
                }
            )
            report.rows += s.source["rows"]
        _write(con, staged)
        _summarise(con, report)
        con.execute("DROP VIEW op_rows; DROP TABLE op_loc; DROP TABLE op_out")
        for s in staged:
            con.execute(f"DROP VIEW op_src_{s.order}")
            drop_source(con, s.table)
    build_facts(con)
    return report


def _summarise(con: duckdb.DuckDBPyConnection, report: OperationsReport) -> None:
    """Fill the report's counts and the places kept at district precision."""
    report.accepted = con.execute(
        "SELECT count(*) FROM op_out WHERE reason IS NULL"
    ).fetchone()[0]
    report.rejected = report.rows - report.accepted
    report.by_precision = dict(
        con.execute(
            "SELECT location_precision, count(*) FROM op_out WHERE reason IS NULL "
            "GROUP BY 1 ORDER BY 1"
        ).fetchall()
    )
    report.district_only = [
        f"{p} ({d})"
        for p, d in con.execute(
            "SELECT DISTINCT coalesce(place_raw, '-'), district_raw FROM op_out "
            "WHERE reason IS NULL AND location_precision = 'district' ORDER BY 2, 1"
        ).fetchall()
    ]
