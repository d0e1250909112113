"""Typed, cached wrappers of the query module: one read-only connection per build."""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

import duckdb
import streamlit as st

from dashboard import funding_queries, queries
from dashboard.assets import GEO_DIR
from dashboard.map_data import map_data as build_map_data
from dashboard.map_files import write_geometry, write_labels
from sinn import config
from sinn.db import connect

# A file stamp identifies one published build: the ETL replaces the database by
# an atomic rename, which changes the inode (and normally the mtime).
Stamp = tuple[int, int, int]
Con = duckdb.DuckDBPyConnection
P = ParamSpec("P")
R = TypeVar("R")
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


def build() -> tuple[str, Stamp]:
    """Path and stamp of the current build (a cache key for derived results)."""
    return _current()


def _call(function: Any, path: str, stamp: Stamp, args: tuple) -> Any:
    """Run one query on its own cursor (the shared connection is not thread-safe)."""
    cur = _connection(path, stamp).cursor()
    try:
        return function(cur, *args)
    finally:
        cur.close()


# Every cached query, by name: the cache key holds the name, not the function.
_QUERIES: dict[str, Callable[..., Any]] = {}


@st.cache_data(show_spinner=False, max_entries=512)
def _run(name: str, path: str, stamp: Stamp, args: tuple) -> Any:
    """Run the query ``name`` once per build and argument set."""
    function = _QUERIES[name]
    try:
        return _call(function, path, stamp, args)
    except duckdb.ConnectionException:
        # a new build closed this connection mid-query: once more on the new one
        return _call(function, *_current(), args)


def _cached(function: Callable[Concatenate[Con, P], R]) -> Callable[P, R]:
    """``function(con, *args)`` as a cached call on the current build's connection."""
    name = function.__name__
    _QUERIES[name] = function

    @functools.wraps(function)
    def cached(*args: P.args, **kwargs: P.kwargs) -> R:
        if kwargs:
            raise TypeError(f"{name}: pass arguments by position")
        return _run(name, *_current(), args)

    return cached


coverage_by_year = _cached(queries.coverage_by_year)
data_state = _cached(queries.data_state)
district_ranking = _cached(queries.district_ranking)
district_statistics = _cached(queries.district_statistics)
districts = _cached(queries.districts)
events_per_quarter = _cached(queries.events_per_quarter)
events_public = _cached(queries.events_public)
filter_options = _cached(queries.filter_options)
has_demo_rows = _cached(queries.has_demo_rows)
initiatives_per_year = _cached(queries.initiatives_per_year)
initiatives_public = _cached(queries.initiatives_public)
kpis = _cached(queries.kpis)
latest_event_date = _cached(queries.latest_event_date)
latest_run = _cached(queries.latest_run)
map_area_values = _cached(queries.map_area_values)
map_bounds = _cached(queries.map_bounds)
map_context = _cached(queries.map_context)
map_geometries = _cached(queries.map_geometries)
map_search = _cached(queries.map_search)
municipality_statistics = _cached(queries.municipality_statistics)
newly_reached = _cached(queries.newly_reached)
planning_municipalities = _cached(queries.planning_municipalities)
planning_points = _cached(queries.planning_points)
region_profile = _cached(queries.region_profile)
rejects_by_reason = _cached(queries.rejects_by_reason)
saxony_average = _cached(queries.saxony_average)
settlement_comparison = _cached(queries.settlement_comparison)
map_data = _cached(build_map_data)

# the funding page (dashboard/funding_queries.py)
funding_by_area = _cached(funding_queries.funding_by_area)
funding_by_kind = _cached(funding_queries.funding_by_kind)
funding_by_settlement = _cached(funding_queries.funding_by_settlement)
funding_loaded = _cached(funding_queries.funding_loaded)
funding_options = _cached(funding_queries.funding_options)
funding_sources = _cached(funding_queries.funding_sources)
funding_state_wide = _cached(funding_queries.funding_state_wide)
initiatives_vs_funding = _cached(funding_queries.initiatives_vs_funding)
operations_in_view = _cached(funding_queries.operations_in_view)
top_beneficiaries = _cached(funding_queries.top_beneficiaries)
top_places = _cached(funding_queries.top_places)


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


@st.cache_resource(max_entries=1, show_spinner=False)
def _geometry_file(path: str, stamp: Stamp) -> str:
    """Write the build's geometry script into ``static/geo`` once; its file name."""
    return _call(write_geometry, path, stamp, (GEO_DIR,))


def geometry_file() -> str:
    """File name of the current build's geometry script below ``static/geo``."""
    return _geometry_file(*_current())


@st.cache_resource(max_entries=4, show_spinner=False)
def _labels_file(path: str, stamp: Stamp, lang: str) -> str:
    """Write the build's labels script in ``lang`` once; its file name."""
    return _call(write_labels, path, stamp, (GEO_DIR, lang))


def labels_file(lang: str) -> str:
    """File name of the current build's labels script in ``lang``."""
    return _labels_file(*_current(), lang)
