"""Reader benchmark: hostile XLSX and text files against normal files of the same size.

Usage: python -m bench.bench_readers [--rows 200000]

Each case runs ``etl.ingest.read_input`` in a fresh child process (spawned, so its
peak RSS is its own) and prints wall time, peak RSS and the outcome (rows read,
rows rejected, or the error message), next to the baseline case of the same row
count: a normal workbook, a clean UTF-8 CSV. Cases from issue 13: one cell per
row at column XFD (1,000 and N rows, with and without a table beside it), one
Latin-1 byte in an N-row UTF-8 file, an unquoted ``;`` in row 90 % of the file.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import tempfile
import time
from pathlib import Path

import duckdb

from bench.far_workbooks import far_column_workbook
from etl import ingest
from etl.schema import INITIATIVE_ALIASES, TABLE_DDL


def _csv(path: Path, rows: int, stray: int | None = None, ragged: int | None = None):
    """An N-row UTF-8 CSV; optionally one Latin-1 byte or one unquoted ';' in a row."""
    with path.open("wb") as fh:
        fh.write(b"id;name;gemeinde;plz\n")
        for i in range(1, rows + 1):
            place = "G\xf6rlitz".encode("latin-1") if i == stray else "Görlitz".encode()
            name = b"Initiative; Teil 2" if i == ragged else b"Initiative %d" % i
            fh.write(b"%d;%s;%s;02826\n" % (i, name, place))
    return path


def _child(path: str, out: mp.Queue) -> None:
    """Read one file; report seconds, peak RSS (MiB) and the outcome."""
    con = duckdb.connect()
    con.execute(TABLE_DDL["rejects"])
    start = time.perf_counter()
    try:
        table = ingest.read_input(
            con, Path(path), Path(path).parent, INITIATIVE_ALIASES
        )
        bad = ingest.store_rejects(con, table, "initiative", Path(path).name)
        rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        outcome = f"{rows:,} rows, {bad:,} rejected"
    except ingest.InputError as exc:
        outcome = f"InputError: {exc}"
    seconds = time.perf_counter() - start
    out.put(
        (seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, outcome)
    )


def measure(path: Path) -> tuple[float, float, str]:
    """Run :func:`_child` in a spawned process and return its report."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(str(path), queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def main() -> None:
    """Build the files, measure each case, print figures and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    n = parser.parse_args().rows
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        xlsx = far_column_workbook
        ragged = int(n * 0.9) + 1
        groups = {}
        for rows in (n, 1000):
            groups[f"XLSX, {rows:,} rows"] = [
                (
                    "baseline: normal workbook",
                    xlsx(d / f"a{rows}.xlsx", rows, far=False),
                ),
                ("table + one cell per row at XFD", xlsx(d / f"b{rows}.xlsx", rows)),
                (
                    "only one cell per row at XFD",
                    xlsx(d / f"c{rows}.xlsx", rows, False),
                ),
            ]
        groups[f"CSV, {n:,} rows"] = [
            ("baseline: clean UTF-8", _csv(d / "g.csv", n)),
            ("one Latin-1 byte in the last row", _csv(d / "h.csv", n, stray=n)),
            (f"unquoted ';' in row {ragged:,}", _csv(d / "i.csv", n, ragged=ragged)),
        ]
        for title, cases in groups.items():
            print(title)
            results = [measure(path) for _, path in cases]
            base_s, base_rss, _ = results[0]
            for (label, path), (s, rss, outcome) in zip(cases, results, strict=True):
                print(
                    f"  {label:<36} {path.stat().st_size / 1e6:6.2f} MB  {s:6.2f} s "
                    f"({s / base_s:4.1f}x)  peak RSS {rss:5.0f} MiB "
                    f"({rss / base_rss:4.2f}x)  {outcome[:90]}"
                )


if __name__ == "__main__":
    main()
