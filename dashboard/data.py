"""Streamlit caching around the query module: one read-only connection per build."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import duckdb
import streamlit as st

from dashboard import funding_queries, queries
from sinn import config
from sinn.db import connect

# A file stamp identifies one published build: the ETL replaces the database by
# an atomic rename, which changes the inode (and normally the mtime).
Stamp = tuple[int, int, int]
_seen: dict[str, Stamp] = {}
_lock = threading.Lock()


def db_stamp(path: Path) -> Stamp | None:
    """Inode, mtime (ns) and size of the database file; ``None`` if it is missing."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    return (info.st_ino, info.st_mtime_ns, info.st_size)


def _close(con: duckdb.DuckDBPyConnection) -> None:
    """Close the connection of a replaced build (its cursors close with it)."""
    con.close()


@st.cache_resource(max_entries=1, show_spinner=False, on_release=_close)
def _connection(path: str, stamp: Stamp) -> duckdb.DuckDBPyConnection:
    """Read-only connection to one build (``stamp`` only keys the cache)."""
    return connect(path, read_only=True)


def _current() -> tuple[str, Stamp]:
    """Path and stamp of the database, or a German notice and stop if it is missing."""
    path = config.db_path()
    stamp = db_stamp(path)
    if stamp is None:
        st.error(
            f"Die Datenbank `{path}` fehlt. Bitte zuerst `make run` oder "
            "`python -m etl fetch && python -m etl build --demo` ausführen "
            "(eigene Dateien: `python -m etl build --initiatives DATEI "
            "--events DATEI`)."
        )
        st.stop()
    with _lock:
        if _seen.get(str(path), stamp) != stamp:
            # DuckDB hands out the already open database instance for a path, so
            # the old build must be closed before the new file can be opened.
            _connection.clear()
        _seen[str(path)] = stamp
    return str(path), stamp


def _call(function: Any, path: str, stamp: Stamp, args: tuple) -> Any:
    """Run one query on its own cursor (the shared connection is not thread-safe)."""
    cur = _connection(path, stamp).cursor()
    try:
        return function(cur, *args)
    finally:
        cur.close()


# query modules reachable through ``query`` / ``funding``
MODULES = {"queries": queries, "funding": funding_queries}


@st.cache_data(show_spinner=False, max_entries=512)
def _run(
    name: str, path: str, stamp: Stamp, args: tuple, module: str = "queries"
) -> Any:
    """Run ``<module>.<name>`` once per build and argument set."""
    function = getattr(MODULES[module], name)
    try:
        return _call(function, path, stamp, args)
    except duckdb.ConnectionException:
        # a new build closed this connection mid-query: once more on the new one
        return _call(function, *_current(), args)


def query(name: str, *args: Any) -> Any:
    """Cached ``queries.<name>(con, *args)`` for the current build."""
    if not callable(getattr(queries, name, None)):
        raise AttributeError(f"dashboard.queries has no function {name!r}")
    path, stamp = _current()
    return _run(name, path, stamp, args)


def funding(name: str, *args: Any) -> Any:
    """Cached ``funding_queries.<name>(con, *args)`` for the current build."""
    if name not in funding_queries.__all__:
        raise AttributeError(f"dashboard.funding_queries has no function {name!r}")
    path, stamp = _current()
    return _run(name, path, stamp, args, "funding")


@st.cache_data(show_spinner=False, max_entries=32)
def _report(path: str, stamp: Stamp, ars: str, lang: str) -> bytes:
    """The district report PDF of one build, district and language."""
    # imported here: matplotlib and ReportLab load only when a report is wanted
    from dashboard.report import report_bytes

    return _call(report_bytes, path, stamp, (ars, lang))


def report_pdf(ars: str, lang: str) -> bytes:
    """The Kreisdossier PDF of district ``ars`` for the current build."""
    path, stamp = _current()
    return _report(path, stamp, ars, lang)
