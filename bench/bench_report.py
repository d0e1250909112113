"""Benchmark the district reports: all 13 Kreisdossiers against one, in one process.

Builds nothing: reads the published database (``SINN_DB`` or ``--db``; build it
first with ``python -m etl build --demo``). Prints the time of one report (the
baseline: shared context loaded, map drawn, PDF written), of all 13 reports with
the shared context loaded once, and their ratio. Target: all 13 under 30 s.
Run from the project root: ``.venv/bin/python -m bench.bench_report``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from dashboard.report import file_name, load_context, write_report
from sinn import config
from sinn.db import connect

TARGET_S = 30.0


def main() -> None:
    """Time one report, then all 13, and print both with their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=None)
    db = parser.parse_args().db or config.db_path()
    with connect(db, read_only=True) as con, tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        write_report(con, "14612", out / "warmup.pdf")  # imports, font loading
        start = time.perf_counter()
        write_report(con, "14730", out / "one.pdf")
        one = time.perf_counter() - start
        start = time.perf_counter()
        ctx = load_context(con)
        for ars in ctx.districts.index:
            write_report(con, ars, out / file_name(ars), ctx=ctx)
        every = time.perf_counter() - start
        size = sum(p.stat().st_size for p in out.glob("kreisdossier_*.pdf"))
    n = len(ctx.districts)
    print(f"one report (baseline, Nordsachsen):  {one:6.2f} s")
    print(
        f"all {n} reports (shared context):    {every:6.2f} s "
        f"({every / n:.2f} s each, {size / 1e6:.1f} MB)"
    )
    print(
        f"ratio all/one:                       {every / one:6.2f}x "
        f"(13 independent runs would be {n:.0f}x)"
    )
    print(f"target under {TARGET_S:.0f} s: {'met' if every < TARGET_S else 'MISSED'}")


if __name__ == "__main__":
    main()
