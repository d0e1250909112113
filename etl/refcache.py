"""Reference tables cached across builds, keyed by the SHA-256 of their inputs.

Boundaries, population, settlement types, postal codes and the geocoding
lookups (grid pieces of the municipalities, name keys) depend only on the
reference files in raw/ and on the code that builds them. The first build
stores them in ``<cache>/reference-<key>.duckdb`` (written to a temporary file,
then renamed); later builds with the same inputs copy them from there. A
changed input file, a changed builder module or another library version gives
another key, so the tables are rebuilt.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
import uuid
from dataclasses import asdict
from importlib import metadata
from pathlib import Path

import duckdb

from etl import fetch, geocode, macros, publish, reference
from geo import boundaries, crs, simplify, subdivide
from sinn import config, vocab

__all__ = ["cache_key", "reference_tables"]

#: Bump when the cached tables change in a way the hashed sources do not show.
CACHE_VERSION = "1"
#: Tables the build reads after the reference step: published ones, then lookups.
PUBLISHED = ("municipalities", "districts", "postal_codes", "context_areas")
LOOKUPS = (
    "stg_gv",
    geocode.REFERENCE["plz_outside"],
    geocode.PIECES,
    geocode.NAME_KEYS,
    geocode.DISTRICT_KEYS,
)
INPUTS = (
    config.BOUNDARIES_FILE,
    reference.GV_FILE,
    reference.ZENSUS_FILE,
    reference.PLZ_FILE,
)
# Modules whose code shapes the cached tables, and libraries whose results do.
_CODE = (reference, geocode, macros, boundaries, crs, simplify, subdivide, vocab)
_LIBRARIES = ("duckdb", "geopandas", "shapely", "pyproj", "pyogrio")
_KEEP = 3  # newest cache files kept
_STALE_TMP_S = 3600  # temporary files of killed builds older than this are removed


def cache_key(raw: Path) -> str | None:
    """SHA-256 of the reference inputs, the builder code and library versions.

    None when an input file is missing (the build then reports it as usual).
    """
    files = [raw / name for name in INPUTS]
    if not all(f.is_file() for f in files):
        return None
    digest = hashlib.sha256(f"sinn-reference-cache {CACHE_VERSION}\n".encode())
    for path in files:
        digest.update(f"{path.name} {fetch.sha256(path)}\n".encode())
    # the project's own reference table (Kreissitze) counts like the code
    own = (*(Path(m.__file__) for m in _CODE), Path(__file__), reference.SEATS_FILE)
    for source in own:
        digest.update(source.read_bytes())
    for library in _LIBRARIES:
        digest.update(f"{library} {metadata.version(library)}\n".encode())
    return digest.hexdigest()


def reference_tables(
    con: duckdb.DuckDBPyConnection, raw: Path, cache: Path | None
) -> tuple[reference.ReferenceReport, str]:
    """Create the reference tables and geocoding lookups on ``con``.

    Returns the reference report and the cache state: ``hit`` (copied from the
    cache), ``miss`` (built and stored), ``miss, not stored: …`` or ``off``.
    """
    key = cache_key(raw) if cache is not None else None
    if cache is None or key is None:
        report = reference.build_reference(con, raw)
        geocode.prepare_lookup(con)
        return report, "off"
    path = cache / f"reference-{key[:32]}.duckdb"
    if path.is_file():
        try:
            report = _load(con, path)
        except (duckdb.Error, KeyError, TypeError, ValueError):
            pass  # unreadable or from an older layout: rebuilt and replaced below
        else:
            os.utime(path)  # recently used files survive pruning
            return report, "hit"
    report = reference.build_reference(con, raw)
    geocode.prepare_lookup(con)
    try:
        _store(con, path, report)
    except (OSError, duckdb.Error) as exc:
        return report, f"miss, not stored: {exc}"
    with contextlib.suppress(OSError):  # another build may prune at the same time
        _prune(cache)
    return report, "miss"


def _literal(path: Path) -> str:
    """A SQL string literal for a path (ATTACH takes no bound parameters)."""
    return "'" + str(path).replace("'", "''") + "'"


def _load(con: duckdb.DuckDBPyConnection, path: Path) -> reference.ReferenceReport:
    """Copy the cached tables into ``con``; return the stored report."""
    con.execute(f"ATTACH {_literal(path)} AS sinn_refcache (READ_ONLY)")
    try:
        for table in PUBLISHED:
            con.execute(
                f"CREATE OR REPLACE TABLE {table} AS "
                f"SELECT * FROM sinn_refcache.{table}"
            )
        for table in LOOKUPS:
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {table} AS "
                f"SELECT * FROM sinn_refcache.{table}"
            )
        stored = con.execute(
            "SELECT report FROM sinn_refcache.reference_report"
        ).fetchone()[0]
    finally:
        con.execute("DETACH sinn_refcache")
    return reference.ReferenceReport(**json.loads(stored))


def _store(
    con: duckdb.DuckDBPyConnection, path: Path, report: reference.ReferenceReport
) -> None:
    """Write the tables and the report to ``path`` atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        con.execute(f"ATTACH {_literal(tmp)} AS sinn_refcache_out")
        try:
            for table in (*PUBLISHED, *LOOKUPS):
                con.execute(
                    f"CREATE TABLE sinn_refcache_out.{table} AS SELECT * FROM {table}"
                )
            con.execute(
                "CREATE TABLE sinn_refcache_out.reference_report AS "
                "SELECT ?::VARCHAR AS report",
                [json.dumps(asdict(report))],
            )
        finally:
            con.execute("DETACH sinn_refcache_out")
        publish.replace_atomically(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
        tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)


def _prune(cache: Path) -> None:
    """Keep the newest cache files; drop leftovers of killed builds."""
    entries = sorted(
        cache.glob("reference-*.duckdb"), key=lambda p: p.stat().st_mtime, reverse=True
    )
    for old in entries[_KEEP:]:
        old.unlink(missing_ok=True)
    cutoff = time.time() - _STALE_TMP_S
    for tmp in cache.glob(".reference-*.tmp*"):
        if tmp.stat().st_mtime < cutoff:
            tmp.unlink(missing_ok=True)
