"""Static, content-hashed scripts that every map view shares: geometry, markers.

Every map view needs the same boundaries and the same public marker popups;
sent once as cacheable files, the per-view map HTML carries only keys, values
and styles. A ``<script src>`` works from a web server and from ``file://``
alike (``fetch`` does not). The scripts set

- ``window.SINN_GEO = {group: {key: GeoJSON geometry}}``, groups ``district``,
  ``municipality``, ``land`` and ``saxony``;
- ``window.SINN_LABELS`` (one script per language): ``areas`` = {level: {key:
  fixed tooltip facts}} and ``markers`` = {kind: {id: [colour, popup HTML,
  title, lat, lon]}} for the kinds ``initiative`` and ``event`` (public rows
  and fields only).
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
from dashboard.shared_geometry import script_json
from sinn.atomic import atomic_write

__all__ = [
    "SCALES",
    "geometry_groups",
    "geometry_script",
    "labels_script",
    "pack_geometry",
    "write_compressed",
    "write_geometry",
    "write_labels",
]


#: versions of each shared script kept in its folder (older ones are deleted)
KEEP_VERSIONS = 3
#: Quantisation per geometry group (units per degree): 1/5,000 degree is 14 m
#: east-west and 22 m north-south here, well inside the 120 m the web
#: boundaries are simplified to; the other states' background (1,500 m) takes
#: 1/500. Districts, municipalities and Saxony share a scale, so that their
#: common borders round alike.
SCALES = {"district": 5_000, "municipality": 5_000, "saxony": 5_000, "land": 500}

# Rebuilds ``{group: {key: GeoJSON geometry}}`` from delta-coded integer rings:
# the file is 46 % smaller gzipped than plain GeoJSON coordinates.
_UNPACK_JS = (
    "(function(d){function r(a,q){var o=[],x=0,y=0;for(var i=0;i<a.length;i+=2)"
    "{x+=a[i];y+=a[i+1];o.push([x/q,y/q]);}return o;}"
    "function g(v,q){return v[0]==='P'?{type:'Polygon',coordinates:v[1].map("
    "function(a){return r(a,q);})}:{type:'MultiPolygon',coordinates:v[1].map("
    "function(p){return p.map(function(a){return r(a,q);});})};}"
    "var out={};Object.keys(d.groups).forEach(function(n){var s={};"
    "Object.keys(d.groups[n]).forEach(function(k){s[k]=g(d.groups[n][k],"
    "d.scales[n]);});out[n]=s;});return out;})"
)


def _ring(ring: list, scale: int) -> list[int]:
    """A ring as integers: the first point, then each point's step from the last."""
    out, px, py = [], 0, 0
    for x, y in ring:
        ix, iy = round(x * scale), round(y * scale)
        out += [ix - px, iy - py]
        px, py = ix, iy
    return out


def pack_geometry(geometry: dict, scale: int) -> list:
    """A (Multi)Polygon as ``["P", rings]`` or ``["M", polygons]`` of coded rings."""
    if geometry["type"] == "Polygon":
        return ["P", [_ring(r, scale) for r in geometry["coordinates"]]]
    if geometry["type"] == "MultiPolygon":
        polygons = geometry["coordinates"]
        return ["M", [[_ring(r, scale) for r in p] for p in polygons]]
    raise ValueError(f"not an area geometry: {geometry['type']}")


def geometry_groups(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, dict]]:
    """``{group: {key: GeoJSON geometry}}`` of every map level and the background."""
    groups = {
        level: {k: json.loads(g) for k, g in q.map_geometries(con, level).items()}
        for level in q.MAP_LEVELS
    }
    context = q.map_context(con)
    for kind in ("land", "saxony"):
        groups[kind] = {name: json.loads(g) for k, name, g in context if k == kind}
    return groups


def geometry_script(con: duckdb.DuckDBPyConnection) -> str:
    """The JavaScript text defining ``window.SINN_GEO`` for the published build."""
    packed = {
        name: {k: pack_geometry(g, SCALES[name]) for k, g in shapes.items()}
        for name, shapes in geometry_groups(con).items()
    }
    data = json.dumps({"scales": SCALES, "groups": packed}, separators=(",", ":"))
    return f"window.SINN_GEO={_UNPACK_JS}({data});\n"


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
    # no "<" stays raw, so the text is safe inside any HTML page too
    return f"window.SINN_LABELS={script_json(labels)};\n"


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
    """Write ``<stem>.<hash>.js`` (and siblings) into ``folder`` unless present."""
    payload = text.encode("utf-8")
    name = f"{stem}.{hashlib.sha256(payload).hexdigest()[:16]}.js"
    if not (Path(folder) / name).is_file():
        write_compressed(Path(folder) / name, payload)
        prune(Path(folder), stem)
    return name


def prune(folder: Path, stem: str, keep: int = KEEP_VERSIONS) -> list[Path]:
    """Delete all but the ``keep`` newest ``<stem>.<hash>.js`` (with siblings).

    Every new build writes new versions; the last few stay for pages that are
    still open on them. Returns the deleted scripts.
    """
    versions = sorted(
        folder.glob(f"{stem}.*.js"), key=lambda p: p.stat().st_mtime, reverse=True
    )
    for old in versions[keep:]:
        for suffix in ("", ".gz", ".br"):
            old.with_name(old.name + suffix).unlink(missing_ok=True)
    return versions[keep:]


def write_geometry(con: duckdb.DuckDBPyConnection, folder: Path) -> str:
    """Write the geometry script into ``folder``; its file name."""
    return _write_hashed(folder, "geo", geometry_script(con))


def write_labels(con: duckdb.DuckDBPyConnection, folder: Path, lang: str) -> str:
    """Write the labels script in ``lang`` into ``folder``; its file name."""
    return _write_hashed(folder, f"labels-{lang}", labels_script(con, lang))
