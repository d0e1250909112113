"""A PNG of the map drawn server-side with matplotlib from the map's own values.

Why not a screenshot of the Leaflet view: a client-side rasteriser
(leaflet-image, dom-to-image) would be another JavaScript asset to vendor and
pin, and the map runs in a sandboxed iframe. Matplotlib is installed and works
offline; it draws the same areas, class colours, few-case flags, legend rows and
town labels as the interactive map (``classification_for``, ``area_fills``,
``legend_parts``), so the image cannot disagree with the map.
"""

from __future__ import annotations

import io
import json
import math
import textwrap

import geopandas as gpd
import matplotlib
from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from shapely.geometry import shape

from dashboard.choropleth import area_fills, cases_column, classification_for, flagged
from dashboard.legends import AreaMarks, legend_parts
from dashboard.map_data import MapData
from dashboard.map_style import BKG_ZENSUS, SELECTED, MapOptions, validate
from dashboard.texts import t

__all__ = ["map_png"]

matplotlib.use("Agg")  # no display; the Figure API below never opens a window
_HALO = [patheffects.withStroke(linewidth=3, foreground="white")]


def _shapes(geometries: dict[str, str], keys: list[str]) -> gpd.GeoSeries:
    """GeoJSON texts of ``keys`` as a GeoSeries (EPSG:4326) indexed by key."""
    return gpd.GeoSeries(
        [shape(json.loads(geometries[k])) for k in keys], index=keys, crs=4326
    )


def map_png(
    data: MapData, opts: MapOptions, subtitle: str = "", dpi: int = 110
) -> bytes:
    """PNG bytes of the first area layer of ``data`` with legend and sources."""
    validate(opts)
    layer = data.areas[0]
    values = layer.values
    cls = classification_for(values, opts, layer.level)
    fills = area_fills(layer, opts, cls)
    few = flagged(values, opts)
    keys = list(values["key"])
    areas = _shapes(layer.geometries, keys)
    fig = Figure(figsize=(10, 7.6), dpi=dpi)
    ax = fig.add_axes((0.01, 0.06, 0.64, 0.80))
    ax.set_axis_off()
    edge = 0.2 if layer.level == "municipality" else 0.8
    areas.plot(ax=ax, color=[fills[k] for k in keys], edgecolor="white", linewidth=edge)
    if few.any():  # as on the map: paler, dashed outline
        paler = areas[few.to_numpy()]
        paler.plot(ax=ax, color="white", alpha=0.5, linewidth=0)
        paler.boundary.plot(
            ax=ax, color="#333333", linewidth=0.6, linestyle=(0, (3, 3))
        )
    if data.district_outlines:
        districts = _shapes(data.district_outlines, list(data.district_outlines))
        districts.boundary.plot(ax=ax, color="#3a3a3a", linewidth=0.9)
        chosen = [k for k in opts.selected if k in data.district_outlines]
        if chosen:
            districts[chosen].boundary.plot(ax=ax, color=SELECTED, linewidth=2.5)
    if data.places is not None:
        for place in data.places[data.places["seat"]].itertuples():
            ax.plot(place.lon, place.lat, "o", color="#1f1f1f", markersize=2.5)
            ax.annotate(
                place.name,
                (place.lon, place.lat),
                xytext=(0, 4),
                textcoords="offset points",
                ha="center",
                fontsize=7.5,
                fontweight="bold",
                path_effects=_HALO,
            )
    # Degrees of longitude are shorter than of latitude at Saxony's 51° N.
    ax.set_aspect(1 / math.cos(math.radians(51)))
    outside = int((~values["in_filter"].astype(bool)).sum())
    title, rows, notes = legend_parts(
        cls,
        opts,
        layer.level,
        AreaMarks(outside, int(few.sum()), cases_column(opts, values) or ""),
    )
    handles = [
        Patch(facecolor=r.style.removeprefix("background:"), edgecolor="#888888")
        if r.style
        else Patch(facecolor="#c9c3de", edgecolor="#333333", linestyle="--")
        for r in rows
    ]
    legend = fig.legend(
        handles,
        [textwrap.fill(r.text, 40) for r in rows],
        loc="upper left",
        bbox_to_anchor=(0.66, 0.86),
        fontsize=8.5,
        frameon=False,
        title=title,
        title_fontsize=9.5,
        alignment="left",
    )
    legend.get_title().set_fontweight("bold")
    # Notes go right below the legend, wherever its wrapped rows end.
    box = legend.get_window_extent(FigureCanvasAgg(fig).get_renderer())
    below = fig.transFigure.inverted().transform((box.x0, box.y0))[1]
    text = "\n".join(textwrap.fill(n, 48) for n in notes)
    fig.text(0.67, below - 0.01, text, fontsize=7.5, color="#444444", va="top")
    fig.text(
        0.02,
        0.96,
        f"{t('app.title', opts.lang)} – {title}",
        fontsize=14,
        fontweight="bold",
        va="top",
    )
    if subtitle:
        fig.text(0.02, 0.915, subtitle, fontsize=9.5, color="#333333", va="top")
    fig.text(0.02, 0.025, BKG_ZENSUS, fontsize=7.5, color="#444444")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", facecolor="white")
    return buffer.getvalue()
