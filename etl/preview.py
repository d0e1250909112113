"""``python -m etl inspect FILE``: how a file would import, without building it."""

from __future__ import annotations

import tempfile
from pathlib import Path

import openpyxl

from etl import importer, ingest
from etl.headers import ALIASES, ALL_ALIASES, ColumnMap, HeaderError
from etl.macros import install_macros
from etl.readers import text
from etl.reference import build_reference
from etl.schema import header_score
from sinn.db import connect

#: Rows whose geocoding result is shown.
PREVIEW_ROWS = 10


def guess_kind(headers: list[str]) -> str:
    """``event`` when event-only fields are recognised, else ``initiative``."""
    event_only = {
        k: v
        for k, v in ALIASES["event"].items()
        if k in ("type", "date", "participants")
    }
    return "event" if header_score(headers, event_only) else "initiative"


def _file_lines(path: Path, sheet: str | None, workdir: Path) -> list[str]:
    """Format, encoding and delimiter (CSV) or sheets (XLSX) of ``path``."""
    fmt = ingest.detect_format(path)
    lines = [f"file: {path}", f"format: {fmt}"]
    if fmt == "csv":
        found = text.sniff(path, workdir, ALL_ALIASES)
        lines += [f"{key}: {value}" for key, value in found.items()]
    elif fmt == "xlsx":
        book = openpyxl.load_workbook(path, read_only=True)
        try:
            sheets = [
                ws.title
                + ("" if ws.sheet_state == "visible" else f" ({ws.sheet_state})")
                for ws in book.worksheets
            ]
        finally:
            book.close()
        lines.append(f"sheets: {', '.join(sheets)}")
        if sheet:
            lines.append(f"sheet read: {sheet} (--sheet)")
    return lines


def inspect_file(
    path: Path,
    raw: Path,
    columns: ColumnMap | None = None,
    sheet: str | None = None,
    kind: str | None = None,
) -> tuple[list[str], bool]:
    """Report lines for ``path`` and whether it would be imported."""
    with connect() as con, tempfile.TemporaryDirectory() as work:
        lines = _file_lines(path, sheet, Path(work))
        install_macros(con)
        build_reference(con, raw)
        importer.prepare(con)
        table = importer.read_source(con, path, Path(work), sheet)
        kind = kind or guess_kind(importer.source_headers(con, table))
        lines += [f"reader: {note}" for note in ingest.notes(con, table)]
        lines.append(f"kind: {kind}")
        try:
            result = importer.stage_table(con, kind, path, table, 1, False, columns)
        except HeaderError as exc:
            mapping = exc.mapping
            lines += [f"  {h!r} -> {mapping.how(h)}" for h in mapping.headers]
            lines.append(f"REFUSED: {exc}")
            return lines, False
        lines.append(f"rows: {result.rows}")
        lines.append("headers:")
        lines += [f"  {h!r} -> {result.mapping.how(h)}" for h in result.mapping.headers]
        lines.append(
            f"visibility: column {result.visibility!r}"
            if result.visibility
            else f"visibility: no visibility column: {result.rows} rows "
            "treated as public"
        )
        preview = importer.preview(con, result, PREVIEW_ROWS)
    lines.append(f"geocoding, first {len(preview)} rows:")
    for row, name, outcome, method, ags, place, detail in preview:
        where = f" by {method} -> {ags} {place}" if ags else f" ({detail})"
        lines.append(f"  row {row} {name!r}: {outcome}{where}")
    return lines, True
