"""Static, content-hashed scripts that every map view shares: geometry, markers.

Every map view needs the same boundaries and the same public marker popups;
sent once as cacheable files, the per-view map HTML carries only keys, values
and styles. A ``<script src>`` works from a web server and from ``file://``
alike (``fetch`` does not). The scripts set

- ``window.SINN_GEO = {group: {key: GeoJSON geometry}}``, groups ``district``,
  ``municipality``, ``land`` and ``saxony``;
- ``window.SINN_LABELS`` (one script per language): ``areas`` = {level: {key:
  fixed tooltip facts}} and ``markers`` = {kind: {id: [colour, popup HTML,
  title]}} for the kinds ``initiative`` and ``event`` (public rows and fields
  only).
"""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import brotli
import duckdb

from dashboard import queries as q
from dashboard.choropleth import area_labels, marker_fields
from dashboard.map_data import AreaLayer
from sinn.atomic import atomic_write

__all__ = [
    "geometry_script",
    "labels_script",
    "write_compressed",
    "write_geometry",
    "write_labels",
]


def _group(pairs: list[tuple[str, str]]) -> str:
    """``{"key": geometry, ...}`` from (key, GeoJSON text) pairs, without re-parsing."""
    return "{" + ",".join(f"{json.dumps(k)}:{g}" for k, g in pairs) + "}"


def geometry_script(con: duckdb.DuckDBPyConnection) -> str:
    """The JavaScript text defining ``window.SINN_GEO`` for the published build."""
    context = q.map_context(con)
    groups = {
        level: _group(list(q.map_geometries(con, level).items()))
        for level in q.MAP_LEVELS
    }
    for kind in ("land", "saxony"):
        groups[kind] = _group([(name, g) for k, name, g in context if k == kind])
    body = ",".join(f"{json.dumps(name)}:{text}" for name, text in groups.items())
    return f"window.SINN_GEO={{{body}}};\n"


def labels_script(con: duckdb.DuckDBPyConnection, lang: str) -> str:
    """The JavaScript text defining ``window.SINN_LABELS`` in ``lang``."""
    everything = q.Filters()
    areas = {
        level: area_labels(
            AreaLayer(level, q.map_area_values(con, everything, level), {}), lang
        )
        for level in q.MAP_LEVELS
    }
    markers = {
        "initiative": marker_fields(
            q.initiatives_public(con, everything), "initiative", lang
        ),
        "event": marker_fields(q.events_public(con, everything), "event", lang),
    }
    labels = {"areas": areas, "markers": markers}
    # "</" never appears raw, so the text is safe inside any HTML page too.
    text = json.dumps(labels, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("</", "<\\/")
    return f"window.SINN_LABELS={text};\n"


def write_compressed(path: Path, payload: bytes) -> None:
    """``path`` and its ``.gz`` and ``.br`` siblings (for servers that serve them).

    Readable by all (a web server often runs as another user).
    """
    siblings = {
        "": payload,
        ".gz": gzip.compress(payload, 9, mtime=0),
        ".br": brotli.compress(payload, quality=11),
    }
    for suffix, data in siblings.items():
        target = path.with_name(path.name + suffix)
        atomic_write(target, data)
        target.chmod(0o644)


def _write_hashed(folder: Path, stem: str, text: str) -> str:
    """Write ``<stem>.<hash>.js`` (and ``.gz``) into ``folder`` unless present."""
    payload = text.encode("utf-8")
    name = f"{stem}.{hashlib.sha256(payload).hexdigest()[:16]}.js"
    if not (Path(folder) / name).is_file():
        write_compressed(Path(folder) / name, payload)
    return name


def write_geometry(con: duckdb.DuckDBPyConnection, folder: Path) -> str:
    """Write the geometry script into ``folder``; its file name."""
    return _write_hashed(folder, "geo", geometry_script(con))


def write_labels(con: duckdb.DuckDBPyConnection, folder: Path, lang: str) -> str:
    """Write the labels script in ``lang`` into ``folder``; its file name."""
    return _write_hashed(folder, f"labels-{lang}", labels_script(con, lang))
