"""XLSX workbooks: streamed read-only, the table's sheet and header row found."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import duckdb
import openpyxl

from etl.readers.base import (
    HEADER_SCAN,
    InputError,
    TableWriter,
    add_note,
    best_header,
    check_rows,
    empty_table,
    unique_headers,
)
from sinn import config


def read_xlsx(
    con: duckdb.DuckDBPyConnection, path: Path, aliases: dict, sheet: str | None = None
) -> str:
    """Load the table of a workbook: the first visible sheet with recognised headers."""
    check_unzipped_size(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for corrupt workbooks
        raise InputError(f"{path.name}: not a readable XLSX workbook ({exc})") from exc
    try:
        return _read_book(con, book, path.name, aliases, sheet)
    finally:
        book.close()


def check_unzipped_size(path: Path) -> None:
    """Refuse a zip-based file whose content expands beyond the configured limit."""
    try:
        with zipfile.ZipFile(path) as archive:
            size = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"{path.name}: not a readable ZIP container ({exc})") from exc
    if size > config.max_unzipped_bytes():
        raise InputError(
            f"{path.name}: expands to {size / 1e6:,.0f} MB uncompressed; the limit is "
            f"{config.max_unzipped_bytes() / 1e6:,.0f} MB (SINN_MAX_UNZIPPED_MB)"
        )


def _read_book(
    con: duckdb.DuckDBPyConnection,
    book: openpyxl.Workbook,
    name: str,
    aliases: dict,
    sheet: str | None,
) -> str:
    """Choose the sheet and header row, then stream the rows under the header."""
    notes = []
    if sheet is not None:
        if sheet not in book.sheetnames:
            raise InputError(
                f"{name}: no sheet {sheet!r}; sheets: {', '.join(book.sheetnames)}"
            )
        candidates = [book[sheet]]
    else:
        candidates = [ws for ws in book.worksheets if ws.sheet_state == "visible"]
        notes += [
            f"{name}: sheet {ws.title!r} is hidden and was not read"
            for ws in book.worksheets
            if ws.sheet_state != "visible"
        ]
        if not candidates:
            raise InputError(f"{name}: the workbook has no visible sheet")
    found = []
    for ws in candidates:
        ws.reset_dimensions()  # the stored dimension may lie; read what is there
        head = list(
            ws.iter_rows(
                max_row=HEADER_SCAN, max_col=config.max_columns() + 1, values_only=True
            )
        )
        index, score = best_header(head, aliases)
        found.append((score, ws, index, head))
    best = max(found, key=lambda f: f[0])  # first of the best on ties
    score, ws, index, head = best
    notes += [
        f"{name}: sheet {other.title!r} also has a table and was not read "
        "(choose with --sheet)"
        for other_score, other, _, _ in found
        if other_score > 0 and other is not ws
    ]
    if len(book.sheetnames) > 1 or index > 0:
        notes.append(f"{name}: read sheet {ws.title!r}, header in row {index + 1}")
    if not head:
        table = empty_table(con)
    elif not any(_cell(c) is not None for c in head[index]):
        raise InputError(
            f"{name}: sheet {ws.title!r} has no header row in its first "
            f"{HEADER_SCAN} rows and {config.max_columns():,} columns"
        )
    else:
        table = _read_rows(con, ws, head[index], index + 1, name)
    for note in notes:
        add_note(con, table, note)
    return table


def _read_rows(
    con: duckdb.DuckDBPyConnection,
    ws: object,
    header: tuple,
    header_row: int,
    name: str,
) -> str:
    """Stream rows below the header, bounded by the header's last non-empty column."""
    width = max(i for i, c in enumerate(header, start=1) if _cell(c) is not None)
    if width > config.max_columns():
        raise InputError(
            f"{name}: the header row is wider than {config.max_columns():,} columns "
            "(SINN_MAX_COLUMNS)"
        )
    writer = TableWriter(con, unique_headers(header[:width]))
    row = 0
    for values in ws.iter_rows(min_row=header_row + 1, max_col=width, values_only=True):
        cells = [_cell(v) for v in values]
        if all(c is None for c in cells):
            continue
        row += 1
        check_rows(name, row, width)
        writer.add(row, cells + [None] * (width - len(cells)))
    return writer.close()


def _cell(value: object) -> str | None:
    """Text form of a cell; dates as ISO dates, whole floats without ``.0``."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else str(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = str(value)
    return text if text.strip() else None
