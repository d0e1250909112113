"""JSON lists of records and GeoJSON features, with row-level rejects for bad items."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path

import duckdb
import shapely
from shapely.geometry import shape

from etl.readers.base import (
    InputError,
    TableWriter,
    add_rejects,
    best_header,
    check_rows,
    empty_table,
    unique_headers,
)

_SEARCH_DEPTH = 4
_AREAL = {"Polygon", "MultiPolygon"}


def read_json(con: duckdb.DuckDBPyConnection, path: Path, aliases: dict) -> str:
    """Load the list of records holding recognised headers (top level or wrapped)."""
    data = load_json(path)
    lists = list(_record_lists(data, _SEARCH_DEPTH))
    if not lists:
        raise InputError(
            f"{path.name}: JSON must be a list of records or an object holding one"
        )
    best, best_score = lists[0], (-1, False)
    for items in lists:  # the first list with the most recognised field names
        keys = [k for item in items[:50] if isinstance(item, dict) for k in item]
        score = (best_header([list(dict.fromkeys(keys))], aliases)[1], bool(keys))
        if score > best_score:
            best, best_score = items, score
    rows, rejects = [], []
    for number, item in enumerate(best, start=1):
        if isinstance(item, dict):
            rows.append((number, item))
        else:
            detail = f"record {number} is {_kind(item)}, not an object"
            rejects.append((number, detail, {"record": item}))
    return _records_table(con, path.name, rows, rejects)


def read_geojson(con: duckdb.DuckDBPyConnection, path: Path) -> str:
    """Load GeoJSON features: properties plus lon/lat of the (interior) point."""
    data = load_json(path)
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list):
        raise InputError(f"{path.name}: GeoJSON must be a FeatureCollection")
    rows, rejects = [], []
    for number, feature in enumerate(features, start=1):
        record, problem = _feature_record(feature)
        if problem:
            raw = feature if isinstance(feature, dict) else {"feature": feature}
            rejects.append((number, f"feature {number}: {problem}", raw))
        else:
            rows.append((number, record))
    return _records_table(con, path.name, rows, rejects)


def load_json(path: Path) -> object:
    """Parse a JSON file in UTF-8 (with or without BOM) or Windows-1252."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    try:
        return json.loads(text) if text.strip() else []
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path.name}: invalid JSON ({exc.msg} at line {exc.lineno})"
        ) from exc
    except RecursionError as exc:
        raise InputError(
            f"{path.name}: JSON nested too deeply to read (brackets inside brackets)"
        ) from exc


def _record_lists(data: object, depth: int) -> Iterator[list]:
    """Lists in the document, top level first, then inside objects (breadth first)."""
    level = [data]
    for _ in range(depth):
        nested = []
        for node in level:
            if isinstance(node, list):
                yield node
            elif isinstance(node, dict):
                nested.extend(node.values())
        level = nested


def _kind(value: object) -> str:
    """A short description of a JSON value's type, for messages."""
    names = {
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        list: "a list",
        dict: "an object",
        type(None): "null",
    }
    return names.get(type(value), type(value).__name__)


def _feature_record(feature: object) -> tuple[dict, str | None]:
    """The record of one feature, or why the feature cannot be read."""
    if not isinstance(feature, dict):
        return {}, f"is {_kind(feature)}, not an object"
    props = feature.get("properties")
    if props is None:
        props = {}
    if not isinstance(props, dict):
        return {}, f"properties is {_kind(props)}, not an object"
    record = dict(props)
    geom = feature.get("geometry")
    if geom is None:
        return record, None
    if not isinstance(geom, dict):
        return {}, f"geometry is {_kind(geom)}, not an object"
    kind = geom.get("type")
    if kind == "Point":
        coords = geom.get("coordinates")
        if not isinstance(coords, list) or len(coords) < 2:
            return {}, f"coordinates is {_kind(coords)}, not a [lon, lat] pair"
        record["lon"], record["lat"] = coords[0], coords[1]
        return record, None
    if kind not in _AREAL:
        return {}, f"geometry is not a point ({kind})"
    try:
        point = shape(geom).representative_point()
    except (
        ValueError,
        TypeError,
        AttributeError,
        IndexError,
        shapely.errors.GEOSException,
    ):
        return {}, f"geometry is not a point (unreadable {kind})"
    if point.is_empty or not math.isfinite(point.x) or not math.isfinite(point.y):
        return {}, f"geometry is not a point (empty {kind})"
    record["lon"], record["lat"] = point.x, point.y
    return record, None


def _records_table(
    con: duckdb.DuckDBPyConnection,
    name: str,
    rows: list[tuple[int, dict]],
    rejects: list[tuple[int, str, dict]],
) -> str:
    """A text table of the records (first-seen key order) plus reader rejects."""
    keys = list(dict.fromkeys(k for _, rec in rows for k in rec))
    if keys:
        headers = unique_headers(keys)
        writer = TableWriter(con, headers)
        for count, (number, rec) in enumerate(rows, start=1):
            check_rows(name, count, len(keys))
            writer.add(number, [_text(rec.get(k)) for k in keys])
        table = writer.close()
    else:
        table = empty_table(con)
        if rows:  # records without any field: nothing to import, keep them as rejects
            rejects += [(n, f"record {n} has no fields", rec) for n, rec in rows]
    add_rejects(con, table, sorted(rejects, key=lambda r: r[0]))
    return table


def _text(value: object) -> str | None:
    """Text form of a JSON value; containers as JSON, NaN as missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)
