"""Read input files of any supported format into DuckDB as text rows.

Every input becomes a relation with ``source_row`` (1-based data row), the
canonical columns of the import schema as VARCHAR, ``extra`` (JSON of unknown
columns) and ``raw`` (JSON of the row as read), so nothing is lost before the
set-based validation in :mod:`etl.geocode`.
"""

from __future__ import annotations

import codecs
import csv
import json
import math
import uuid
from pathlib import Path

import duckdb
import pandas as pd

from etl.schema import alias_lookup, normalise_header
from sinn import config

SUFFIXES = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx",
            ".json": "json", ".geojson": "geojson"}  # fmt: skip
# Leading bytes of formats that are never a CSV/JSON (a PNG renamed to .csv, ...).
_BINARY_MAGIC = {
    b"\x89PNG": "PNG image", b"\xff\xd8\xff": "JPEG image", b"GIF8": "GIF image",
    b"%PDF": "PDF document", b"PK\x03\x04": "ZIP archive (e.g. XLSX)",
    b"\xd0\xcf\x11\xe0": "legacy Office file (XLS/DOC)", b"\x1f\x8b": "gzip archive",
}  # fmt: skip


#: Column holding the 1-based data row number in every source table.
ROW = "__sinn_row"


class InputError(ValueError):
    """An input file cannot be read at all (wrong format, too large, too many rows)."""


def detect_format(path: Path) -> str:
    """Return csv/xlsx/json/geojson from the extension, checked against the content."""
    fmt = SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise InputError(f"{path.name}: unsupported file type {path.suffix!r}")
    size = path.stat().st_size
    if size > config.max_file_bytes():
        raise InputError(
            f"{path.name}: {size / 1e6:.1f} MB exceeds the limit of "
            f"{config.max_file_bytes() / 1e6:.0f} MB (SINN_MAX_FILE_MB)"
        )
    with path.open("rb") as fh:
        head = fh.read(8)
    found = next(
        (what for magic, what in _BINARY_MAGIC.items() if head.startswith(magic)), None
    )
    if fmt == "xlsx":
        if not head.startswith(b"PK\x03\x04"):
            raise InputError(
                f"{path.name}: not an XLSX file (content is not a ZIP container)"
            )
    elif found:
        raise InputError(
            f"{path.name}: named {path.suffix} but the content is a {found}"
        )
    return fmt


def detect_encoding(path: Path) -> str:
    """``utf-8-sig``/``utf-8`` when the whole file decodes as UTF-8, else ``cp1252``."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as fh:
        bom = fh.read(3) == codecs.BOM_UTF8
        fh.seek(0)
        try:
            for block in iter(lambda: fh.read(1 << 22), b""):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8-sig" if bom else "utf-8"


def detect_delimiter(sample: str) -> str:
    """The delimiter of a CSV header sample: ``;``, ``,`` or tab."""
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        first = sample.splitlines()[0] if sample else ""
        return max(",;\t", key=first.count)


def _utf8_copy(path: Path, encoding: str, workdir: Path) -> Path:
    """Path of a UTF-8 (no BOM) version of ``path``; the file itself when it already is."""
    if encoding == "utf-8":
        return path
    out = workdir / f"{path.stem}.utf8.csv"
    with (
        path.open(encoding=encoding, errors="replace", newline="") as src,
        out.open("w", encoding="utf-8", newline="") as dst,
    ):
        for block in iter(lambda: src.read(1 << 22), ""):
            dst.write(block)
    return out


def _read_csv(con: duckdb.DuckDBPyConnection, path: Path, workdir: Path) -> str:
    """Load a CSV as an all-VARCHAR temporary table; return its name."""
    encoding = detect_encoding(path)
    with path.open(encoding=encoding, errors="replace", newline="") as fh:
        sample = fh.read(64 * 1024)
    if not sample.strip():
        return _empty_view(con)
    delim = detect_delimiter(sample)
    source = _utf8_copy(path, encoding, workdir)
    name = _view_name()
    query = (
        f"CREATE TEMP TABLE {name} AS SELECT row_number() OVER () AS {ROW}, * "
        "FROM read_csv($path, all_varchar = true, "
        "header = true, delim = $delim, quote = '\"', escape = '\"', null_padding = true, "
        "strict_mode = false, max_line_size = 20000000, nullstr = '', parallel = $parallel)"
    )
    params = {"path": str(source), "delim": delim}
    try:
        con.execute(query, {**params, "parallel": True})
    except duckdb.Error:
        # Quoted line breaks with ragged rows need the single-threaded reader.
        try:
            con.execute(query, {**params, "parallel": False})
        except duckdb.Error as exc:
            raise InputError(f"{path.name}: not a readable CSV file ({exc})") from exc
    return name


def _view_name() -> str:
    """A fresh name for a temporary source view."""
    return f"src_{uuid.uuid4().hex[:12]}"


def _empty_view(con: duckdb.DuckDBPyConnection) -> str:
    """A table with no columns and no rows (empty or header-only inputs)."""
    name = _view_name()
    con.execute(f"CREATE TEMP TABLE {name} AS SELECT NULL::BIGINT AS {ROW} LIMIT 0")
    return name


def _cell(value: object) -> str | None:
    """Text form of a cell from XLSX/JSON; containers as JSON, NaN as missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, pd.Timestamp):
        return (
            value.date().isoformat()
            if value == value.normalize()
            else value.isoformat()
        )
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def _frame_view(con: duckdb.DuckDBPyConnection, records: list[dict]) -> str:
    """Register text records as a view, keeping the first-seen column order."""
    columns: dict[str, None] = {}
    for rec in records:
        columns.update(dict.fromkeys(rec))
    if not columns:
        return _empty_view(con)
    frame = pd.DataFrame(
        {
            c: pd.Series([_cell(r.get(c)) for r in records], dtype=object)
            for c in columns
        }
    )
    name = _view_name()
    con.register(f"{name}_df", frame)
    con.execute(
        f"CREATE TEMP TABLE {name} AS SELECT row_number() OVER () AS {ROW}, * "
        f"FROM {name}_df"
    )
    con.unregister(f"{name}_df")
    return name


def _read_xlsx(
    con: duckdb.DuckDBPyConnection, path: Path, sheet: str | None = None
) -> str:
    """Load the first sheet (or ``sheet``) of an XLSX workbook."""
    try:
        # keep_default_na=False: "n/a", "NA", "null" are values, not empty cells
        frame = pd.read_excel(
            path,
            sheet_name=sheet or 0,
            dtype=object,
            engine="openpyxl",
            keep_default_na=False,
        )
    except Exception as exc:  # openpyxl raises many types for corrupt workbooks
        raise InputError(f"{path.name}: not a readable XLSX workbook ({exc})") from exc
    frame.columns = [str(c) for c in frame.columns]
    return _frame_view(con, frame.to_dict("records"))


def _load_json(path: Path) -> object:
    """Parse a JSON file in UTF-8 (with or without BOM) or Windows-1252."""
    text = path.read_bytes().decode(detect_encoding(path), errors="replace")
    try:
        return json.loads(text) if text.strip() else []
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path.name}: invalid JSON ({exc.msg} at line {exc.lineno})"
        ) from exc


def _read_json(con: duckdb.DuckDBPyConnection, path: Path) -> str:
    """Load a JSON list of records (or ``{"records": [...]}``)."""
    data = _load_json(path)
    if isinstance(data, dict):
        data = next((v for v in data.values() if isinstance(v, list)), None)
    if not isinstance(data, list):
        raise InputError(f"{path.name}: JSON must be a list of records")
    records = [r if isinstance(r, dict) else {"__value": r} for r in data]
    return _frame_view(con, records)


def _read_geojson(con: duckdb.DuckDBPyConnection, path: Path) -> str:
    """Load GeoJSON point features: properties plus lon/lat from the geometry."""
    data = _load_json(path)
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list):
        raise InputError(f"{path.name}: GeoJSON must be a FeatureCollection")
    records = []
    for feature in features:
        props = (
            dict(feature.get("properties") or {}) if isinstance(feature, dict) else {}
        )
        geom = feature.get("geometry") if isinstance(feature, dict) else None
        if isinstance(geom, dict) and geom.get("type") == "Point":
            coords = geom.get("coordinates") or [None, None]
            props["lon"], props["lat"] = (list(coords) + [None, None])[:2]
        elif geom is not None:
            props["lon"] = props["lat"] = f"unsupported geometry {geom.get('type')}"
        records.append(props)
    return _frame_view(con, records)


def read_input(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    workdir: Path,
    aliases: dict[str, tuple[str, ...]] | None = None,
    sheet: str | None = None,
) -> str:
    """Read ``path`` into a temporary table of text columns plus :data:`ROW`."""
    fmt = detect_format(path)
    if fmt == "csv":
        view = _read_csv(con, path, workdir)
    elif fmt == "xlsx":
        view = _read_xlsx(con, path, sheet)
    elif fmt == "json":
        view = _read_json(con, path)
    else:
        view = _read_geojson(con, path)
    rows = con.execute(f"SELECT count(*) FROM {view}").fetchone()[0]
    if rows > config.max_rows():
        raise InputError(
            f"{path.name}: {rows:,} rows exceed the limit of {config.max_rows():,} (SINN_MAX_ROWS)"
        )
    return view


def canonical_select(
    con: duckdb.DuckDBPyConnection,
    table: str,
    aliases: dict[str, tuple[str, ...]],
    alias: str = "s",
) -> tuple[str, str]:
    """SELECT list mapping a table's headers to canonical columns, and the raw-row JSON.

    Unknown headers go to ``extra``; the second value rebuilds the row as read.
    """
    lookup = alias_lookup(aliases)
    headers = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall() if r[0] != ROW]
    chosen: dict[str, str] = {}
    unknown: list[str] = []
    for header in headers:
        column = lookup.get(normalise_header(header))
        if column and column not in chosen:
            chosen[column] = header
        else:
            unknown.append(header)

    def ref(header: str) -> str:
        return f"CAST({alias}.{_quote(header)} AS VARCHAR)"

    def as_json(names: list[str]) -> str:
        pairs = ", ".join(f"{_literal(h)}: {ref(h)}" for h in names)
        return f"CAST(to_json({{{pairs}}}) AS VARCHAR)" if names else "NULL::VARCHAR"

    parts = [
        f"{ref(chosen[c]) if c in chosen else 'NULL::VARCHAR'} AS {c}" for c in aliases
    ]
    parts.append(f"{as_json(unknown)} AS extra")
    return ", ".join(parts), (as_json(headers) if headers else "'{}'")


def _quote(identifier: str) -> str:
    """A DuckDB identifier in double quotes (headers come from files)."""
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    """A DuckDB string literal for a struct key (headers come from files)."""
    return "'" + text.replace("'", "''") + "'"
