"""The build: reference → import → geocode → marts → checks → atomic publish."""

from __future__ import annotations

import contextlib
import json
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from etl import aggregate, checks, importer, ingest, marts, publish
from etl.macros import install_macros
from etl.operations import ESF_LIST, import_operations
from etl.reference import build_reference
from etl.schema import TABLE_DDL
from sinn import config
from sinn.atomic import atomic_path
from sinn.db import connect


@dataclass
class RunSummary:
    """What one build read, accepted and rejected; also stored in ``etl_runs``."""

    run_id: str
    db_path: str
    started_at: str
    duration_s: float = 0.0
    status: str = "running"
    demo: bool = False
    boundary_file: str = ""
    municipalities: int = 0
    districts: int = 0
    inputs: list[dict] = field(default_factory=list)
    rows_read: int = 0
    accepted: dict[str, int] = field(default_factory=dict)
    rejected: int = 0
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    unmatched_keys: dict[str, list[str]] = field(default_factory=dict)
    operations: dict[str, int] = field(default_factory=dict)
    checks_passed: int = 0
    timings: dict[str, float] = field(default_factory=dict)

    def to_text(self) -> str:
        """A human-readable summary for the CLI."""
        lines = [
            f"Build {self.status}: {self.db_path} in {self.duration_s:.2f} s",
            f"  reference: {self.districts} districts, {self.municipalities} municipalities "
            f"({self.boundary_file})",
        ]
        lines += [
            f"  input {i['kind']:<10} {Path(i['path']).name}: {i['rows']} rows"
            + (" (demo)" if i.get("demo") else "")
            + "".join(f"\n    note: {n}" for n in i.get("notes", ()))
            for i in self.inputs
        ]
        accepted = ", ".join(f"{v} {k}" for k, v in self.accepted.items())
        lines.append(
            f"  rows read {self.rows_read}; accepted {accepted}; rejected {self.rejected}"
        )
        lines += [
            f"    rejected {r}: {n}" for r, n in sorted(self.rejected_by_reason.items())
        ]
        if self.operations:
            placed = ", ".join(f"{n} {k}" for k, n in self.operations.items())
            lines.append(f"  operations placed: {placed}")
        for name, keys in self.unmatched_keys.items():
            lines.append(f"  unmatched {name}: {len(keys)} ({', '.join(keys[:5])}…)")
        lines.append(f"  data checks passed: {self.checks_passed}")
        steps = ", ".join(f"{k} {v:.2f} s" for k, v in self.timings.items())
        lines.append(f"  timings: {steps}")
        return "\n".join(lines)


@contextlib.contextmanager
def _timed(summary: RunSummary, step: str) -> Iterator[None]:
    """Record the wall time of one build step in ``summary.timings``."""
    start = time.perf_counter()
    yield
    summary.timings[step] = round(time.perf_counter() - start, 3)


def _write_database(con: duckdb.DuckDBPyConnection, target: Path) -> None:
    """Copy every persistent table and the metric macros into a new file."""
    tables = [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() "
            "WHERE database_name = current_database() AND NOT temporary ORDER BY 1"
        ).fetchall()
    ]
    # ATTACH takes no bound parameters; the path is ours, quotes are escaped anyway.
    literal = "'" + str(target).replace("'", "''") + "'"
    con.execute(f"ATTACH {literal} AS publish_target")
    try:
        for table in tables:
            con.execute(f"CREATE TABLE publish_target.{table} AS SELECT * FROM {table}")
        marts.create_metric_macros(con, "publish_target")
    finally:
        con.execute("DETACH publish_target")


def _create_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the initiative, event and reject tables."""
    for ddl in TABLE_DDL.values():
        con.execute(ddl)


def _previous_runs(con: duckdb.DuckDBPyConnection, db_path: Path) -> None:
    """Create ``etl_runs``, carrying over the history of the database being replaced."""
    con.execute(
        """
        CREATE TABLE etl_runs (
            run_id VARCHAR PRIMARY KEY, started_at TIMESTAMP, finished_at TIMESTAMP,
            duration_s DOUBLE, status VARCHAR, demo BOOLEAN, inputs JSON,
            rows_read BIGINT, accepted JSON, rejected BIGINT,
            rejected_by_reason JSON, unmatched_keys JSON, boundary_file VARCHAR)
        """
    )
    if not db_path.exists():
        return
    try:
        old = duckdb.connect(str(db_path), read_only=True)
    except duckdb.Error:
        return  # an unreadable previous file is replaced; its history is lost
    with old:
        if old.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'etl_runs'"
        ).fetchone()[0]:
            frame = old.execute("SELECT * FROM etl_runs").df()
            con.register("old_runs", frame)
            con.execute("INSERT INTO etl_runs BY NAME SELECT * FROM old_runs")
            con.unregister("old_runs")


def _record_run(con: duckdb.DuckDBPyConnection, summary: RunSummary) -> None:
    """Insert this run into ``etl_runs``."""
    s = asdict(summary)
    con.execute(
        "INSERT INTO etl_runs VALUES (?, ?, now(), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            s["run_id"], s["started_at"], s["duration_s"], "published", s["demo"],
            json.dumps(s["inputs"]), s["rows_read"], json.dumps(s["accepted"]),
            s["rejected"], json.dumps(s["rejected_by_reason"]),
            json.dumps(s["unmatched_keys"]), s["boundary_file"],
        ],
    )  # fmt: skip


def _import(
    con: duckdb.DuckDBPyConnection,
    inputs: Sequence[tuple[str, Path, bool]],
    summary: RunSummary,
    workdir: Path,
) -> None:
    """Stage every input, then validate/geocode each kind set-based."""
    importer.prepare(con)
    staged: list[importer.InputResult] = []
    with _timed(summary, "read"):
        for order, (kind, path, is_demo) in enumerate(inputs, start=1):
            result = importer.stage_file(con, kind, path, order, is_demo, workdir)
            staged.append(result)
            summary.inputs.append(
                {
                    "kind": kind,
                    "path": str(path),
                    "rows": result.rows,
                    "demo": is_demo,
                    "notes": ingest.notes(con, result.table),
                }
            )
            summary.rows_read += result.rows
    for kind in importer.KINDS:
        importer.stage_view(con, kind, staged)
    publish.pause_point("import")
    # Reader-level rejects (ragged rows, stray bytes) are in rejects already.
    staged_rows = sum(
        con.execute(f"SELECT count(*) FROM stg_{kind}").fetchone()[0]
        + con.execute("SELECT count(*) FROM rejects WHERE kind = ?", [kind]).fetchone()[
            0
        ]
        for kind in importer.KINDS
    )
    with _timed(summary, "validate_geocode"):
        for kind, table in importer.KINDS.items():
            importer.process(con, kind, staged)
            summary.accepted[table] = con.execute(
                f"SELECT count(*) FROM {table}"
            ).fetchone()[0]
    summary.rejected = con.execute("SELECT count(*) FROM rejects").fetchone()[0]
    summary.rejected_by_reason = dict(
        con.execute(
            "SELECT reason, count(*) FROM rejects GROUP BY 1 ORDER BY 1"
        ).fetchall()
    )
    if (
        staged_rows != summary.rows_read
        or staged_rows != sum(summary.accepted.values()) + summary.rejected
    ):
        raise checks.CheckFailed(
            f"rows in ({summary.rows_read}) != accepted ({sum(summary.accepted.values())}) "
            f"+ rejected ({summary.rejected})"
        )


def _import_operations(
    con: duckdb.DuckDBPyConnection,
    paths: Sequence[Path],
    fund: str | None,
    summary: RunSummary,
    workdir: Path,
) -> None:
    """Import the lists of operations and add their counts to ``summary``."""
    with _timed(summary, "operations"):
        report = import_operations(con, paths, fund, workdir)
    if not paths:
        return  # the empty tables and marts exist; nothing to count
    summary.inputs += report.inputs
    summary.rows_read += report.rows
    summary.accepted["operations"] = report.accepted
    summary.operations = report.by_precision
    if report.district_only:
        summary.unmatched_keys["operation_places_district_only"] = report.district_only
    summary.rejected = con.execute("SELECT count(*) FROM rejects").fetchone()[0]
    summary.rejected_by_reason = dict(
        con.execute(
            "SELECT reason, count(*) FROM rejects GROUP BY 1 ORDER BY 1"
        ).fetchall()
    )


def build(
    db_path: Path | None = None,
    demo: bool = False,
    initiatives: Sequence[Path] = (),
    events: Sequence[Path] = (),
    raw: Path | None = None,
    operations: Sequence[Path] = (),
    fund: str | None = None,
) -> RunSummary:
    """Build and publish the database; on any failure the previous file stays as it was."""
    db_path = Path(db_path or config.db_path())
    raw = Path(raw or config.raw_dir())
    db_path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    summary = RunSummary(
        run_id=uuid.uuid4().hex[:12],
        db_path=str(db_path),
        started_at=datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds"),
        demo=demo,
    )
    wait = config.lock_wait_s()
    with publish.build_lock(db_path, wait), tempfile.TemporaryDirectory() as work:
        publish.remove_stale_temp(db_path)
        tmp = publish.temp_path(db_path)
        try:
            # Work in memory (no WAL, no index upkeep) and write the file once at the end.
            con = connect()
            with con:
                # Bounded memory: DuckDB spills to the work folder beyond the limit.
                con.execute("SET memory_limit = ?", [f"{config.duckdb_memory_mb()}MB"])
                con.execute("SET temp_directory = ?", [work])
                install_macros(con)
                marts.create_metric_macros(con)
                with _timed(summary, "reference"):
                    report = build_reference(con, raw)
                summary.boundary_file = report.boundary_file
                summary.municipalities, summary.districts = (
                    report.municipalities,
                    report.districts,
                )
                summary.unmatched_keys = report.unmatched
                _create_tables(con)
                inputs = [("initiative", Path(p), False) for p in initiatives]
                inputs += [("event", Path(p), False) for p in events]
                if demo:
                    from etl.demo import write_demo_files

                    demo_i, demo_e = write_demo_files(con, Path(work))
                    inputs = [
                        ("initiative", demo_i, True),
                        ("event", demo_e, True),
                        *inputs,
                    ]
                _import(con, inputs, summary, Path(work))
                lists = [Path(p) for p in operations]
                if demo:  # the real ESF list beside the invented initiatives
                    if (raw / ESF_LIST).is_file():
                        lists.insert(0, raw / ESF_LIST)
                    else:
                        summary.unmatched_keys["missing_raw_files"] = [ESF_LIST]
                _import_operations(con, lists, fund, summary, Path(work))
                with _timed(summary, "aggregate"):
                    marts.build_facts(con)
                    aggregate.build_stats(con)
                    aggregate.add_distances(con)
                publish.pause_point("aggregate")
                with _timed(summary, "checks"):
                    summary.checks_passed = len(checks.run_checks(con))
                _previous_runs(con, db_path)
                summary.duration_s = round(time.perf_counter() - started, 3)
                _record_run(con, summary)
                with _timed(summary, "publish"):
                    _write_database(con, tmp)
            publish.pause_point("publish")
            publish.replace_atomically(tmp, db_path)
            summary.duration_s = round(time.perf_counter() - started, 3)
        finally:
            tmp.unlink(missing_ok=True)
            tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)
    summary.status = "published"
    write_rejects_csv(db_path)
    return summary


def write_rejects_csv(db_path: Path) -> Path:
    """Write ``rejects.csv`` next to the database (atomically)."""
    out = db_path.with_name("rejects.csv")
    with atomic_path(out) as tmp, connect(db_path, read_only=True) as con:
        con.execute(
            "COPY (SELECT * FROM rejects ORDER BY kind, source_file, source_row) TO ? "
            "(HEADER, DELIMITER ',')",
            [str(tmp)],
        )
    return out
