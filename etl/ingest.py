"""Read input files of any supported format into DuckDB as text rows.

Every input becomes a relation with ``source_row`` (1-based data row), the
canonical columns of the import schema as VARCHAR, ``extra`` (JSON of unknown
columns) and ``raw`` (JSON of the row as read), so nothing is lost before the
set-based validation in :mod:`etl.geocode`.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from etl.readers import jsondoc, text, workbook
from etl.readers.base import ROW, InputError, notes, quote, store_rejects
from etl.schema import alias_lookup, normalise_header
from sinn import config

__all__ = [
    "ROW",
    "InputError",
    "canonical_select",
    "notes",
    "read_input",
    "store_rejects",
]

SUFFIXES = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".xlsx": "xlsx",
    ".json": "json",
    ".geojson": "geojson",
}
# Leading bytes of formats that are never a CSV/JSON (a PNG renamed to .csv, ...).
_BINARY_MAGIC = {
    b"\x89PNG": "PNG image",
    b"\xff\xd8\xff": "JPEG image",
    b"GIF8": "GIF image",
    b"%PDF": "PDF document",
    b"PK\x03\x04": "ZIP archive (e.g. XLSX)",
    b"\xd0\xcf\x11\xe0": "legacy Office file (XLS/DOC)",
    b"\x1f\x8b": "gzip archive",
}


def detect_format(path: Path) -> str:
    """Return csv/xlsx/json/geojson from the extension, checked against the content."""
    if path.is_dir():
        raise InputError(f"{path}: is a directory, not a file")
    if not path.is_file():
        raise InputError(f"{path}: no such file")
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


def read_input(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    workdir: Path,
    aliases: dict[str, tuple[str, ...]] | None = None,
    sheet: str | None = None,
) -> str:
    """Read ``path`` into a temporary table of text columns plus :data:`ROW`.

    ``aliases`` (the canonical fields of the kind being imported) locate the table:
    the header row below any title lines, the sheet of a workbook, the list inside
    a JSON object (without them: the first non-empty row, the first list). Rows the
    reader cannot parse are kept apart for :func:`store_rejects`; notes for the run
    summary come from :func:`notes`.
    """
    aliases = aliases or {}
    fmt = detect_format(path)
    if fmt == "csv":
        table = text.read_csv(con, path, workdir, aliases)
    elif fmt == "xlsx":
        table = workbook.read_xlsx(con, path, aliases, sheet)
    elif fmt == "json":
        table = jsondoc.read_json(con, path, aliases)
    else:
        table = jsondoc.read_geojson(con, path)
    rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    if rows > config.max_rows():
        raise InputError(
            f"{path.name}: {rows:,} rows exceed the limit of {config.max_rows():,} "
            "(SINN_MAX_ROWS)"
        )
    return table


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
        return f"CAST({alias}.{quote(header)} AS VARCHAR)"

    def as_json(names: list[str]) -> str:
        pairs = ", ".join(f"{_literal(h)}: {ref(h)}" for h in names)
        return f"CAST(to_json({{{pairs}}}) AS VARCHAR)" if names else "NULL::VARCHAR"

    parts = [
        f"{ref(chosen[c]) if c in chosen else 'NULL::VARCHAR'} AS {c}" for c in aliases
    ]
    parts.append(f"{as_json(unknown)} AS extra")
    return ", ".join(parts), (as_json(headers) if headers else "'{}'")


def _literal(text: str) -> str:
    """A DuckDB string literal for a struct key (headers come from files)."""
    return "'" + text.replace("'", "''") + "'"
