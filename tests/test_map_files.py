"""Shared map scripts (geometry, marker popups) and the per-view map that uses them."""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import queries as q
from dashboard.choropleth import build_map, classification_for
from dashboard.map_component import COMPONENT, render
from dashboard.map_data import map_data
from dashboard.map_files import (
    KEEP_VERSIONS,
    SCALES,
    geometry_groups,
    geometry_script,
    labels_script,
    prune,
    write_geometry,
    write_labels,
)
from dashboard.map_style import MapOptions
from dashboard.texts import fmt_num

# A shared-geometry layer's call: its group and its per-view columns (JSON).
SHARED_LAYER = re.compile(r'sinnShared\(geo_json_\w+, "(\w+)",\n(\{.*\})\);')


def _object(script: str, name: str) -> dict:
    """The JSON object a shared script assigns to ``window.<name>``."""
    prefix = f"window.{name}="
    assert script.startswith(prefix) and script.endswith(";\n")
    return json.loads(script[len(prefix) : -2])


def _coordinates(geometry: dict) -> list[list[float]]:
    """Every position of a (Multi)Polygon, in order."""
    polygons = geometry["coordinates"]
    if geometry["type"] == "Polygon":
        polygons = [polygons]
    return [point for polygon in polygons for ring in polygon for point in ring]


def test_geometry_groups_hold_every_area(con: duckdb.DuckDBPyConnection) -> None:
    """13 districts, 419 municipalities, Saxony, and the 16 states as background."""
    geo = geometry_groups(con)
    assert len(geo["district"]) == 13 and len(geo["municipality"]) == 419
    assert geo["district"]["14612"]["type"] in {"Polygon", "MultiPolygon"}
    assert len(geo["saxony"]) == 1 and len(geo["land"]) == 16


@pytest.mark.browser
def test_geometry_script_unpacks_in_the_browser(
    con: duckdb.DuckDBPyConnection, page
) -> None:
    """Chromium rebuilds every area from the delta-coded script, within rounding."""
    page.set_content("<html><body></body></html>")
    page.add_script_tag(content=geometry_script(con))
    shown = page.evaluate("window.SINN_GEO")
    for group, shapes in geometry_groups(con).items():
        assert shown[group].keys() == shapes.keys()
        step = 0.5 / SCALES[group] + 1e-9
        for key, geometry in shapes.items():
            got = shown[group][key]
            assert got["type"] == geometry["type"]
            want, have = _coordinates(geometry), _coordinates(got)
            assert len(have) == len(want)
            assert (
                max(
                    max(abs(a[0] - b[0]), abs(a[1] - b[1]))
                    for a, b in zip(want, have, strict=True)
                )
                <= step
            ), (group, key)


def test_labels_script_public_rows_only(con: duckdb.DuckDBPyConnection) -> None:
    """One entry per public initiative/event with coordinates; no contact data."""
    text = labels_script(con, "de")
    labels = _object(text.replace("<\\/", "</"), "SINN_LABELS")
    markers = labels["markers"]
    assert len(labels["areas"]["municipality"]) == 419
    assert labels["areas"]["district"]["14612"]["name"] == "Dresden"
    n = con.execute(
        "SELECT count(*) FROM initiatives WHERE public AND lat IS NOT NULL"
    ).fetchone()[0]
    assert len(markers["initiative"]) == n > 100
    assert "@" not in text and "contact" not in text
    assert "</" not in text  # safe even inside an inline <script>


def test_written_once_under_content_hash(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    """The file name carries the hash of the content; a second write is a no-op."""
    name = write_geometry(con, tmp_path)
    assert write_geometry(con, tmp_path) == name
    payload = (tmp_path / name).read_bytes()
    assert name == f"geo.{hashlib.sha256(payload).hexdigest()[:16]}.js"
    assert write_labels(con, tmp_path, "en").startswith("labels-en.")


def test_old_versions_pruned(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    """Each build's new script keeps the newest three versions, siblings and all."""
    old = []
    for n in range(4):  # four earlier builds' geometry, oldest first
        path = tmp_path / f"geo.{n:016x}.js"
        for suffix in ("", ".gz", ".br"):
            path.with_name(path.name + suffix).write_text(str(n))
            os.utime(path.with_name(path.name + suffix), (1_000 + n, 1_000 + n))
        old.append(path.name)
    (tmp_path / "labels-de.0000000000000000.js").write_text("other stem")
    name = write_geometry(con, tmp_path)  # the newest: the two oldest go
    left = sorted(p.name for p in tmp_path.iterdir())
    kept = sorted([name, *old[-(KEEP_VERSIONS - 1) :]])
    assert left == sorted(
        [f"{n}{s}" for n in kept for s in ("", ".gz", ".br")]
        + ["labels-de.0000000000000000.js"]
    )
    assert prune(tmp_path, "geo") == []  # nothing more to delete


def test_shared_map_sends_no_geometry(con: duckdb.DuckDBPyConnection) -> None:
    """With shared scripts the map carries keys and values, and loads the scripts."""
    md = map_data(con, q.Filters(), ("municipality",), True, True)
    inline = render(build_map(md, MapOptions()))
    shared = replace(md, geometry_url="/g/geo.1.js", labels_url="/g/m.1.js")
    rendered = render(build_map(shared, MapOptions()))
    assert '"coordinates"' in inline.script
    assert '"coordinates"' not in rendered.script
    assert rendered.js_links[0].endswith("leaflet.js")
    assert {"/g/geo.1.js", "/g/m.1.js"} <= set(rendered.js_links)
    # areas (all 419: no keys sent), background, district and Saxony outlines
    views = {g: json.loads(v) for g, v in SHARED_LAYER.findall(rendered.script)}
    assert list(views) == ["land", "municipality", "district", "saxony"]
    assert "k" not in views["municipality"] and len(views["district"]["k"]) == 13
    assert len(rendered.script) < len(inline.script) / 9


def test_shared_columns_hold_each_areas_texts_and_style(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """Decoded in key order, the columns give Dresden's tooltip texts and fill."""
    md = map_data(con, q.Filters(), ("municipality",), False, False)
    md = replace(md, geometry_url="/g/geo.1.js", labels_url="/g/m.1.js")
    opts = MapOptions(indicator="lq")
    script = render(build_map(md, opts)).script
    view = json.loads(dict(SHARED_LAYER.findall(script))["municipality"])
    keys = sorted(md.areas[0].values["key"])
    at = keys.index("14612000")  # Dresden
    texts = {name: column[0][column[1][at]] for name, column in view["c"].items()}
    row = md.areas[0].values.set_index("key").loc["14612000"]
    (n,) = con.execute(
        "SELECT count(*) FROM initiatives WHERE public AND ags = '14612000'"
    ).fetchone()
    assert n > 3 and texts == {"value": fmt_num(row["lq"], 2, "de"), "cases": str(n)}
    cls = classification_for(md.areas[0].values, opts, "municipality")
    style = view["s"][0][view["s"][1][at]]
    assert style == {
        "fillColor": cls.colour(row["lq"]),
        "fillOpacity": 0.85,
        "color": "#ffffff",
        "weight": 0.4,
    }


# Every area, background and border feature drawn (id, tooltip facts, style) and
# every marker (position, title, popup, kind), in a stable order.
DRAWN_JS = """() => {
    const map = Object.values(window).find(v => v instanceof L.Map);
    const features = [], markers = [];
    const keys = ['fillColor', 'fillOpacity', 'color', 'weight', 'dashArray', 'fill'];
    map.eachLayer(layer => {
        if (layer.feature) {
            const style = {};
            keys.forEach(k => { style[k] = layer.options[k]; });
            features.push([layer.feature.id, layer.feature.properties, style]);
        }
        if (layer instanceof L.MarkerClusterGroup) {
            layer.getLayers().forEach(m => markers.push([m.getLatLng().lat,
                m.getLatLng().lng, m.options.title, m.getPopup().getContent(),
                m.options.sinnKind]));
        }
    });
    const order = (a, b) => JSON.stringify(a) < JSON.stringify(b) ? -1 : 1;
    return {features: features.sort(order), markers: markers.sort(order)};
}"""


@pytest.mark.browser
def test_shared_map_draws_what_the_inline_map_draws(
    con: duckdb.DuckDBPyConnection, page, tmp_path: Path
) -> None:
    """Areas (texts, fills, few-case dashes), borders and markers alike, both ways."""
    md = map_data(con, q.Filters(), ("municipality",), True, True)
    shared = replace(
        md,
        geometry_url=write_geometry(con, tmp_path),
        labels_url=write_labels(con, tmp_path, "de"),
    )
    opts = MapOptions(indicator="lq", assets=None, selected=("14612",))
    drawn = {}
    for name, data in (("inline", md), ("shared", shared)):
        build_map(data, opts).save(str(tmp_path / f"{name}.html"))
        page.goto((tmp_path / f"{name}.html").as_uri())
        drawn[name] = page.evaluate(DRAWN_JS)
    features = drawn["inline"]["features"]
    assert len(features) == 419 + 16 + 13 + 1 + 1  # areas, states, districts, ...
    assert sum(f[2]["dashArray"] == "3 3" for f in features) > 10  # few cases
    assert len(drawn["inline"]["markers"]) > 200
    assert drawn["shared"] == drawn["inline"]


def test_karte_map_uses_served_scripts(app: AppTest) -> None:
    """The Karte page's map loads the geometry from Streamlit's static route."""
    app.query_params["level"] = "municipality"
    app.run()
    assert not app.exception
    (args,) = [
        json.loads(e.proto.json_args)
        for e in app.get("component_instance")
        if e.proto.component_name == COMPONENT
    ]
    assert any(u.startswith("/app/static/geo/geo.") for u in args["js_links"])
    assert '"coordinates"' not in args["script"]
