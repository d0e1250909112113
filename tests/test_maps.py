"""Map builders, self-hosted assets, map queries, the Karte page and the static map."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import folium
import pytest
from folium.plugins import Fullscreen
from streamlit.testing.v1 import AppTest

from dashboard import assets
from dashboard import queries as q
from dashboard.choropleth import build_map, classification_for
from dashboard.classification import classify
from dashboard.export_map import export_map, public_map_data
from dashboard.legends import legend_html
from dashboard.map_data import MapData, map_data
from dashboard.map_style import (
    CONCENTRATION_COLOURS,
    GAP_COLOURS,
    THEME_COLOURS,
    MapOptions,
)
from dashboard.markup import safe_url

APP = str(Path(__file__).resolve().parents[1] / "dashboard" / "streamlit_app.py")
NASTY = "<script>alert(1)</script>"
URL = re.compile(r"https?://[^\s\"'<>\\)]+")
# Tags and CSS that make a browser fetch something.
FETCHING = re.compile(
    r"<(?:script|link|img|iframe|source)\b[^>]*\b(?:src|href)\s*=\s*[\"']([^\"']+)",
    re.IGNORECASE,
)
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)")


def level_data(con, level: str = "district") -> MapData:
    """Map data of one level without filters (the Karte page's query)."""
    return map_data(con, q.Filters(), (level,))


def render(m: folium.Map) -> str:
    """The full HTML page of a map."""
    return m.get_root().render()


def hosts(html: str) -> set[str]:
    """Host names of every http(s) URL written anywhere in ``html``."""
    return {urlsplit(u).hostname for u in URL.findall(html)}


# --- classification ---------------------------------------------------------------


def test_class_breaks_exact_for_known_input() -> None:
    """Quantiles, equal intervals and Fisher-Jenks on small known series."""
    assert classify(range(11), "quantiles", 5).bins == (2, 4, 6, 8, 10)
    equal = classify(range(11), "equal_interval", 5)
    assert equal.bins == (2, 4, 6, 8, 10)
    assert equal.counts == (3, 2, 2, 2, 2)
    jenks = classify([1, 2, 3, 10, 11, 12, 30, 31, 50], "natural_breaks", 3)
    assert jenks.bins == (12, 31, 50)
    assert (jenks.mins, jenks.maxs, jenks.counts) == (
        (1, 30, 50),
        (12, 31, 50),
        (6, 2, 1),
    )


def test_zero_class_keeps_zeros_apart() -> None:
    """Zeros get their own class; the positive values share the rest."""
    cls = classify([0, 0, 0, 1, 2, 3, 4], "quantiles", 3, zero_class=True)
    assert cls.bins == (0, 2.5, 4)
    assert cls.counts == (3, 2, 2)
    assert cls.index(0) == 0 and cls.index(1) == 1 and cls.index(4) == 2


def test_degenerate_inputs() -> None:
    """No values: no classes and grey; one distinct value: one class."""
    empty = classify([None, float("nan")], "quantiles", 5)
    assert empty.bins == () and empty.colour(3.0) == "#d9d9d9"
    assert classify([5, 5, 5], "natural_breaks", 5).bins == (5,)
    with pytest.raises(ValueError, match="scheme"):
        classify([1, 2], "kmeans")


def _luminance(colour: str) -> float:
    """Relative luminance (WCAG) of ``#rrggbb``: 0 black .. 1 white."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [
        c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels
    ]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_lq_palette_breaks_at_one() -> None:
    """Classes split at 1: orange at or below (darkest lowest), purple above."""
    cls = classify([0.2, 0.4, 0.8, 1.0, 1.1, 1.6, 2.5], "quantiles", 5, centre=1.0)
    assert cls.bins == pytest.approx((0.6, 1.0, 4.3 / 3, 1.9, 2.5))
    assert cls.colours == ("#7f3b08", "#fdb863", "#b2abd2", "#542788", "#2d004b")
    # All values above 1: only purple shades, the highest darkest.
    above = classify([1.2, 1.5, 3.0], "quantiles", 3, centre=1.0)
    assert above.colours == ("#b2abd2", "#542788", "#2d004b")
    # LQ 0 (no initiative) is a class of its own in the darkest gap colour.
    gaps = classify(
        [0, 0, 0, 0.6, 1, 2, 3, 4, 5], "quantiles", 5, centre=1.0, zero_class=True
    )
    assert gaps.bins[0] == 0 and gaps.counts[0] == 3
    assert gaps.colours[0] == "#7f3b08" and gaps.colour(0.6) == "#e08214"


@pytest.mark.parametrize("scheme", ["quantiles", "equal_interval", "natural_breaks"])
@pytest.mark.parametrize("level", ["district", "municipality"])
def test_lq_map_classes_never_near_white(con, scheme: str, level: str) -> None:
    """Real data: no LQ class looks like "no data"; extremes are the darkest."""
    values = q.map_area_values(con, q.Filters(), level)
    cls = classification_for(values, MapOptions(indicator="lq", scheme=scheme), level)
    assert max(_luminance(c) for c in cls.colours) < 0.6  # PuOr's palest: 0.69+
    for low, high, colour in zip(cls.mins, cls.maxs, cls.colours, strict=True):
        if high is not None and high <= 1:
            assert colour in GAP_COLOURS
        if low is not None and low > 1:
            assert colour in CONCENTRATION_COLOURS
    assert cls.colours[-1] == "#2d004b"  # the strongest concentration
    assert cls.colours[0] == "#7f3b08"  # the strongest gap (LQ 0 or lowest)


def _control_html(html: str) -> str:
    """The HTML of the map's controls (legends), decoded from the map script."""
    found = re.findall(r'innerHTML = ("(?:[^"\\]|\\.)*")', html)
    return "\n".join(json.loads(text) for text in found)


def test_lq_legend_names_no_initiative_and_outside(con) -> None:
    """Municipalities, rural filter: "no initiative" class, few cases, grey rows."""
    f = q.Filters(degurba=(3,))
    md = map_data(con, f, ("municipality",), markers=False)
    html = build_map(md, MapOptions(indicator="lq", scheme="natural_breaks"))
    html = _control_html(html.get_root().render())
    values = md.areas[0].values
    zeros = int(((values["initiatives"] == 0) & values["in_filter"]).sum())
    outside = int((~values["in_filter"]).sum())
    few = int((values["in_filter"] & values["initiatives"].between(1, 2)).sum())
    assert (zeros, outside, few) == (243, 150, 26)
    assert f"0 – keine Initiative ({zeros})" in html
    assert f"außerhalb der Filterauswahl ({outside})" in html
    assert f"weniger als 3 Initiativen, Wert unsicher ({few})" in html


def test_district_map_keeps_cities_outside_rural_filter(con) -> None:
    """Rural filter at district level: the 3 cities are drawn and explained grey."""
    f = q.Filters(degurba=(3,))
    values = q.map_area_values(con, f, "district")
    assert len(values) == 13
    assert set(values.loc[~values["in_filter"], "name"]) == {
        "Chemnitz",
        "Dresden",
        "Leipzig",
    }
    md = map_data(con, f, ("district",), markers=False)
    html = build_map(md, MapOptions(indicator="lq")).get_root().render()
    assert "außerhalb der Filterauswahl (3)" in _control_html(html)


# --- legend, text, escaping -------------------------------------------------------


def test_legend_text_with_units_both_languages() -> None:
    """Title with unit, class ranges in the language's number format, notes."""
    cls = classify([0, 1.25, 2.5, 10.75], "equal_interval", 2)
    opts = MapOptions(indicator="per_100k", scheme="equal_interval")
    de = legend_html(cls, opts, "municipality")
    assert "Initiativen je 100.000 Einwohner" in de
    assert "0,0 – 2,5 (3)" in de and "10,8 (1)" in de
    assert "Klassen: Gleiche Intervalle" in de and "Anzahl Gemeinden" in de
    en = legend_html(cls, MapOptions(indicator="per_100k", lang="en"), "district")
    assert "Initiatives per 100,000 inhabitants" in en and "0.0 – 2.5 (3)" in en
    km = legend_html(cls, MapOptions(indicator="nearest_km"), "district")
    assert "km" in km and "nach Einwohnern gewichtet" in km


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://sinn-sachsen.de/x?a=1", True),
        ("http://example.org", True),
        ("  https://example.org/p  ", True),
        ("javascript:alert(1)", False),
        ("JAVASCRIPT:alert(1)", False),
        ("data:text/html,<b>x</b>", False),
        ("ftp://example.org", False),
        ("//evil.example", False),
        ("https://", False),
        ('https://example.org/"onmouseover="x', False),
        (None, False),
    ],
)
def test_safe_url(url, kept: bool) -> None:
    """Only absolute http(s) URLs with a host survive."""
    assert (safe_url(url) is not None) is kept


def test_user_text_escaped_and_bad_links_dropped(con) -> None:
    """Names, descriptions, area names reach the HTML escaped; javascript: dropped."""
    md = level_data(con)
    ini = md.initiatives.copy()
    ini.loc[0, ["name", "description", "url"]] = [
        NASTY,
        "<b>fett</b>",
        "javascript:alert(2)",
    ]
    ini.loc[1, "url"] = "https://ok.example.org/seite"
    areas = md.areas[0].values.copy()
    areas.loc[0, "name"] = '<img src=x onerror="alert(3)">'
    md = replace(md, initiatives=ini, areas=[replace(md.areas[0], values=areas)])
    html = render(build_map(md, MapOptions()))
    assert NASTY not in html and "<b>fett</b>" not in html and "<img src=x" not in html
    # JSON in the script escapes '&' as \u0026: the popup holds "&lt;script&gt;".
    assert "\\u0026lt;script\\u0026gt;alert(1)" in html
    assert "\\u0026lt;img src=x onerror=\\u0026quot;alert(3)" in html
    assert "javascript:alert" not in html
    assert 'href=\\"https://ok.example.org/seite\\"' in html
    assert 'rel=\\"noopener noreferrer\\"' in html


def test_popup_public_fields_only(con) -> None:
    """Contact data never reaches the map HTML."""
    emails = [
        r[0]
        for r in con.execute(
            "SELECT contact_email FROM initiatives WHERE contact_email IS NOT NULL"
        ).fetchall()
    ]
    html = render(build_map(level_data(con), MapOptions()))
    assert emails and not any(e in html for e in emails)


# --- self-hosted assets: nothing from other hosts -----------------------------------


def test_default_basemap_requests_nothing_external(con) -> None:
    """Served assets are relative; no tile URL; the only hosts are popup links."""
    md = level_data(con, "municipality")
    m = build_map(md, MapOptions(indicator="lq"))
    html = render(m)
    fetched = FETCHING.findall(html) + CSS_URL.findall(html)
    assert fetched and all(u.startswith("/app/static/vendor/") for u in fetched), (
        fetched
    )
    data_hosts = {
        urlsplit(u).hostname
        for frame in (md.initiatives, md.events)
        for u in frame["url"].dropna()
    }
    assert hosts(html) <= data_hosts, hosts(html) - data_hosts
    # streamlit-folium loads what the elements declare: all of it must be local.
    declared = [
        url
        for element in assets._elements(m)
        for _, url in getattr(element, "default_js", [])
        + getattr(element, "default_css", [])
    ]
    assert {u.rsplit("/", 1)[-1] for u in declared} == {
        "leaflet.js",
        "leaflet.css",
        "leaflet.markercluster.js",
        "MarkerCluster.css",
        "MarkerCluster.Default.css",
        "sinn.css",
    }
    assert ".sinn-legend {" not in html  # the house CSS is the served sinn.css
    assert all(u.startswith("/app/static/vendor/") for u in declared)
    assert '"maxZoom": 18' in html  # markercluster needs it without a tile layer


def test_osm_basemap_is_opt_in_with_attribution(con) -> None:
    """OpenStreetMap tiles and their attribution appear only when chosen."""
    default = render(build_map(level_data(con), MapOptions()))
    osm = render(build_map(level_data(con), MapOptions(basemap="osm")))
    assert "tile.openstreetmap.org" not in default
    assert "OpenStreetMap" not in default
    assert (
        "tile.openstreetmap.org" in osm
        and "OpenStreetMap\\u003c/a\\u003e-Mitwirkende" in osm
    )
    for html in (default, osm):
        assert (
            "GeoBasis-DE / BKG 2021 (Daten ver\\u00e4ndert) \\u00b7 Zensus 2022" in html
        )


def test_self_host_leaves_folium_defaults_and_rejects_unknown_cdn() -> None:
    """Instance-level relinking; an unknown CDN resource is an error, not a leak."""
    before = list(folium.Map.default_js)
    m = folium.Map(tiles=None)
    assets.self_host(m)
    assert folium.Map.default_js == before
    assert [k for k, _ in m.default_js] == ["leaflet"]
    fancy = folium.Map(tiles=None)
    Fullscreen().add_to(fancy)
    with pytest.raises(ValueError, match="no self-hosted asset"):
        assets.self_host(fancy)


def test_ensure_vendor_is_idempotent(tmp_path: Path) -> None:
    """The files land under their served names; a second run rewrites nothing."""
    target = assets.ensure_vendor(tmp_path / "vendor")
    files = sorted(p.relative_to(target).as_posix() for p in target.rglob("*.*"))
    assert "leaflet/leaflet.js" in files and "leaflet/images/layers.png" in files
    assert "markercluster/leaflet.markercluster.js" in files
    stamps = {p: p.stat().st_mtime_ns for p in target.rglob("*.*")}
    assets.ensure_vendor(target)
    assert stamps == {p: p.stat().st_mtime_ns for p in target.rglob("*.*")}
    urls = assets.served_urls("/base/app/static/vendor")
    assert urls["leaflet"] == "/base/app/static/vendor/leaflet/leaflet.js"


# --- map queries -------------------------------------------------------------------


def test_area_values_match_direct_counts(con) -> None:
    """13 and 419 rows; counts equal direct SQL; LQ population-weighted mean is 1."""
    f = q.Filters()
    districts = q.map_area_values(con, f, "district")
    munis = q.map_area_values(con, f, "municipality")
    assert len(districts) == 13 and len(munis) == 419
    assert munis["population"].sum() == 4_038_131
    direct = dict(
        con.execute(
            "SELECT district_ars, count(*) FROM initiatives WHERE public GROUP BY 1"
        ).fetchall()
    )
    assert dict(zip(districts["key"], districts["initiatives"], strict=True)) == {
        k: direct.get(k, 0) for k in districts["key"]
    }
    assert districts["initiatives"].sum() == q.kpis(con, f)["initiatives"]
    weighted = (munis["lq"] * munis["population"]).sum() / munis["population"].sum()
    assert weighted == pytest.approx(1.0)
    dresden = munis.set_index("key").loc["14612000"]
    assert dresden["name"] == "Dresden" and dresden["population"] > 500_000
    assert (munis["nearest_km"] >= 0).all()
    with_one = munis[munis["initiatives"] > 0]
    assert (with_one["nearest_km"] < 10).all()  # the own initiative is close


def test_settlement_filter_marks_scope_district_filter_does_not(con) -> None:
    """``in_filter`` follows the settlement type; districts stay all on the map."""
    rural = q.map_area_values(con, q.Filters(degurba=(3,)), "municipality")
    assert rural["in_filter"].sum() == (rural["degurba"] == 3).sum() > 0
    chosen = q.map_area_values(con, q.Filters(districts=("14612",)), "district")
    assert chosen["in_filter"].all() and len(chosen) == 13
    themed = q.map_area_values(con, q.Filters(themes=("Bildung",)), "district")
    direct = con.execute(
        "SELECT count(*) FROM initiatives WHERE public AND theme = 'Bildung'"
    ).fetchone()[0]
    assert themed["initiatives"].sum() == direct


def test_geometries_context_bounds(con) -> None:
    """Simplified geometry for every area; 16 states + Saxony; bounds."""
    simple = q.map_geometries(con, "municipality")
    assert len(simple) == 419 and "14612000" in simple
    lon, lat = json.loads(simple["14612000"])["coordinates"][0][0][:2]
    assert 13 < lon < 14.2 and 50.9 < lat < 51.2  # lon/lat order, Dresden
    assert len(q.map_geometries(con, "district")) == 13
    kinds = [k for k, _, _ in q.map_context(con)]
    assert kinds.count("land") == 16 and kinds[-1] == "saxony"
    (south, west), (north, east) = q.map_bounds(con)
    assert 50.1 < south < 50.2 and 11.8 < west < 11.9
    assert 51.6 < north < 51.7 and 15.0 < east < 15.1
    with pytest.raises(ValueError, match="level"):
        q.map_geometries(con, "state")


@pytest.mark.parametrize("text", ["Görlitz", "görlitz", "GOERLITZ", "gorlitz", " Görl"])
def test_search_umlaut_and_case_insensitive(con, text: str) -> None:
    """Every spelling finds the municipality Görlitz first."""
    found = q.map_search(con, text)
    first = found.iloc[0]
    assert (first["kind"], first["key"], first["name"]) == (
        "municipality",
        "14626110",
        "Görlitz",
    )
    assert 51.0 < first["lat"] < 51.3 and 14.8 < first["lon"] < 15.1


def test_search_initiatives_public_only(con) -> None:
    """Non-public initiatives are never found; empty text finds nothing."""
    hidden = con.execute(
        "SELECT name FROM initiatives WHERE NOT public LIMIT 1"
    ).fetchone()
    assert hidden is not None
    public = q.map_search(con, hidden[0])
    assert hidden[0] not in set(public.loc[public["kind"] == "initiative", "name"])
    assert q.map_search(con, "   ").empty
    assert q.map_search(con, "'; DROP TABLE initiatives; --").empty


# --- static export ------------------------------------------------------------------


def test_static_export_is_self_contained(demo_db: Path, tmp_path: Path, con) -> None:
    """No external resource, 13 + 419 area features, public markers, demo notice."""
    out = export_map(demo_db, tmp_path / "embed" / "map.html")
    html = out.read_text(encoding="utf-8")
    assert FETCHING.findall(html) == []
    assert all(u.startswith(("data:", "#")) for u in CSS_URL.findall(html))
    # Left: SVG namespace, Leaflet's attribution link, a CSS comment, popup links.
    data_hosts = {
        urlsplit(u).hostname
        for (u,) in con.execute(
            "SELECT url FROM initiatives WHERE public AND url IS NOT NULL "
            "UNION SELECT url FROM events WHERE public AND url IS NOT NULL"
        ).fetchall()
    }
    allowed = {"www.w3.org", "leafletjs.com", "bugzilla.mozilla.org"} | data_hosts
    assert hosts(html) <= allowed, hosts(html) - allowed
    ids = re.findall(r'"id": "(14\d+)"', html)
    assert len({i for i in ids if len(i) == 5}) == 13
    assert len({i for i in ids if len(i) == 8}) == 419
    assert "L.markerClusterGroup" in html and "Demo-Daten" in html
    hidden = con.execute(
        "SELECT name FROM initiatives WHERE NOT public "
        "EXCEPT SELECT name FROM initiatives WHERE public"
    ).fetchall()
    # Each marker row ends with its name (the marker title) and its kind.
    shown = con.execute("SELECT name FROM initiatives WHERE public LIMIT 1").fetchone()
    tail = ', "initiative"]'
    assert json.dumps(shown[0]) + tail in html
    assert hidden and not any(json.dumps(n) + tail in html for (n,) in hidden)


def test_public_map_data_levels(con) -> None:
    """The static map carries both levels and only public rows."""
    md = public_map_data(con)
    assert [a.level for a in md.areas] == ["district", "municipality"]
    public = con.execute("SELECT count(*) FROM initiatives WHERE public").fetchone()[0]
    assert len(md.initiatives) == public
    assert set(md.initiatives["theme"]) <= set(THEME_COLOURS)


# --- page Karte (AppTest) ------------------------------------------------------------


def test_karte_page_values(app: AppTest, con) -> None:
    """KPIs, selectors, summary paragraph and the 13-row table of the map values."""
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    k = q.kpis(con, q.Filters())
    shown = {m.label: m.value for m in app.metric}
    assert shown["Initiativen"] == str(k["initiatives"])
    assert shown["Erreichte Gemeinden"] == f"{k['municipalities_reached']} von 419"
    labels = [s.label for s in app.selectbox]
    assert labels[:4] == ["Ebene", "Kennzahl", "Klasseneinteilung", "Hintergrund"]
    text = " ".join(m.value for m in app.markdown)
    assert "Sachsenweit kommen" in text and "von 419 Gemeinden haben keine" in text
    table = app.dataframe[0].value
    assert len(table) == 13 and table["initiatives"].sum() == k["initiatives"]


def test_karte_municipality_level_and_district_selection(app: AppTest, con) -> None:
    """Municipality level lists 419 rows; a chosen district narrows table and text."""
    app.run()
    app.selectbox(key="map_level").set_value("municipality").run()
    assert not app.exception
    # the first view lists the 15 highest rates; one switch shows all 419
    top = app.dataframe[0].value
    assert len(top) == 15 and top["per_100k"].is_monotonic_decreasing
    app.toggle(key="map_table_all").set_value(True).run()
    assert app.query_params["table"] == "1"
    assert len(app.dataframe[0].value) == 419
    assert set(top["name"]) <= set(app.dataframe[0].value["name"].head(15))
    app.multiselect(key="f_district").set_value(["14612"]).run()
    assert not app.exception
    table = app.dataframe[0].value
    assert len(table) == 1 and table.iloc[0]["name"] == "Dresden"
    assert any("Dresden" in m.value for m in app.markdown)


def test_embed_view_renders_map_only(app: AppTest) -> None:
    """``?view=embed`` runs the embed page without the page's table or selectors."""
    app.query_params["view"] = "embed"
    app.run()
    assert not app.exception
    assert len(app.selectbox) == 0 and len(app.dataframe) == 0


def test_karte_map_options_from_url(app: AppTest) -> None:
    """``?level=municipality&indicator=lq`` preselects the map; bad values fall back."""
    app.query_params["level"] = "municipality"
    app.query_params["indicator"] = "lq"
    app.run()
    assert app.selectbox(key="map_level").value == "municipality"
    assert app.selectbox(key="map_indicator").value == "lq"
    assert len(app.dataframe[0].value) == 15
    assert app.dataframe[0].value["lq"].is_monotonic_decreasing


def test_karte_full_table_from_url(app: AppTest) -> None:
    """``?table=1`` opens the municipality table with all 419 rows."""
    app.query_params["level"] = "municipality"
    app.query_params["table"] = "1"
    app.run()
    assert not app.exception
    assert app.toggle(key="map_table_all").value is True
    assert len(app.dataframe[0].value) == 419


def test_karte_bad_map_options_fall_back(app: AppTest) -> None:
    """Unknown map options in the URL are ignored, never an exception."""
    app.query_params["level"] = "<script>"
    app.query_params["indicator"] = "drop table"
    app.run()
    assert not app.exception
    assert app.selectbox(key="map_level").value == "district"
    assert app.selectbox(key="map_indicator").value == "per_100k"
    notices = " ".join(w.value for w in app.warning)
    assert "`level=<script>`" in notices and "`indicator=drop table`" in notices
    assert "level" not in app.query_params  # the URL now holds the valid view
    app.selectbox(key="map_level").set_value("municipality").run()
    assert app.query_params["level"] == "municipality"
