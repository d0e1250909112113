"""Command line: ``python -m etl fetch | build | inspect``."""

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
    _input_options(build)
    build.add_argument(
        "--allow-empty",
        action="store_true",
        help="publish even when a non-empty input yields no accepted row",
    )
    inspect = sub.add_parser(
        "inspect", help="show how a file would import, without building anything"
    )
    inspect.add_argument("file", type=Path, metavar="FILE")
    inspect.add_argument(
        "--kind",
        choices=("initiative", "event"),
        help="kind of rows (default: guessed from the headers)",
    )
    inspect.add_argument(
        "--raw", type=Path, help="reference data folder (default data/raw)"
    )
    _input_options(inspect)
    return parser


def _input_options(parser: argparse.ArgumentParser) -> None:
    """Options on how input files are read: column map and sheet."""
    parser.add_argument(
        "--columns",
        type=Path,
        metavar="FILE",
        help='TOML column map for headers no alias covers, e.g. name = "Titel"',
    )
    parser.add_argument("--sheet", help="XLSX sheet to read (default: found)")


def _reference_missing(raw: Path) -> bool:
    """Print an error and return True when the reference data is missing."""
    if (raw / config.BOUNDARIES_FILE).is_file():
        return False
    print(
        f"error: reference data missing in {raw}; run `python -m etl fetch` first",
        file=sys.stderr,
    )
    return True


def _missing_files(paths: list[Path]) -> bool:
    """Print an error and return True when an input path is not a file."""
    folders = [p for p in paths if p.is_dir()]
    if folders:
        print(f"error: {folders[0]}: is a directory, not a file", file=sys.stderr)
        return True
    missing = [p for p in paths if not p.is_file()]
    if missing:
        print(
            f"error: input file not found: {', '.join(map(str, missing))}",
            file=sys.stderr,
        )
    return bool(missing)


def _inspect(args: argparse.Namespace) -> int:
    """Print how one file maps and geocodes; exit 1 when it would be refused."""
    from etl.headers import load_column_map
    from etl.ingest import InputError
    from etl.preview import inspect_file

    raw = args.raw or config.raw_dir()
    if _missing_files([args.file]) or _reference_missing(raw):
        return 2
    try:
        columns = load_column_map(args.columns)
        lines, ok = inspect_file(args.file, raw, columns, args.sheet, args.kind)
    except (InputError, duckdb.Error, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print("\n".join(lines))
    return 0 if ok else 1


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
    from etl.build import ImportOptions, build
    from etl.checks import CheckFailed
    from etl.ingest import InputError
    from etl.publish import BuildLocked

    raw = args.raw or config.raw_dir()
    inputs = [*args.initiatives, *args.events, *args.operations]
    if _missing_files(inputs) or _reference_missing(raw):
        return 2
    options = ImportOptions(args.columns, args.sheet, args.allow_empty)
    try:
        summary = build(
            args.db,
            args.demo,
            args.initiatives,
            args.events,
            raw,
            args.operations,
            args.fund,
            options=options,
        )
    except (InputError, CheckFailed, BuildLocked, duckdb.Error, OSError) as exc:
        print(
            "error: build failed, nothing published, previous database left "
            f"untouched (rejects.csv too): {exc}",
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
    if args.command == "inspect":
        return _inspect(args)
    return _build(args)
