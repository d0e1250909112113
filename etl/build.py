"""The build: reference → import → geocode → marts → checks → atomic publish."""

from __future__ import annotations

import contextlib
import json
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from etl import aggregate, checks, fetch, importer, ingest, marts, publish, refcache
from etl.headers import load_column_map
from etl.macros import install_macros
from etl.operations import ESF_LIST, import_operations
from etl.schema import TABLE_DDL
from sinn import config
from sinn.db import connect

#: File name of the rejected rows, published next to the database.
REJECTS_CSV = "rejects.csv"


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
    # reference tables: "hit" (from the cache), "miss" (built and cached) or "off"
    reference_cache: str = ""
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
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    # reference and input files: name, public URL, SHA-256, retrieval date
    sources: list[dict] = field(default_factory=list)

    def to_text(self) -> str:
        """A human-readable summary for the CLI."""
        lines = [
            f"Build {self.status}: {self.db_path} in {self.duration_s:.2f} s",
            f"  reference: {self.districts} districts, "
            f"{self.municipalities} municipalities "
            f"({self.boundary_file}; cache {self.reference_cache})",
        ]
        lines += [
            f"  input {i['kind']:<10} {Path(i['path']).name}: {i['rows']} rows, "
            f"{i.get('accepted', 0)} accepted"
            + (" (demo)" if i.get("demo") else "")
            + "".join(f"\n    note: {n}" for n in i.get("notes", ()))
            for i in self.inputs
        ]
        lines += [f"  note: {note}" for note in self.notes]
        accepted = ", ".join(f"{v} {k}" for k, v in self.accepted.items())
        lines.append(
            f"  rows read {self.rows_read}; accepted {accepted}; "
            f"rejected {self.rejected}"
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
        if self.status == "published":
            lines.append(
                f"  published: {self.db_path} and "
                f"{Path(self.db_path).with_name(REJECTS_CSV)} ({self.rejected} rows)"
            )
        steps = ", ".join(f"{k} {v:.2f} s" for k, v in self.timings.items())
        lines.append(f"  timings: {steps}")
        return "\n".join(lines)


@contextlib.contextmanager
def _timed(summary: RunSummary, step: str) -> Iterator[None]:
    """Record the wall time of one build step in ``summary.timings``."""
    start = time.perf_counter()
    yield
    summary.timings[step] = round(time.perf_counter() - start, 3)


def _finish_database(con: duckdb.DuckDBPyConnection) -> None:
    """Write everything still in the WAL into the database file itself."""
    con.execute("CHECKPOINT")


def source_files(raw: Path) -> list[dict]:
    """The reference files in ``raw``: name, public URL, SHA-256 and retrieval date.

    The retrieval date is the day ``etl fetch`` wrote the file (its mtime).
    """
    out = []
    for source in fetch.SOURCES:
        path = raw / source.filename
        if path.is_file():
            fetched = datetime.fromtimestamp(path.stat().st_mtime, UTC)
            out.append(
                {
                    "file": source.filename,
                    "url": source.url,
                    "sha256": fetch.sha256(path),
                    "retrieved": fetched.date().isoformat(),
                }
            )
    return out


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
            rejected_by_reason JSON, unmatched_keys JSON, boundary_file VARCHAR,
            sources JSON)
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
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_name = 'etl_runs'"
        ).fetchone()[0]:
            frame = old.execute("SELECT * FROM etl_runs").df()
            con.register("old_runs", frame)
            con.execute("INSERT INTO etl_runs BY NAME SELECT * FROM old_runs")
            con.unregister("old_runs")


def _record_run(con: duckdb.DuckDBPyConnection, summary: RunSummary) -> None:
    """Insert this run into ``etl_runs``."""
    s = asdict(summary)
    con.execute(
        "INSERT INTO etl_runs VALUES (?, ?, now(), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            s["run_id"],
            s["started_at"],
            s["duration_s"],
            "published",
            s["demo"],
            json.dumps(s["inputs"]),
            s["rows_read"],
            json.dumps(s["accepted"]),
            s["rejected"],
            json.dumps(s["rejected_by_reason"]),
            json.dumps(s["unmatched_keys"]),
            s["boundary_file"],
            json.dumps(s["sources"]),
        ],
    )


@dataclass(frozen=True)
class ImportOptions:
    """How inputs are read: the user column map, the sheet, empty inputs allowed."""

    columns: Path | None = None
    sheet: str | None = None
    allow_empty: bool = False


def _input_notes(staged: list[importer.InputResult], summary: RunSummary) -> None:
    """Per-file counts in the summary, and one line per file without visibility."""
    for result, entry in zip(staged, summary.inputs, strict=True):
        entry.update(
            accepted=result.accepted,
            rejected=result.rejected,
            visibility=result.visibility,
        )
        if result.visibility is None and result.rows:
            summary.notes.append(
                f"{Path(result.path).name}: no visibility column: "
                f"{result.accepted} rows treated as public"
            )


def _refuse_empty(
    staged: list[importer.InputResult], con: duckdb.DuckDBPyConnection, allow: bool
) -> None:
    """Fail when a non-empty input yielded no accepted row (unless allowed)."""
    empty = [r for r in staged if r.rows and not r.accepted]
    if not empty or allow:
        return
    lines = []
    for r in empty:
        reasons = con.execute(
            "SELECT reason, count(*) FROM rejects WHERE source_file = ? "
            "GROUP BY 1 ORDER BY 2 DESC, 1",
            [Path(r.path).name],
        ).fetchall()
        why = ", ".join(f"{reason} {n}" for reason, n in reasons)
        lines.append(f"{Path(r.path).name}: {r.rows} rows read, none accepted ({why})")
    raise checks.CheckFailed(
        "; ".join(lines) + ". Nothing published; see the reasons above, fix the "
        "input or pass --allow-empty to publish anyway"
    )


def _import(
    con: duckdb.DuckDBPyConnection,
    inputs: Sequence[tuple[str, Path, bool]],
    summary: RunSummary,
    workdir: Path,
    options: ImportOptions | None = None,
) -> None:
    """Stage every input, then validate/geocode each kind set-based."""
    options = options or ImportOptions()
    importer.prepare(con)
    columns = load_column_map(options.columns)
    staged: list[importer.InputResult] = []
    # Each file is hashed in a thread while DuckDB reads it (hashlib frees the GIL).
    with ThreadPoolExecutor(max_workers=1) as hasher, _timed(summary, "read"):
        for order, (kind, path, is_demo) in enumerate(inputs, start=1):
            digest = hasher.submit(fetch.sha256, path)
            result = importer.stage_file(
                con, kind, path, order, is_demo, workdir, columns, options.sheet
            )
            staged.append(result)
            summary.inputs.append(
                {
                    "kind": kind,
                    "path": str(path),
                    "rows": result.rows,
                    "sha256": digest.result(),
                    "demo": is_demo,
                    "notes": ingest.notes(con, result.table),
                }
            )
            summary.rows_read += result.rows
    publish.pause_point("import")
    # Reader-level rejects (ragged rows, stray bytes) are in rejects already.
    staged_rows = sum(
        con.execute(
            f"SELECT count(*) FROM {importer.staged_relation(kind)}"
        ).fetchone()[0]
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
    _input_notes(staged, summary)
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
            f"rows in ({summary.rows_read}) != "
            f"accepted ({sum(summary.accepted.values())}) "
            f"+ rejected ({summary.rejected})"
        )
    _refuse_empty(staged, con, options.allow_empty)


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
    options: ImportOptions | None = None,
) -> RunSummary:
    """Build and publish the database; on failure the previous file stays as it was."""
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
        rejects_csv = db_path.with_name(REJECTS_CSV)
        publish.remove_stale_temp(db_path)
        publish.remove_stale_temp(rejects_csv)
        tmp, tmp_rejects = publish.temp_path(db_path), publish.temp_path(rejects_csv)
        try:
            # The new database is built in its temporary file (scratch tables are
            # TEMP, in memory): no copy at the end; renamed over the old one below.
            con = connect(tmp)
            with con:
                # Bounded memory: DuckDB spills to the work folder beyond the limit.
                con.execute("SET memory_limit = ?", [f"{config.duckdb_memory_mb()}MB"])
                con.execute("SET temp_directory = ?", [work])
                install_macros(con)
                marts.create_metric_macros(con)
                with _timed(summary, "reference"):
                    report, summary.reference_cache = refcache.reference_tables(
                        con, raw, config.cache_dir()
                    )
                summary.boundary_file = report.boundary_file
                summary.sources = source_files(raw)
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
                _import(con, inputs, summary, Path(work), options)
                lists = [Path(p) for p in operations]
                if demo:  # the real ESF list beside the invented initiatives
                    if (raw / ESF_LIST).is_file():
                        lists.insert(0, raw / ESF_LIST)
                    else:
                        summary.unmatched_keys["missing_raw_files"] = [ESF_LIST]
                _import_operations(con, lists, fund, summary, Path(work))
                # The rejects are final: their CSV is written on a second
                # connection while the marts and checks run.
                with ThreadPoolExecutor(max_workers=1) as writer:
                    csv_done = writer.submit(_rejects_csv_beside, con, tmp_rejects)
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
                        csv_done.result()
                        _finish_database(con)
            publish.pause_point("publish")
            # Both files are replaced under the lock: the CSV always matches the DB.
            publish.replace_pair((tmp, db_path), (tmp_rejects, rejects_csv))
            summary.duration_s = round(time.perf_counter() - started, 3)
        finally:
            for path in (tmp, tmp.with_name(tmp.name + ".wal"), tmp_rejects):
                path.unlink(missing_ok=True)
    summary.status = "published"
    return summary


def _rejects_csv_beside(con: duckdb.DuckDBPyConnection, out: Path) -> Path:
    """Write the rejects CSV on a new cursor of ``con`` (for a second thread)."""
    with con.cursor() as cursor:
        install_macros(cursor)  # temporary macros belong to one connection
        return write_rejects_csv(cursor, out)


def write_rejects_csv(con: duckdb.DuckDBPyConnection, out: Path) -> Path:
    """Write the ``rejects`` table of ``con`` as CSV (cells cannot start a formula)."""
    con.sql(
        "SELECT kind, sinn_csv_cell(source_file) AS source_file, source_row, reason, "
        "sinn_csv_cell(detail) AS detail, sinn_csv_cell(raw) AS raw FROM rejects "
        "ORDER BY kind, source_file, source_row"
    ).write_csv(str(out), header=True)
    return out
