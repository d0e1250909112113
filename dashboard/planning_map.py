"""The planning map: municipalities by reach status, sites with their R-circles."""

from __future__ import annotations

from collections.abc import Sequence

import folium
import numpy as np
import pandas as pd

from dashboard.assets import self_host
from dashboard.choropleth import (
    add_borders,
    add_credits,
    add_markers,
    area_feature,
    base_map,
    filled_layer,
    fit,
    shared_collection,
)
from dashboard.legends import number, plan_legend_html
from dashboard.map_controls import HtmlControl
from dashboard.map_data import AreaLayer, MapData
from dashboard.map_style import (
    PLAN_COLOURS,
    PLANNED_COLOUR,
    SITE_COLOUR,
    MapOptions,
    check_colour,
    validate,
)
from dashboard.markup import render
from dashboard.shared_geometry import SharedGeometry
from dashboard.texts import t

__all__ = ["build_planning_map"]


def _status_layer(
    layer: AreaLayer, lang: str, shared: bool
) -> tuple[folium.GeoJson, dict[str, list[str]]]:
    """Municipalities filled by reach status, tooltip with the nearest initiative.

    ``shared``: geometry and fixed facts come from the shared scripts, the
    per-view texts as columns (the second item); see ``shared_collection``.
    """
    features, fills, per_view = [], {}, []
    for row in layer.values.to_dict("records"):
        key, status = row["key"], row["status"]
        fills[key] = PLAN_COLOURS[status]
        texts = {
            "status": t(f"plan.status.{status}", lang),
            "nearest": number(row["nearest_km"], 1, lang),
        }
        if shared:
            per_view.append((key, texts))
            continue
        settlement = t(f"degurba.{int(row['degurba'])}", lang)
        features.append(area_feature(layer, row, lang, settlement=settlement, **texts))
    aliases = {
        "name": t("map.level.municipality.one", lang),
        "status": t("plan.status", lang),
        "nearest": t("map.legend.nearest_km", lang),
        "population": t("col.population", lang),
        "settlement": t("col.degurba_label", lang),
    }
    columns: dict[str, list[str]] = {}
    if shared:
        data, columns = shared_collection(per_view)
    else:
        data = {"type": "FeatureCollection", "features": features}
    return filled_layer(data, fills, aliases, layer.level, lang), columns


def _site_layer(
    sites: pd.DataFrame, radius_m: float, colour: str, planned: bool, name: str
) -> folium.FeatureGroup:
    """R-circles (metres) and badges of sites; ``badge`` and ``name`` are plain text."""
    group = folium.FeatureGroup(name=name, control=False)
    for row in sites.to_dict("records"):
        location = [float(row["lat"]), float(row["lon"])]
        folium.Circle(
            location,
            radius=float(radius_m),
            color=colour,
            weight=2.5,
            fill=True,
            fill_opacity=0.06,
            dash_array="6 5" if planned else None,
            class_name="sinn-site-ring",
        ).add_to(group)
        badge = render(
            "site_badge.html", colour=check_colour(colour), badge=row["badge"]
        )
        folium.Marker(
            location,
            icon=folium.DivIcon(
                html=badge,
                class_name="sinn-site",
                icon_size=(26, 26),
                icon_anchor=(13, 13),
            ),
            title=str(row["name"]),  # a DOM attribute set by Leaflet: no HTML
        ).add_to(group)
    return group


def build_planning_map(
    data: MapData,
    opts: MapOptions,
    radius_m: float,
    sites: pd.DataFrame | None = None,
    planned: pd.DataFrame | None = None,
) -> folium.Map:
    """The white-spot map: municipalities by reach status, sites with R-circles.

    ``data.areas[0]`` is the municipality layer whose values carry ``status``
    (see ``dashboard.planning.STATUSES``) and ``nearest_km``; ``sites`` and
    ``planned`` hold ``name``, ``badge``, ``lat``, ``lon`` (recommended sites
    and planned events). Markers, borders, attribution and self-hosted assets
    are those of :func:`build_map`.
    """
    validate(opts)
    if not data.areas or "status" not in data.areas[0].values:
        raise ValueError("data.areas[0] must hold municipality values with 'status'")
    m = base_map(data, opts)
    layer = data.areas[0]
    status, columns = _status_layer(layer, opts.lang, data.geometry_url is not None)
    status.add_to(m)
    if data.geometry_url is not None:
        SharedGeometry(status, layer.level, columns, layer.geometries).add_to(m)
    add_borders(m, data)
    lang = opts.lang
    for frame, colour, dashed, key in (
        (planned, PLANNED_COLOUR, True, "plan.legend.planned"),
        (sites, SITE_COLOUR, False, "plan.legend.site"),
    ):
        if frame is not None and not frame.empty:
            name = t(key, lang, r=number(radius_m / 1000, 0, lang))
            _site_layer(frame, radius_m, colour, dashed, name).add_to(m)
    add_markers(m, data, lang)
    legend = plan_legend_html(
        radius_m / 1000,
        layer.values["status"],
        sites is not None and not sites.empty,
        planned is not None and not planned.empty,
        lang,
    )
    HtmlControl(legend, "bottomright").add_to(m)
    add_credits(m, opts)
    fit(m, _with_circles(data.bounds, [sites, planned], radius_m))
    return self_host(m, opts.assets)


def _with_circles(
    bounds: list[list[float]], frames: Sequence[pd.DataFrame | None], radius_m: float
) -> list[list[float]]:
    """``bounds`` grown so that every site's R-circle is inside the view."""
    (south, west), (north, east) = bounds
    for frame in frames:
        if frame is None or frame.empty:
            continue
        lat = frame["lat"].astype(float)
        dlat = radius_m / 111_320  # metres per degree of latitude
        dlon = dlat / np.cos(np.radians(lat))
        south, north = min(south, (lat - dlat).min()), max(north, (lat + dlat).max())
        lon = frame["lon"].astype(float)
        west, east = min(west, (lon - dlon).min()), max(east, (lon + dlon).max())
    return [[float(south), float(west)], [float(north), float(east)]]
