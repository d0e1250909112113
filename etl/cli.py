"""Command line: ``python -m etl fetch | build``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

from sinn import config


def _parser() -> argparse.ArgumentParser:
    """The argument parser with one sub-command per pipeline step."""
    parser = argparse.ArgumentParser(prog="python -m etl", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    fetch = sub.add_parser(
        "fetch", help="copy/download the reference data into data/raw"
    )
    fetch.add_argument(
        "--mirror", type=Path, help="mirror folder (default SINN_DATA_MIRROR)"
    )
    fetch.add_argument("--raw", type=Path, help="target folder (default data/raw)")
    build = sub.add_parser("build", help="build and publish the DuckDB database")
    build.add_argument(
        "--demo", action="store_true", help="include the seeded demo data"
    )
    build.add_argument(
        "--initiatives", type=Path, nargs="+", default=[], metavar="FILE"
    )
    build.add_argument("--events", type=Path, nargs="+", default=[], metavar="FILE")
    build.add_argument(
        "--operations",
        type=Path,
        nargs="+",
        default=[],
        metavar="FILE",
        help="EU lists of operations (Liste der Vorhaben), CSV or XLSX",
    )
    build.add_argument(
        "--fund",
        choices=["ESF", "ERDF", "ESF Plus"],
        help="fund of the --operations lists (default: from the file name)",
    )
    build.add_argument("--db", type=Path, help="database path (default SINN_DB)")
    build.add_argument(
        "--raw", type=Path, help="reference data folder (default data/raw)"
    )
    return parser


def _fetch(args: argparse.Namespace) -> int:
    """Run the fetch step."""
    from etl.fetch import FetchError, fetch

    try:
        for line in fetch(raw=args.raw, mirror=args.mirror):
            print(line)
    except FetchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def _build(args: argparse.Namespace) -> int:
    """Run the build step and print its summary."""
    from etl.build import build
    from etl.checks import CheckFailed
    from etl.ingest import InputError
    from etl.publish import BuildLocked

    inputs = [*args.initiatives, *args.events, *args.operations]
    folders = [p for p in inputs if p.is_dir()]
    if folders:
        print(f"error: {folders[0]}: is a directory, not a file", file=sys.stderr)
        return 2
    missing = [p for p in inputs if not p.is_file()]
    if missing:
        print(
            f"error: input file not found: {', '.join(map(str, missing))}",
            file=sys.stderr,
        )
        return 2
    raw = args.raw or config.raw_dir()
    if not (raw / config.BOUNDARIES_FILE).is_file():
        print(
            f"error: reference data missing in {raw}; run `python -m etl fetch` first",
            file=sys.stderr,
        )
        return 2
    try:
        summary = build(
            args.db,
            args.demo,
            args.initiatives,
            args.events,
            raw,
            args.operations,
            args.fund,
        )
    except (InputError, CheckFailed, BuildLocked, duckdb.Error, OSError) as exc:
        print(
            f"error: build failed, previous database left untouched: {exc}",
            file=sys.stderr,
        )
        return 1
    print(summary.to_text())
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m etl`` and ``sinn-etl``."""
    args = _parser().parse_args(argv)
    if args.command == "fetch":
        return _fetch(args)
    return _build(args)
