"""The choropleth map: areas by class, borders, clustered markers, legends.

No Streamlit here: the live page, the embed view and the static export all call
``build_map`` with ``dashboard.map_data.MapData``. Text reaches the browser only
escaped (templates with autoescape, ``esc`` for tooltips).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

import folium
import pandas as pd
from folium.map import CustomPane
from folium.plugins import FastMarkerCluster

from dashboard.assets import self_host
from dashboard.classification import Classification, classify
from dashboard.legends import AreaMarks, legend_html, marker_legend_html, number
from dashboard.map_controls import (
    Attribution,
    HtmlControl,
    LegendSwitch,
    MetricScale,
    PlaceLabels,
)
from dashboard.map_data import AreaLayer, MapData
from dashboard.map_style import (
    BKG_ZENSUS,
    DECIMALS,
    DISTRICT_STYLE,
    EVENT_COLOUR,
    FEW_CASES,
    FEW_STYLE,
    LAND_STYLE,
    MAX_ZOOM,
    MIN_ZOOM,
    NO_DATA,
    OSM_ATTRIBUTION,
    OSM_TILES,
    OUTLINE_PANE,
    PALETTES,
    RATE_CASES,
    SAXONY_STYLE,
    SELECTED_STYLE,
    THEME_COLOURS,
    ZOOM_STEP,
    MapOptions,
    check_colour,
    smoothed,
    theme_colour,
    validate,
    value_column,
)
from dashboard.markup import esc, missing, render
from dashboard.popups import event_popup, initiative_popup
from dashboard.shared_geometry import GeometryScript, SharedGeometry
from dashboard.texts import t

__all__ = [
    "area_fills",
    "area_labels",
    "build_map",
    "classification_for",
    "few_cases",
    "flagged",
    "marker_fields",
    "shared_collection",
]

# Rows: [lat, lon, colour, popup HTML (escaped), title (plain text), kind], or
# "i"/"e" followed by the id, whose fields come from the shared labels script.
# Initiatives and events share one cluster layer whose icon shows both counts
# (initiatives in the circle, events in a black square badge): two layers'
# clusters at the same town would cover each other's counts.
_MARKER_JS = """function (row) {
    if (typeof row === 'string') {
        var kind = row[0] === 'e' ? 'event' : 'initiative';
        var f = window.SINN_LABELS.markers[kind][row.slice(1)];
        row = [f[3], f[4], f[0], f[1], f[2], kind];
    }
    var shape = row[5] === 'event' ? 'sinn-square' : 'sinn-dot';
    var icon = L.divIcon({className: 'sinn-marker',
        html: '<span class="' + shape + '" style="background:' + row[2] + '"></span>',
        iconSize: [16, 16], iconAnchor: [8, 8], popupAnchor: [0, -8]});
    var marker = L.marker([row[0], row[1]], {icon: icon, title: row[4],
        keyboard: true, riseOnHover: true, sinnKind: row[5]});
    marker.bindPopup(row[3], {maxWidth: 280, autoPanPadding: [12, 12]});
    return marker;
}"""
_CLUSTER_JS = """function (cluster) {
    var events = cluster.getAllChildMarkers().filter(function (m) {
        return m.options.sinnKind === 'event'; }).length;
    var initiatives = cluster.getChildCount() - events;
    var size = initiatives < 10 ? 'small' : initiatives < 50 ? 'medium' : 'large';
    if (!initiatives) {
        return L.divIcon({html: '<div><span class="sinn-count">' + events
            + '</span></div>', className: 'marker-cluster sinn-event-cluster',
            iconSize: [30, 30]});
    }
    var badge = events ? '<b class="sinn-event-badge">' + events + '</b>' : '';
    return L.divIcon({html: '<div><span class="sinn-count">' + initiatives
        + '</span></div>' + badge,
        className: 'marker-cluster marker-cluster-' + size, iconSize: [40, 40]});
}"""


# Tooltip facts of the areas that come from the shared labels script.
_TOOLTIP_FACTS = ("name", "population", "settlement")
# Popup and colour of each marker kind.
_MARKERS: dict[str, tuple[Callable[[dict, str], str], Callable[[dict], str]]] = {
    "initiative": (initiative_popup, lambda r: theme_colour(r.get("theme"))),
    "event": (event_popup, lambda _r: EVENT_COLOUR),
}


def classification_for(
    values: pd.DataFrame, opts: MapOptions, level: str = "district"
) -> Classification:
    """Classes of the shown indicator over the areas inside the filter scope."""
    shown = values.loc[values["in_filter"].astype(bool), value_column(opts, level)]
    if opts.indicator == "lq":
        return classify(shown, opts.scheme, opts.k, centre=1.0, zero_class=True)
    return classify(
        shown,
        opts.scheme,
        opts.k,
        palette=PALETTES[opts.indicator],
        zero_class=opts.indicator != "nearest_km",
    )


def few_cases(values: pd.DataFrame, column: str = "initiatives") -> pd.Series:
    """Areas inside the filter whose rate rests on 1 to ``FEW_CASES - 1`` cases."""
    n = pd.to_numeric(values[column], errors="coerce")
    return values["in_filter"].astype(bool) & n.between(1, FEW_CASES - 1)


def cases_column(opts: MapOptions, values: pd.DataFrame) -> str | None:
    """The count the shown rate rests on (``None``: a count or distance)."""
    column = RATE_CASES.get(opts.indicator)
    return column if column in values.columns else None


def flagged(values: pd.DataFrame, opts: MapOptions) -> pd.Series:
    """Areas whose shown rate rests on few cases (none for counts, distances)."""
    column = cases_column(opts, values)
    if column is None:
        return pd.Series(False, index=values.index)
    return few_cases(values, column)


def area_fills(
    layer: AreaLayer, opts: MapOptions, cls: Classification
) -> dict[str, str]:
    """Fill colour per area key: its class colour, grey outside the filter."""
    column = value_column(opts, layer.level)
    return {
        key: cls.colour(value) if inside else NO_DATA
        for key, value, inside in zip(
            layer.values["key"],
            layer.values[column],
            layer.values["in_filter"].astype(bool),
            strict=True,
        )
    }


def _settlement(level: str, row: dict, lang: str) -> str:
    """District kind or settlement type of an area, translated."""
    if level == "district":
        return t(f"kind.{row['settlement']}", lang)
    if missing(row.get("degurba")):
        return row["settlement"]
    return t(f"degurba.{int(row['degurba'])}", lang)


def _facts(row: dict, lang: str) -> dict[str, str]:
    """Tooltip facts of an area that no filter changes, escaped."""
    return {
        "name": esc(row["name"]),
        "population": esc(number(row["population"], 0, lang)),
    }


def area_labels(layer: AreaLayer, lang: str) -> dict[str, dict[str, str]]:
    """Key -> fixed tooltip facts and settlement, for the shared labels script."""
    return {
        row["key"]: _facts(row, lang)
        | {"settlement": esc(_settlement(layer.level, row, lang))}
        for row in layer.values.to_dict("records")
    }


def _feature_collection(
    layer: AreaLayer, opts: MapOptions, cls: Classification, shared: bool
) -> tuple[dict, dict[str, str], set[str], dict[str, list[str]]]:
    """GeoJSON with escaped tooltip properties, fill colour per key, few-case keys.

    ``shared``: features carry only their keys; the per-view texts (value, cases)
    come as columns in feature order (the last item), geometry and fixed facts
    from the shared scripts. folium checks the tooltip fields on the first
    feature, so that one names them (the browser fills them).
    """
    lang, digits = opts.lang, DECIMALS[opts.indicator]
    column = value_column(opts, layer.level)
    features, fills = [], area_fills(layer, opts, cls)
    per_view: list[tuple[str, dict[str, str]]] = []
    few = set(layer.values.loc[flagged(layer.values, opts), "key"])
    counted = cases_column(opts, layer.values)
    for row in layer.values.to_dict("records"):
        key = row["key"]
        inside = bool(row["in_filter"])
        texts = {"value": number(row[column], digits, lang)}
        if counted:
            texts["cases"] = number(row[counted], 0, lang)
            if key in few:
                texts["cases"] = t("map.tooltip.few", lang, n=texts["cases"])
        if not inside:  # grey: say why (a value, if any, stays readable)
            outside = t("map.legend.outside", lang)
            texts = {
                k: outside if k == "cases" or v == "–" else v for k, v in texts.items()
            }
        if shared:
            per_view.append((key, texts))
            continue
        settlement = _settlement(layer.level, row, lang)
        features.append(area_feature(layer, row, lang, settlement=settlement, **texts))
    if shared:
        data, columns = shared_collection(per_view)
        return data, fills, few, columns
    return {"type": "FeatureCollection", "features": features}, fills, few, {}


def shared_collection(
    per_view: list[tuple[str, dict[str, str]]],
) -> tuple[dict, dict[str, list[str]]]:
    """Keys-only features and their per-view tooltip texts as columns (escaped).

    Geometry, fixed facts and the texts are added in the browser
    (``SharedGeometry``). folium checks the tooltip fields on the first
    feature, so that one names them.
    """
    columns: dict[str, list[str]] = {}
    features = []
    for key, texts in per_view:
        for name, text in texts.items():
            columns.setdefault(name, []).append(esc(text))
        named = {} if features else dict.fromkeys([*_TOOLTIP_FACTS, *texts], "")
        features.append({"id": key, "properties": named, "geometry": None})
    return {"type": "FeatureCollection", "features": features}, columns


def area_feature(layer: AreaLayer, row: dict, lang: str, **texts: object) -> dict:
    """GeoJSON feature of one area: key facts and ``texts``, all escaped."""
    properties = _facts(row, lang) | {name: esc(t) for name, t in texts.items()}
    return {
        "type": "Feature",
        "id": row["key"],
        "geometry": json.loads(layer.geometries[row["key"]]),
        "properties": properties,
    }


def _area_layer(
    layer: AreaLayer, opts: MapOptions, cls: Classification, show: bool, shared: bool
) -> tuple[folium.GeoJson, AreaMarks, dict[str, list[str]]]:
    """The choropleth GeoJSON layer with tooltip and highlight, marks, texts.

    The texts are the per-view tooltip columns of a shared-geometry layer.
    """
    data, fills, few, columns = _feature_collection(layer, opts, cls, shared)
    lang = opts.lang
    kind_label = "col.kind" if layer.level == "district" else "col.degurba_label"
    value_label = t(f"map.legend.{opts.indicator}", lang)
    if smoothed(opts, layer.level):
        value_label += f" – {t('map.legend.smoothed', lang)}"
    counted = cases_column(opts, layer.values)
    aliases = {
        "name": t(f"map.level.{layer.level}.one", lang),
        "value": value_label,
        **({"cases": t(f"col.{counted}", lang)} if counted else {}),
        "population": t("col.population", lang),
        "settlement": t(kind_label, lang),
    }
    outside = int((~layer.values["in_filter"].astype(bool)).sum())
    marks = AreaMarks(outside=outside, few=len(few), cases=counted or "")
    filled = filled_layer(data, fills, aliases, layer.level, lang, show, few)
    return filled, marks, columns


def filled_layer(
    data: dict,
    fills: dict[str, str],
    aliases: dict[str, str],
    level: str,
    lang: str,
    show: bool = True,
    few: set[str] = frozenset(),
) -> folium.GeoJson:
    """Filled areas (colour per feature id) with an escaped tooltip and highlight.

    ``aliases`` maps tooltip property names to their (unescaped) labels; areas
    in ``few`` (rates on few cases) are drawn paler with a dashed outline.
    """
    weight = 0.4 if level == "municipality" else 1.2

    def style(feature: dict) -> dict:
        base = {
            "fillColor": fills[feature["id"]],
            "fillOpacity": 0.85,
            "color": "#ffffff",
            "weight": weight,
        }
        return base | (FEW_STYLE if feature["id"] in few else {})

    tooltip = folium.GeoJsonTooltip(
        fields=list(aliases),
        aliases=[esc(label) for label in aliases.values()],
        sticky=True,
        direction="auto",
        class_name="sinn-tooltip",
    )
    return folium.GeoJson(
        data,
        name=t(f"map.level.{level}", lang),
        style_function=style,
        highlight_function=lambda _f: {"weight": 3, "color": "#1f1f1f"},
        tooltip=tooltip,
        zoom_on_click=False,
        overlay=False,
        control=True,
        show=show,
    )


def _outline(
    m: folium.Map,
    data: MapData,
    group: str,
    shapes: list[tuple[str, str]],
    style: dict,
    pane: str = "overlayPane",
) -> None:
    """Add a non-interactive layer of bare geometries (no tooltip, no click).

    ``shapes`` are (key, GeoJSON text) of one geometry ``group``; with a shared
    geometry script only the keys are sent.
    """
    shared = data.geometry_url is not None
    features = [
        {
            "type": "Feature",
            "id": key,
            "geometry": None if shared else json.loads(text),
            "properties": {},
        }
        for key, text in shapes
    ]
    layer = folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        style_function=lambda _f: style,
        interactive=False,
        control=False,
        pane=pane,
    ).add_to(m)
    if shared:
        SharedGeometry(layer, group).add_to(m)


def _selected_geometries(
    data: MapData, selected: Sequence[str]
) -> list[tuple[str, str]]:
    """(key, geometry) of the selected districts (outlines or a district layer)."""
    districts = data.district_outlines or next(
        (a.geometries for a in data.areas if a.level == "district"), {}
    )
    return [(k, districts[k]) for k in selected if k in districts]


def _context(data: MapData, kind: str) -> list[tuple[str, str]]:
    """(name, geometry) of the context areas of one kind ('land' or 'saxony')."""
    return [(name, g) for k, name, g in data.context if k == kind]


def _fields(kind: str, row: dict, lang: str) -> list[str]:
    """[colour, popup HTML, title] of one marker of ``kind``."""
    popup, colour = _MARKERS[kind]
    title = "" if pd.isna(row.get("name")) else str(row["name"])
    return [check_colour(colour(row)), popup(row, lang), title]


def _located(frame: pd.DataFrame) -> list[dict]:
    """Rows with coordinates."""
    return [
        row
        for row in frame.to_dict("records")
        if not (pd.isna(row.get("lat")) or pd.isna(row.get("lon")))
    ]


def _position(row: dict) -> list[float]:
    """[lat, lon] of a marker, to 5 decimals (1 m, finer than any marker is drawn)."""
    return [round(float(row["lat"]), 5), round(float(row["lon"]), 5)]


def marker_fields(frame: pd.DataFrame, kind: str, lang: str) -> dict[str, list]:
    """Marker id -> [colour, popup HTML, title, lat, lon], for the labels script."""
    return {
        str(row["id"]): _fields(kind, row, lang) + _position(row)
        for row in _located(frame)
    }


def _marker_rows(frame: pd.DataFrame, kind: str, lang: str, shared: bool) -> list:
    """[lat, lon, colour, popup HTML, title, kind] per row with coordinates.

    ``shared``: "i" or "e" followed by the id; the rest comes from the shared
    labels script.
    """
    if shared:
        return [kind[0] + str(row["id"]) for row in _located(frame)]
    return [
        _position(row) + _fields(kind, row, lang) + [kind] for row in _located(frame)
    ]


def add_markers(m: folium.Map, data: MapData, lang: str) -> None:
    """Clustered initiative dots (colour = theme) and event squares, plus legend."""
    shared = data.labels_url is not None
    themes: list[str] = []
    rows: list = []
    if data.initiatives is not None and not data.initiatives.empty:
        rows += _marker_rows(data.initiatives, "initiative", lang, shared)
        present = set(data.initiatives["theme"].dropna())
        themes = [th for th in THEME_COLOURS if th in present]
        themes += sorted(present - set(THEME_COLOURS))
    with_events = data.events is not None and not data.events.empty
    if with_events:
        rows += _marker_rows(data.events, "event", lang, shared)
    if rows:
        name = t("kind.initiative", lang)
        if with_events:
            name += f" · {t('kind.event', lang)}"
        cluster = FastMarkerCluster(
            [],
            callback=_MARKER_JS,
            name=name,
            icon_create_function=_CLUSTER_JS,
            maxClusterRadius=45,
            showCoverageOnHover=False,
            spiderfyOnMaxZoom=True,
        )
        cluster.data = rows  # folium would take a shared row (a string) for [lat, lon]
        cluster.add_to(m)
    if themes or with_events:
        legend = marker_legend_html(themes, with_events, lang)
        HtmlControl(legend, "topright").add_to(m)


def base_map(data: MapData, opts: MapOptions) -> folium.Map:
    """An empty map with the house CSS and the chosen background."""
    m = folium.Map(
        location=[51.05, 13.35],
        zoom_start=8,
        tiles=None,
        maxZoom=MAX_ZOOM,  # no tile layer -> markercluster needs the map's maxZoom
        minZoom=MIN_ZOOM,
        zoomSnap=ZOOM_STEP,
        height=opts.height,
        control_scale=False,
    )
    # The house CSS is a served asset like Leaflet's (inlined in the export).
    m.default_css = [*m.default_css, ("sinn_css", "sinn.css")]
    if opts.basemap == "osm":
        folium.TileLayer(
            OSM_TILES,
            attr=OSM_ATTRIBUTION,
            name="OpenStreetMap",
            max_zoom=MAX_ZOOM,
            control=False,
        ).add_to(m)
    scripts = [u for u in (data.geometry_url, data.labels_url) if u is not None]
    if scripts:
        GeometryScript(scripts).add_to(m)
    if opts.basemap == "none":
        _outline(m, data, "land", _context(data, "land"), LAND_STYLE)
    return m


def add_borders(m: folium.Map, data: MapData, selected: Sequence[str] = ()) -> None:
    """District and Saxony borders (and selected districts) above the areas."""
    # Borders live in a pane above the areas, so switching the area layer (static
    # export) cannot bury them; the pane ignores the mouse, clicks reach the areas.
    CustomPane(OUTLINE_PANE, z_index=450, pointer_events=False).add_to(m)
    if data.district_outlines:
        borders = list(data.district_outlines.items())
        _outline(m, data, "district", borders, DISTRICT_STYLE, OUTLINE_PANE)
    saxony = _context(data, "saxony")
    _outline(m, data, "saxony", saxony, SAXONY_STYLE, OUTLINE_PANE)
    chosen = _selected_geometries(data, selected)
    if chosen:
        _outline(m, data, "district", chosen, SELECTED_STYLE, OUTLINE_PANE)


def add_labels(m: folium.Map, data: MapData, opts: MapOptions) -> None:
    """Town labels (district seats always, larger towns zoomed in), the search hit."""
    if data.places is not None and not data.places.empty:
        hit = opts.highlight[2] if opts.highlight else None
        rows = [  # the search hit is labelled once, as the hit
            [float(r.lat), float(r.lon), str(r.name), bool(r.seat)]
            for r in data.places.itertuples()
            if r.name != hit
        ]
        PlaceLabels(rows).add_to(m)
    if opts.highlight:
        lat, lon, name = opts.highlight
        PlaceLabels([[float(lat), float(lon), str(name), True]], "sinn-hit").add_to(m)


def add_credits(m: folium.Map, opts: MapOptions) -> None:
    """Data attribution, metric scale bar and the optional notice."""
    source = f" · {esc(opts.source)}" if opts.source else ""
    Attribution(BKG_ZENSUS + source).add_to(m)
    MetricScale().add_to(m)
    if opts.notice:
        notice = render("notice.html", notice=opts.notice)
        HtmlControl(notice, "topleft").add_to(m)


def build_map(data: MapData, opts: MapOptions) -> folium.Map:
    """The complete folium map: background, choropleth(s), markers, legends.

    The first area layer is shown; with several, a layer control switches
    between them and their legends. With ``basemap="none"`` and self-hosted
    assets the page requests nothing from any other host.
    """
    validate(opts)
    if not data.areas:
        raise ValueError("data.areas must hold at least one AreaLayer")
    m = base_map(data, opts)
    shared = data.geometry_url is not None
    for i, layer in enumerate(data.areas):
        cls = classification_for(layer.values, opts, layer.level)
        area, marks, columns = _area_layer(layer, opts, cls, i == 0, shared)
        area.add_to(m)
        if shared:
            SharedGeometry(area, layer.level, columns, layer.geometries).add_to(m)
        name = (
            t(f"map.level.{layer.level}", lang=opts.lang) if len(data.areas) > 1 else ""
        )
        HtmlControl(
            legend_html(cls, opts, layer.level, marks), "bottomright", name
        ).add_to(m)
    add_borders(m, data, opts.selected)
    add_labels(m, data, opts)
    add_markers(m, data, opts.lang)
    add_credits(m, opts)
    if len(data.areas) > 1:
        folium.LayerControl(collapsed=False, position="topright").add_to(m)
        LegendSwitch(t(f"map.level.{data.areas[0].level}", lang=opts.lang)).add_to(m)
    fit(m, data.bounds)
    return self_host(m, opts.assets)


def fit(m: folium.Map, bounds: list) -> None:
    """Fit ``m`` to ``bounds`` at once, not animated.

    An animated fit starts on the next animation frame, which a browser may hold
    back for a frame out of sight; it would then undo any view set meanwhile
    (a shared link's, a test's).
    """
    fitted = folium.map.FitBounds(bounds)
    fitted.options["animate"] = False
    m.add_child(fitted)
