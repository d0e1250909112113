"""CSV and other delimited text: encoding per line, line endings, preamble, ragged rows.

Files with LF/CRLF endings and every row as wide as the header go to DuckDB's
parallel ``read_csv`` (lines in a minority encoding replaced by marker rows
first); anything else takes a Python pass that keeps each bad row apart with
its line number and raw text.
"""

from __future__ import annotations

import codecs
import csv
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import duckdb

from etl.readers.base import (
    HEADER_SCAN,
    ROW,
    InputError,
    TableWriter,
    add_note,
    add_rejects,
    best_header,
    check_rows,
    empty_table,
    new_name,
    numbered_view,
    quote,
    unique_headers,
)
from sinn import config

_BLOCK = 1 << 22
_DELIMITERS = ",;\t|"
_SEP_LINE = re.compile(r"^\s*sep=(.)\s*$", re.IGNORECASE)
_LONE_CR = re.compile(rb"\r(?!\n)")
_MAX_FIELD = 20_000_000
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_LABEL = {"utf-8": "UTF-8", "cp1252": "Windows-1252"}
_MARK = "\x01sinn-stray-line:"  # first field of a line set apart before parsing

csv.field_size_limit(_MAX_FIELD)


@dataclass(frozen=True)
class Plan:
    """How to decode a file: its majority encoding and what needs the careful pass."""

    encoding: str  # "utf-8" or "cp1252"
    mixed: bool  # some lines do not decode in that encoding
    lone_cr: bool  # a CR not followed by LF ends a line somewhere
    newlines: int = 0  # LF bytes: the file has at most one line more


@dataclass(frozen=True)
class Layout:
    """Where the table starts: delimiter, physical lines before the data, headers."""

    delimiter: str
    skip: int
    headers: list[str]


def read_csv(
    con: duckdb.DuckDBPyConnection, path: Path, workdir: Path, aliases: dict
) -> str:
    """Load delimited text as a temporary table of VARCHAR columns; return its name."""
    source = _from_utf16(path, workdir)
    plan = _scan(source)
    head = list(islice(_lines(source, plan), HEADER_SCAN + 1))
    if not any(text.strip() for _, text, _ in head):
        return empty_table(con)
    layout = _layout([text for _, text, _ in head], aliases)
    if not plan.lone_cr:
        table = _duckdb_read(con, source, plan, layout, workdir)
        if table:
            rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            check_rows(path.name, rows, len(layout.headers))
            _describe(con, table, path.name, plan, layout)
            return table
    table = _python_read(con, source, plan, layout, path.name)
    _describe(con, table, path.name, plan, layout)
    return table


def sniff(path: Path, workdir: Path, aliases: dict) -> dict[str, str]:
    """What :func:`read_csv` would decide: encoding, delimiter, header line."""
    source = _from_utf16(path, workdir)
    plan = _scan(source)
    head = list(islice(_lines(source, plan), HEADER_SCAN + 1))
    if not any(text.strip() for _, text, _ in head):
        return {"encoding": _LABEL[plan.encoding], "delimiter": "-", "header line": "-"}
    layout = _layout([text for _, text, _ in head], aliases)
    encoding = "UTF-16" if source != path else _LABEL[plan.encoding]
    return {
        "encoding": encoding + (" (mixed lines)" if plan.mixed else ""),
        "delimiter": repr(layout.delimiter),
        "header line": str(layout.skip),
    }


def _from_utf16(path: Path, workdir: Path) -> Path:
    """A UTF-8 copy of a UTF-16 file (Excel's "Unicode text"); other files as is."""
    with path.open("rb") as fh:
        head = fh.read(4)
    if head[:2] in _UTF16_BOMS:
        encoding = "utf-16"
    elif len(head) == 4 and head[1] == head[3] == 0 and head[0] and head[2]:
        encoding = "utf-16-le"
    elif len(head) == 4 and head[0] == head[2] == 0 and head[1] and head[3]:
        encoding = "utf-16-be"
    else:
        return path
    return _transcode(path, encoding, workdir)


def _scan(path: Path) -> Plan:
    """Decide the encoding so that valid UTF-8 stays UTF-8; find lone CRs."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    valid, lone_cr, pending_cr, newlines = True, False, False, 0
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(_BLOCK), b""):
            newlines += block.count(b"\n")
            if pending_cr and not block.startswith(b"\n"):
                lone_cr = True
            pending_cr = block.endswith(b"\r")  # its LF may open the next block
            body = block[:-1] if pending_cr else block
            lone_cr = lone_cr or bool(_LONE_CR.search(body))
            if valid:
                try:
                    decoder.decode(block)
                except UnicodeDecodeError:
                    valid = False
    lone_cr = lone_cr or pending_cr
    if valid:
        try:
            decoder.decode(b"", final=True)
            return Plan("utf-8", False, lone_cr, newlines)
        except UnicodeDecodeError:
            pass
    # Not all UTF-8: count lines by the encoding they decode in; the majority wins
    # and only the lines that disagree are set apart.
    utf8 = other = 0
    for lines in _line_chunks(path):
        if _utf8_chunk(lines) is not None:
            utf8 += sum(not raw.isascii() for raw in lines)
            continue
        for raw in lines:
            try:
                raw.decode("utf-8")
                utf8 += not raw.isascii()
            except UnicodeDecodeError:
                other += 1
    if utf8 == 0:
        return Plan("cp1252", False, lone_cr, newlines)
    return Plan("utf-8" if utf8 >= other else "cp1252", True, lone_cr, newlines)


def _line_chunks(path: Path) -> Iterator[list[bytes]]:
    """Lines with their endings in lists of about 4 MB (no UTF-8 BOM)."""
    with path.open("rb") as fh:
        first = True
        while lines := fh.readlines(_BLOCK):
            if first and lines[0].startswith(codecs.BOM_UTF8):
                lines[0] = lines[0][3:]
            first = False
            yield lines


def _utf8_chunk(lines: list[bytes]) -> str | None:
    """The chunk as text when all of it is UTF-8 (UTF-8 never splits a line)."""
    try:
        return b"".join(lines).decode("utf-8")
    except UnicodeDecodeError:
        return None


def _physical_lines(path: Path) -> Iterator[bytes]:
    """Lines of a file split at LF, CRLF and lone CR alike, without their endings."""
    with path.open("rb") as fh:
        first = True
        for line in fh:
            if first and line.startswith(codecs.BOM_UTF8):
                line = line[3:]
            first = False
            line = line.removesuffix(b"\n").removesuffix(b"\r")
            yield from line.split(b"\r")


def _lines(path: Path, plan: Plan) -> Iterator[tuple[int, str, bool]]:
    """(line number, text, not in the file's encoding) for every physical line."""
    repair = config.repair_encoding()
    for number, raw in enumerate(_physical_lines(path), start=1):
        text, stray = _decode(raw, plan, repair)
        yield number, text, stray


def _decode(raw: bytes, plan: Plan, repair: bool) -> tuple[str, bool]:
    """Decode one line; a line in the other encoding is flagged (or repaired)."""
    if raw.isascii():
        return raw.decode("ascii"), False
    if plan.encoding == "utf-8":
        try:
            return raw.decode("utf-8"), False
        except UnicodeDecodeError:
            if repair:
                return raw.decode("cp1252", errors="replace"), False
            return raw.decode("utf-8", errors="backslashreplace"), True
    if plan.mixed:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return text, not repair
    return raw.decode("cp1252", errors="replace"), False


def _records(lines: list[str], delimiter: str) -> list[tuple[list[str], int]]:
    """Parse leading lines: each record with the number of lines read up to its end."""
    reader = csv.reader((line + "\n" for line in lines), delimiter=delimiter)
    out = []
    try:
        for fields in reader:
            out.append((fields, reader.line_num))
    except csv.Error:
        pass  # a quoted field running past the scanned lines
    return out


def _layout(lines: list[str], aliases: dict) -> Layout:
    """Find delimiter and header row: most recognised headers, after any preamble."""
    start, candidates = 0, _DELIMITERS
    if lines and (match := _SEP_LINE.match(lines[0])):
        start, candidates = 1, match.group(1)
    best = None
    for delimiter in candidates:
        records = _records(lines[start:], delimiter)
        if not records:
            continue
        index, score = best_header([fields for fields, _ in records], aliases)
        key = (score, len(records[index][0]))
        if best is None or key > best[0]:
            best = (key, delimiter, records, index)
    if best is None:
        raise InputError("no header line found")
    (score, _), delimiter, records, index = best
    if score == 0 and len(candidates) > 1:
        # Nothing recognised: sniff the delimiter from the first lines (old rule).
        delimiter = _sniff("\n".join(lines[start:]))
        records = _records(lines[start:], delimiter)
        index = next(i for i, (fields, _) in enumerate(records) if any(fields))
    fields, end = records[index]
    return Layout(delimiter, start + end, unique_headers(fields))


def _sniff(sample: str) -> str:
    """The delimiter of a sample: ``;``, ``,``, tab or ``|``."""
    try:
        return csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        first = sample.splitlines()[0] if sample else ""
        return max(_DELIMITERS, key=first.count)


def _duckdb_read(
    con: duckdb.DuckDBPyConnection,
    source: Path,
    plan: Plan,
    layout: Layout,
    workdir: Path,
) -> str | None:
    """DuckDB's parallel strict reader; None when a row does not fit.

    Lines in a file's minority encoding are replaced by marker rows first, so
    that they keep their row numbers and leave as rejects.
    """
    strays: dict[int, str] = {}
    if plan.mixed:
        source, strays = _marked_copy(source, plan, layout, workdir)
    elif plan.encoding != "utf-8":
        source = _transcode(source, plan.encoding, workdir)
    name = new_name()
    params = {
        "path": str(source),
        "skip": layout.skip,
        "columns": dict.fromkeys(layout.headers, "VARCHAR"),
        "delim": layout.delimiter,
    }
    limit = ""
    if plan.newlines + 1 > config.max_rows():  # fewer lines cannot pass the limit
        limit = " LIMIT $limit"  # stop reading once passed (a LIMIT reads serially)
        params["limit"] = config.max_rows() + 1
    # Read in parallel (buffers of one maximum line) into a table that keeps the
    # file's order; its rowid then numbers the rows (a window would run serially).
    query = (
        f"CREATE TEMP TABLE {name}_read AS SELECT * "
        "FROM read_csv($path, header = false, skip = $skip, "
        "columns = $columns, delim = $delim, quote = '\"', escape = '\"', "
        "comment = '', strict_mode = true, null_padding = false, nullstr = '', "
        f"max_line_size = {_MAX_FIELD}, buffer_size = {_MAX_FIELD}, "
        f"parallel = $parallel){limit}"
    )
    for parallel in (True, False):  # quoted line breaks can need the serial reader
        try:
            con.execute(query, {**params, "parallel": parallel})
            break
        except duckdb.Error:
            continue
    else:
        return None
    if not strays:
        # A view numbers the rows: no second copy of the file's cells.
        numbered_view(con, name)
        return name
    # Marker rows are deleted below: the numbers are fixed in a copy first.
    con.execute(
        f"CREATE TEMP TABLE {name} AS SELECT rowid + 1 AS {ROW}, * FROM {name}_read; "
        f"DROP TABLE {name}_read"
    )
    if not _take_marked(con, name, plan, layout, strays):
        con.execute(f"DROP TABLE {name}")
        return None
    return name


def _marked_copy(
    source: Path, plan: Plan, layout: Layout, workdir: Path
) -> tuple[Path, dict[int, str]]:
    """A UTF-8 copy where each data line in the other encoding is a marker row."""
    out = workdir / f"{uuid.uuid4().hex[:8]}.utf8.csv"
    strays: dict[int, str] = {}
    filler = layout.delimiter * (len(layout.headers) - 1)
    repair, number = config.repair_encoding(), 0
    with out.open("w", encoding="utf-8", newline="") as dst:
        for lines in _line_chunks(source):
            text = _utf8_chunk(lines) if plan.encoding == "utf-8" else None
            if text is not None:  # most chunks of a UTF-8 file: copied whole
                dst.write(text)
                number += len(lines)
                continue
            for raw in lines:
                number += 1
                line, stray = _decode(raw.rstrip(b"\r\n"), plan, repair)
                if stray and number > layout.skip:
                    strays[number] = line
                    line = f"{_MARK}{number}{filler}"
                dst.write(line + "\n")
    return out, strays


def _take_marked(
    con: duckdb.DuckDBPyConnection,
    table: str,
    plan: Plan,
    layout: Layout,
    strays: dict[int, str],
) -> bool:
    """Turn marker rows into rejects; False when a marker did not land as its own row.

    A stray line inside a quoted multi-line field ends up inside a value; the
    caller then falls back to the line-by-line reader.
    """
    first = quote(layout.headers[0])
    marked = con.execute(
        f"SELECT {ROW}, {first} FROM {table} WHERE starts_with({first}, ?)", [_MARK]
    ).fetchall()
    rows = {
        int(v.removeprefix(_MARK)): r for r, v in marked if v[len(_MARK) :].isdigit()
    }
    if len(marked) != len(strays) or rows.keys() != strays.keys():
        return False
    con.execute(f"DELETE FROM {table} WHERE starts_with({first}, ?)", [_MARK])
    message = _stray_message(plan)
    rejects = [
        (row, f"line {n}: {message}", {"line": strays[n]}) for n, row in rows.items()
    ]
    add_rejects(con, table, rejects)
    return True


def _transcode(path: Path, encoding: str, workdir: Path) -> Path:
    """A UTF-8 copy of a file in one encoding (for DuckDB and the line reader)."""
    out = workdir / f"{uuid.uuid4().hex[:8]}.utf8.csv"
    with (
        path.open(encoding=encoding, errors="replace", newline="") as src,
        out.open("w", encoding="utf-8", newline="") as dst,
    ):
        for block in iter(lambda: src.read(_BLOCK), ""):
            dst.write(block)
    return out


def _python_read(
    con: duckdb.DuckDBPyConnection, source: Path, plan: Plan, layout: Layout, name: str
) -> str:
    """Parse line by line; rows of the wrong width or encoding become rejects."""
    width = len(layout.headers)
    writer = TableWriter(con, layout.headers)
    rejects: list[tuple[int, str, dict]] = []
    pending: list[tuple[str, bool]] = []

    def feed() -> Iterator[str]:
        for number, text, stray in _lines(source, plan):
            if number > layout.skip:
                pending.append((text, stray))
                yield text + "\n"

    reader = csv.reader(feed(), delimiter=layout.delimiter, strict=True)
    row = 0
    while True:
        first = layout.skip + reader.line_num + 1
        problem = None
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            if "end of data" in str(exc):
                raise InputError(
                    f"{name}: line {first}: a quoted field starts here and is never "
                    "closed (missing closing quote)"
                ) from exc
            fields, problem = None, f"not valid CSV ({exc})"
        text = "\n".join(t for t, _ in pending)
        stray = any(s for _, s in pending)
        pending.clear()
        if fields == []:
            continue  # blank line
        row += 1
        check_rows(name, row, width)
        last = layout.skip + reader.line_num
        where = f"line {first}" if last == first else f"lines {first}-{last}"
        if stray:
            problem = _stray_message(plan)
        elif problem is None and len(fields) != width:
            problem = f"{len(fields)} fields where the header has {width}"
        if problem:
            rejects.append((row, f"{where}: {problem}", {"line": text}))
        else:
            writer.add(row, [value or None for value in fields])
    table = writer.close()
    add_rejects(con, table, rejects)
    return table


def _stray_message(plan: Plan) -> str:
    """Why a line in the wrong encoding was set apart."""
    other = "cp1252" if plan.encoding == "utf-8" else "utf-8"
    return (
        f"{_LABEL[other]} text in a {_LABEL[plan.encoding]} file (kept as read; "
        "SINN_REPAIR_ENCODING=1 decodes such lines instead)"
    )


def _describe(
    con: duckdb.DuckDBPyConnection, table: str, name: str, plan: Plan, layout: Layout
) -> None:
    """Notes on what the reader decided where a user would not expect it."""
    if plan.mixed:
        add_note(con, table, f"{name}: encoding {_LABEL[plan.encoding]} (mixed lines)")
    if plan.lone_cr:
        add_note(con, table, f"{name}: line endings normalised (lone CR)")
    if layout.skip > 1:
        add_note(
            con, table, f"{name}: header in line {layout.skip}; lines above skipped"
        )
