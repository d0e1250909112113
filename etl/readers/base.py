"""What every reader shares: the error type, the row column, text tables, rejects."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence

import duckdb
import pyarrow as pa

from etl.schema import header_score
from sinn import config

#: Column holding the 1-based data row number in every source table.
ROW = "__sinn_row"
#: How many leading rows/lines may hold a title or notes above the header.
HEADER_SCAN = 20
_CHUNK = 50_000
_NOTES = "reader_notes"
_REJECTS = "reader_rejects"


class InputError(ValueError):
    """An input file cannot be read at all (wrong format, too large, too many rows)."""


def quote(identifier: str) -> str:
    """A DuckDB identifier in double quotes (headers come from files)."""
    return '"' + identifier.replace('"', '""') + '"'


def new_name() -> str:
    """A fresh name for a temporary source table."""
    return f"src_{uuid.uuid4().hex[:12]}"


def drop_source(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Drop a source relation: a table, or a numbered view and the table it reads."""
    if _exists(con, name, view=True):
        con.execute(f"DROP VIEW {name}; DROP TABLE {name}_read")
    else:
        con.execute(f"DROP TABLE {name}")


def rename_column(
    con: duckdb.DuckDBPyConnection, name: str, old: str, new: str
) -> None:
    """Rename a column of a source relation (a view is renamed in its read table)."""
    if not _exists(con, name, view=True):
        con.execute(f"ALTER TABLE {name} RENAME COLUMN {quote(old)} TO {quote(new)}")
        return
    con.execute(f"ALTER TABLE {name}_read RENAME COLUMN {quote(old)} TO {quote(new)}")
    numbered_view(con, name)


def numbered_view(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """View ``name``: the rows of table ``<name>_read`` numbered by their rowid."""
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {name} AS "
        f"SELECT rowid + 1 AS {ROW}, * FROM {name}_read"
    )


def empty_table(con: duckdb.DuckDBPyConnection) -> str:
    """A table with no columns and no rows (empty or header-only inputs)."""
    name = new_name()
    con.execute(f"CREATE TEMP TABLE {name} AS SELECT NULL::BIGINT AS {ROW} LIMIT 0")
    return name


def unique_headers(cells: Sequence[object]) -> list[str]:
    """Header names as text: blanks become ``columnN``, repeats get ``_2``, ``_3``."""
    seen: dict[str, int] = {}
    out = []
    for i, cell in enumerate(cells, start=1):
        name = "" if cell is None else str(cell).strip()
        name = name or f"column{i}"
        key = name.lower()
        seen[key] = seen.get(key, 0) + 1
        out.append(name if seen[key] == 1 else f"{name}_{seen[key]}")
    return out


def best_header(rows: Sequence[Sequence[object]], aliases: dict) -> tuple[int, int]:
    """Index and score of the first row with the most recognised headers.

    With no recognised header at all, the first non-empty row (score 0).
    """
    best, best_score = None, 0
    for i, row in enumerate(rows[:HEADER_SCAN]):
        cells = [str(c) for c in row if c is not None and str(c).strip()]
        if not cells:
            continue
        score = header_score(cells, aliases)
        if best is None or score > best_score:
            best, best_score = i, score
    return (0 if best is None else best), best_score


def check_rows(name: str, rows: int, width: int) -> None:
    """Raise as soon as a file exceeds the row or cell limit (checked while reading)."""
    if rows > config.max_rows():
        raise InputError(
            f"{name}: {rows:,} rows exceed the limit of {config.max_rows():,} "
            "(SINN_MAX_ROWS); reading stopped there"
        )
    if rows * width > config.max_cells():
        raise InputError(
            f"{name}: {rows * width:,} cells ({rows:,} rows × {width:,} columns) "
            f"exceed the limit of {config.max_cells():,} (SINN_MAX_CELLS); "
            "reading stopped there"
        )


class TableWriter:
    """Append text rows to a new temporary table in chunks, so memory stays bounded."""

    def __init__(self, con: duckdb.DuckDBPyConnection, headers: list[str]) -> None:
        """Create the table: :data:`ROW` plus one VARCHAR column per header."""
        self.con, self.headers, self.name = con, headers, new_name()
        columns = ", ".join(f"{quote(h)} VARCHAR" for h in headers)
        con.execute(f"CREATE TEMP TABLE {self.name} ({ROW} BIGINT, {columns})")
        self._rows: list[int] = []
        self._cols: list[list[str | None]] = [[] for _ in headers]

    def add(self, row: int, values: Sequence[str | None]) -> None:
        """Queue one row (exactly one value per header)."""
        self._rows.append(row)
        for col, value in zip(self._cols, values, strict=True):
            col.append(value)
        if len(self._rows) >= _CHUNK:
            self.flush()

    def flush(self) -> None:
        """Insert the queued rows."""
        if not self._rows:
            return
        arrays = [pa.array(self._rows, pa.int64())]
        arrays += [pa.array(c, pa.string()) for c in self._cols]
        batch = pa.table(arrays, names=[f"c{i}" for i in range(len(arrays))])
        self.con.register("reader_batch", batch)
        self.con.execute(f"INSERT INTO {self.name} SELECT * FROM reader_batch")
        self.con.unregister("reader_batch")
        self._rows = []
        self._cols = [[] for _ in self.headers]

    def close(self) -> str:
        """Insert what is left; return the table name."""
        self.flush()
        return self.name


def add_rejects(
    con: duckdb.DuckDBPyConnection, table: str, rejects: list[tuple[int, str, dict]]
) -> None:
    """Keep rows a reader could not parse: (row number, detail, raw values)."""
    con.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {_REJECTS} "
        f"(source_table VARCHAR, {ROW} BIGINT, detail VARCHAR, raw VARCHAR)"
    )
    if not rejects:
        return
    batch = pa.table(
        {
            "t": pa.array([table] * len(rejects), pa.string()),
            "r": pa.array([r for r, _, _ in rejects], pa.int64()),
            "d": pa.array([d for _, d, _ in rejects], pa.string()),
            "raw": [json.dumps(raw, ensure_ascii=False) for _, _, raw in rejects],
        }
    )
    con.register("reader_reject_batch", batch)
    con.execute(f"INSERT INTO {_REJECTS} SELECT * FROM reader_reject_batch")
    con.unregister("reader_reject_batch")


def add_note(con: duckdb.DuckDBPyConnection, table: str, note: str) -> None:
    """Remember something the build summary should say about this input."""
    con.execute(f"CREATE TEMP TABLE IF NOT EXISTS {_NOTES} (t VARCHAR, note VARCHAR)")
    con.execute(f"INSERT INTO {_NOTES} VALUES (?, ?)", [table, note])


def notes(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """What the reader of ``table`` wants the user to know (hidden sheets, ...)."""
    if not _exists(con, _NOTES):
        return []
    rows = con.execute(f"SELECT note FROM {_NOTES} WHERE t = ?", [table]).fetchall()
    return [r[0] for r in rows]


def store_rejects(
    con: duckdb.DuckDBPyConnection, table: str, kind: str, source_file: str
) -> int:
    """Move the reader-level rejects of ``table`` into ``rejects``; return the count."""
    if not _exists(con, _REJECTS):
        return 0
    params = [kind, source_file, table]
    con.execute(
        f"INSERT INTO rejects SELECT ?, ?, {ROW}, 'unparseable_value', detail, raw "
        f"FROM {_REJECTS} WHERE source_table = ? ORDER BY {ROW}",
        params,
    )
    count = con.execute(
        f"SELECT count(*) FROM {_REJECTS} WHERE source_table = ?", [table]
    ).fetchone()[0]
    con.execute(f"DELETE FROM {_REJECTS} WHERE source_table = ?", [table])
    return count


def _exists(con: duckdb.DuckDBPyConnection, name: str, view: bool = False) -> bool:
    """Whether a temporary table (or view) of this name exists on the connection."""
    kind = "view" if view else "table"
    return bool(
        con.execute(
            f"SELECT count(*) FROM duckdb_{kind}s() "
            f"WHERE temporary AND {kind}_name = ?",
            [name],
        ).fetchone()[0]
    )
