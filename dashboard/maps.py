"""Folium map builders: choropleth, clustered markers, legends, vector background.

No Streamlit here: the live page, the embed view and the static export all call
``build_map`` with data from ``dashboard.queries``. Every text that reaches the
browser as HTML is escaped here; links are kept only for http(s) URLs.
"""

from __future__ import annotations

import html
import json
import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

import folium
import mapclassify
import numpy as np
import pandas as pd
from branca.element import Element, MacroElement
from branca.utilities import color_brewer
from folium.map import CustomPane
from folium.plugins import FastMarkerCluster
from folium.template import Template

from dashboard.assets import SERVED_BASE, self_host
from dashboard.i18n import fmt_num, t

__all__ = [
    "BASEMAPS",
    "FUNDING_INDICATORS",
    "INDICATORS",
    "SCHEMES",
    "AreaLayer",
    "Classification",
    "MapData",
    "MapOptions",
    "build_map",
    "build_planning_map",
    "classify",
    "safe_url",
]

INDICATORS = ("initiatives", "per_100k", "lq", "nearest_km")
#: Indicators of the Förderung page (same classification and legend rules).
FUNDING_INDICATORS = ("eur_per_inhabitant", "operations_per_100k")
SCHEMES = ("quantiles", "equal_interval", "natural_breaks")
BASEMAPS = ("none", "osm")
#: Decimals shown per indicator.
DECIMALS = {"initiatives": 0, "per_100k": 1, "lq": 2, "nearest_km": 1}
DECIMALS |= {"eur_per_inhabitant": 2, "operations_per_100k": 1}
# ColorBrewer schemes marked colour-blind safe: sequential for counts and rates,
# orange-red for distances (far = bad), purple-orange diverging around LQ 1.
PALETTES = {"initiatives": "YlGnBu", "per_100k": "YlGnBu", "nearest_km": "OrRd"}
PALETTES |= {"eur_per_inhabitant": "YlGnBu", "operations_per_100k": "YlGnBu"}
DIVERGING = "PuOr"
NO_DATA = "#d9d9d9"
SELECTED = "#b5123e"
# Okabe-Ito (colour-blind safe) first, then Paul Tol's muted set for the rest.
THEME_COLOURS = {
    "Gesundheit": "#0072B2",
    "Pflege": "#E69F00",
    "Bildung": "#009E73",
    "Inklusion": "#CC79A7",
    "Familie": "#56B4E9",
    "Migration & Integration": "#D55E00",
    "Teilhabe & Demokratie": "#332288",
    "Wohnen": "#999933",
    "Alter": "#882255",
    "Arbeit": "#44AA99",
    "Katastrophenschutz": "#AA4499",
    "Sonstiges": "#777777",
}
EVENT_COLOUR = "#1f1f1f"
BKG_ZENSUS = "© GeoBasis-DE / BKG 2021 (Daten verändert) · Zensus 2022"
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = (
    '© <a href="https://www.openstreetmap.org/copyright" target="_blank" '
    'rel="noopener">OpenStreetMap</a>-Mitwirkende'
)
LAND_STYLE = {"fillColor": "#e4e4e4", "fillOpacity": 1, "color": "#ffffff", "weight": 1}
DISTRICT_STYLE = {"fill": False, "color": "#3a3a3a", "weight": 1.3}
SAXONY_STYLE = {"fill": False, "color": "#555555", "weight": 2.5}
SELECTED_STYLE = {"fill": False, "color": SELECTED, "weight": 4}
OUTLINE_PANE = "sinnOutlines"
_HEX = re.compile(r"#[0-9A-Fa-f]{6}")

_CSS = """
<style>
.leaflet-container { background: #f4f6f8; font: 13px/1.4 system-ui, sans-serif; }
.sinn-legend { background: rgba(255,255,255,.94); padding: 8px 10px;
  border-radius: 6px; box-shadow: 0 1px 4px rgba(0,0,0,.3); color: #1f1f1f;
  max-width: 340px; font-size: 13px; line-height: 1.35; }
.sinn-legend-title { font-weight: 600; margin-bottom: 4px; }
.sinn-legend summary { font-weight: 600; cursor: pointer; }
.sinn-legend-row { display: flex; align-items: center; gap: 6px; margin: 2px 0; }
.sinn-legend-grid { display: grid; grid-template-columns: auto auto;
  column-gap: 12px; font-size: 12px; margin-top: 4px; }
.sinn-legend-note { color: #444; margin-top: 4px; font-size: 12px; }
.sinn-swatch { width: 18px; height: 12px; border: 1px solid #888; flex: none; }
.sinn-dot { display: inline-block; width: 12px; height: 12px; border-radius: 50%;
  border: 1.5px solid #fff; box-shadow: 0 0 0 1px rgba(0,0,0,.55); flex: none; }
.sinn-square { display: inline-block; width: 11px; height: 11px; border: 2px solid #fff;
  box-shadow: 0 0 0 1px #000; background: #1f1f1f; flex: none; }
.sinn-marker { background: none; border: none; }
.sinn-event-cluster div { border-radius: 3px !important; background: #1f1f1f !important;
  color: #fff; }
.sinn-event-cluster { border-radius: 4px !important; background: rgba(0,0,0,.25) !important; }
.sinn-notice { font-weight: 600; background: #fff3cd; }
.sinn-popup { max-width: 260px; }
.sinn-popup p { margin: 4px 0; }
</style>
"""

# Rows: [lat, lon, colour, popup HTML (escaped), title (plain text)].
_MARKER_JS = """function (row) {
    var icon = L.divIcon({className: 'sinn-marker',
        html: '<span class="%s" style="background:' + row[2] + '"></span>',
        iconSize: [16, 16], iconAnchor: [8, 8], popupAnchor: [0, -8]});
    var marker = L.marker([row[0], row[1]], {icon: icon, title: row[4],
        keyboard: true, riseOnHover: true});
    marker.bindPopup(row[3], {maxWidth: 280});
    return marker;
}"""
_EVENT_CLUSTER_JS = """function (cluster) {
    return L.divIcon({html: '<div><span>' + cluster.getChildCount() + '</span></div>',
        className: 'marker-cluster sinn-event-cluster', iconSize: [36, 36]});
}"""


# --- classification ---------------------------------------------------------------


@dataclass(frozen=True)
class Classification:
    """Classes of an indicator: upper bounds, colours and what each class holds.

    ``bins`` are ascending upper bounds (the last is the maximum); a value
    belongs to the first class whose bound is >= the value. ``mins``/``maxs``
    are the smallest/largest value that fell into each class (``None`` if empty)
    and ``counts`` how many values did.
    """

    bins: tuple[float, ...]
    colours: tuple[str, ...]
    mins: tuple[float | None, ...] = ()
    maxs: tuple[float | None, ...] = ()
    counts: tuple[int, ...] = ()

    def index(self, value: float | None) -> int | None:
        """Class of ``value`` (``None`` for missing values or no classes)."""
        if value is None or not self.bins or pd.isna(value) or not np.isfinite(value):
            return None
        i = int(np.searchsorted(self.bins, value, side="left"))
        return min(i, len(self.bins) - 1)

    def colour(self, value: float | None) -> str:
        """Fill colour of ``value``; grey when missing."""
        i = self.index(value)
        return NO_DATA if i is None else self.colours[i]


def _palette(name: str, n: int) -> list[str]:
    """``n`` colours of a ColorBrewer scheme (which starts at 3 classes)."""
    colours = color_brewer(name, max(n, 3))
    if n >= 3:
        return colours[:n]
    return [colours[-1]] if n == 1 else [colours[0], colours[-1]]


def _breaks(values: np.ndarray, scheme: str, k: int) -> list[float]:
    """Upper class bounds of ``values`` by the mapclassify scheme."""
    k = min(k, len(np.unique(values)))
    if k <= 1:
        return [float(values.max())]
    classifier = {
        "quantiles": mapclassify.Quantiles,
        "equal_interval": mapclassify.EqualInterval,
        "natural_breaks": mapclassify.FisherJenks,
    }[scheme]
    with warnings.catch_warnings():
        # Ties make quantile classes collapse (mapclassify warns); numba is optional.
        warnings.simplefilter("ignore")
        bins = classifier(values, k=k).bins
    return sorted({float(b) for b in bins})


def _spread(n: int, span: int) -> list[int]:
    """``n`` indices spread evenly over ``0 .. span - 1`` (one class: the middle)."""
    if n == 1:
        return [span // 2]
    return [round(j * (span - 1) / (n - 1)) for j in range(n)]


def _diverging(lows: list[float], bins: list[float], centre: float) -> list[str]:
    """PuOr colours: the class holding ``centre`` neutral, farther ones darker.

    Each side spreads its classes over its half of the palette, so one lone
    class below the centre (e.g. LQ 0) is a clear mid orange, not the palest.
    """
    side = [
        -1 if high < centre else 1 if low > centre else 0
        for low, high in zip(lows, bins, strict=True)
    ]
    below = [i for i, s in enumerate(side) if s < 0]
    above = [i for i, s in enumerate(side) if s > 0]
    steps = max(len(below), len(above), 1)
    # ColorBrewer's PuOr runs orange -> white -> purple: low values orange.
    colours = _palette(DIVERGING, 2 * steps + 1)
    out = [colours[steps]] * len(side)
    if below:  # ascending classes: the first is the farthest from the centre
        for i, k in zip(below, reversed(_spread(len(below), steps)), strict=True):
            out[i] = colours[steps - 1 - k]
    if above:
        for i, k in zip(above, _spread(len(above), steps), strict=True):
            out[i] = colours[steps + 1 + k]
    return out


def classify(
    values: Iterable[float | None],
    scheme: str = "quantiles",
    k: int = 5,
    palette: str = "YlGnBu",
    centre: float | None = None,
    zero_class: bool = False,
) -> Classification:
    """Classify ``values`` and colour the classes.

    Parameters
    ----------
    values
        Indicator values; missing and non-finite values are ignored.
    scheme
        ``quantiles``, ``equal_interval`` or ``natural_breaks`` (Fisher-Jenks).
    k
        Wanted number of classes (fewer when there are fewer distinct values).
    palette
        ColorBrewer scheme for sequential colouring.
    centre
        If given, colour with the diverging ``PuOr`` scheme so that the class
        containing ``centre`` gets the neutral middle colour, classes below get
        orange and classes above purple, darker with each step away.
    zero_class
        Give exact zeros a class of their own and classify the positive values
        into ``k - 1`` classes (most municipalities have no initiative, which
        would otherwise collapse the quantiles).
    """
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {SCHEMES}, got {scheme!r}")
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    arr = pd.to_numeric(pd.Series(list(values), dtype="object"), errors="coerce")
    arr = arr.to_numpy(dtype=float)
    arr = arr[np.isfinite(arr)]
    if arr.size == 0:
        return Classification((), ())
    positive = arr[arr > 0]
    if zero_class and k > 1 and positive.size and positive.size < arr.size:
        bins = sorted({0.0, *_breaks(positive, scheme, k - 1)})
    else:
        bins = _breaks(arr, scheme, k)
    lows = [float(arr.min()), *bins[:-1]]
    if centre is None:
        colours = _palette(palette, len(bins))
    else:
        colours = _diverging(lows, bins, centre)
    index = np.minimum(np.searchsorted(bins, arr, side="left"), len(bins) - 1)
    members = [arr[index == i] for i in range(len(bins))]
    return Classification(
        tuple(bins),
        tuple(colours),
        tuple(float(v.min()) if v.size else None for v in members),
        tuple(float(v.max()) if v.size else None for v in members),
        tuple(int(v.size) for v in members),
    )


# --- text -----------------------------------------------------------------------


def esc(value: object) -> str:
    """HTML-escaped text of ``value`` ("" for missing)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return html.escape(str(value), quote=True)


def safe_url(url: object) -> str | None:
    """``url`` if it is an absolute http(s) URL with a host, else ``None``."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    if any(c.isspace() or c in "<>\"'`" for c in url):
        return None
    return url


def _num(value: object, decimals: int, lang: str) -> str:
    """Formatted number (language separators), "–" when missing."""
    if value is None or pd.isna(value):
        return "–"
    return fmt_num(float(value), decimals, lang=lang)


def _link(url: object, lang: str) -> str:
    """A safe outgoing link, or "" when the URL is not http(s)."""
    href = safe_url(url)
    if href is None:
        return ""
    label = esc(t("map.popup.website", lang=lang))
    return (
        f'<p><a href="{esc(href)}" target="_blank" rel="noopener noreferrer">'
        f"{label} ↗</a></p>"
    )


def _line(label_key: str, value: object, lang: str) -> str:
    """``<b>label:</b> value`` or "" when the value is missing."""
    if value is None or (not isinstance(value, str) and pd.isna(value)) or value == "":
        return ""
    return f"{esc(t(label_key, lang=lang))}: {esc(value)}<br>"


def initiative_popup(row: dict, lang: str) -> str:
    """Popup HTML of an initiative (public fields only, all text escaped)."""
    year = row.get("start_year")
    description = row.get("description")
    if isinstance(description, str) and len(description) > 240:
        description = description[:239].rstrip() + "…"
    approx = row.get("location_precision") == "municipality"
    return (
        f'<div class="sinn-popup"><strong>{esc(row.get("name"))}</strong><br>'
        + _line("col.organisation", row.get("organisation"), lang)
        + _line("col.theme", row.get("theme"), lang)
        + _line("col.stage", row.get("stage"), lang)
        + _line("col.start_year", None if pd.isna(year) else int(year), lang)
        + _line("col.city", row.get("city"), lang)
        + (f"<em>{esc(t('map.popup.approx', lang=lang))}</em>" if approx else "")
        + (f"<p>{esc(description)}</p>" if isinstance(description, str) else "")
        + _link(row.get("url"), lang)
        + "</div>"
    )


def event_popup(row: dict, lang: str) -> str:
    """Popup HTML of an event (public fields only, all text escaped)."""
    date = row.get("date")
    date_text = None if date is None or pd.isna(date) else pd.Timestamp(date).date()
    participants = row.get("participants")
    return (
        f'<div class="sinn-popup"><strong>{esc(row.get("name"))}</strong><br>'
        + _line("col.type", row.get("type"), lang)
        + _line("col.date", date_text, lang)
        + _line(
            "col.participants",
            None if pd.isna(participants) else int(participants),
            lang,
        )
        + _line("col.theme", row.get("theme"), lang)
        + _line("col.city", row.get("city"), lang)
        + _link(row.get("url"), lang)
        + "</div>"
    )


# --- map elements ---------------------------------------------------------------


class HtmlControl(MacroElement):
    """A Leaflet control holding fixed HTML (legends); HTML built from escaped text."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control({position: {{ this.position|tojson }}});
        {{ this.get_name() }}.onAdd = function () {
            var div = L.DomUtil.create('div', 'sinn-control');
            div.innerHTML = {{ this.html|tojson }};
            // Collapsible legends start closed unless the map is large.
            var details = div.querySelector('details');
            var size = {{ this._parent.get_name() }}.getSize();
            if (details && (size.x < 1000 || size.y < 700)) {
                details.removeAttribute('open');
            }
            {%- if this.layer_key %}
            div.setAttribute('data-sinn-layer', {{ this.layer_key|tojson }});
            {%- endif %}
            L.DomEvent.disableClickPropagation(div);
            L.DomEvent.disableScrollPropagation(div);
            return div;
        };
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(
        self, html_text: str, position: str = "bottomright", layer_key: str = ""
    ):
        super().__init__()
        self._name = "HtmlControl"
        self.html, self.position, self.layer_key = html_text, position, layer_key


class Attribution(MacroElement):
    """Adds the data attribution to the map's attribution control."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.attributionControl.addAttribution(
            {{ this.text|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, text: str):
        super().__init__()
        self._name = "Attribution"
        self.text = text


class MetricScale(MacroElement):
    """A metric-only scale bar (folium's ``control_scale`` adds miles too)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.control.scale({imperial: false}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self):
        super().__init__()
        self._name = "MetricScale"


class LegendSwitch(MacroElement):
    """Shows only the legend of the visible area layer (static export, layer control)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map) {
            function show(name) {
                document.querySelectorAll('[data-sinn-layer]').forEach(function (el) {
                    el.style.display = el.getAttribute('data-sinn-layer') === name
                        ? '' : 'none';
                });
            }
            map.on('baselayerchange', function (e) { show(e.name); });
            show({{ this.first|tojson }});
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, first: str):
        super().__init__()
        self._name = "LegendSwitch"
        self.first = first


# --- map data and options -----------------------------------------------------------


@dataclass(frozen=True)
class AreaLayer:
    """One choropleth level: values from ``queries.map_area_values`` and geometry."""

    level: str
    values: pd.DataFrame
    geometries: dict[str, str]


@dataclass
class MapData:
    """Everything a map shows, as returned by the query module."""

    areas: list[AreaLayer]
    context: list[tuple[str, str, str]]
    bounds: list[list[float]]
    initiatives: pd.DataFrame | None = None
    events: pd.DataFrame | None = None
    district_outlines: dict[str, str] | None = None


@dataclass(frozen=True)
class MapOptions:
    """Choices of the map page (all validated in ``build_map``)."""

    indicator: str = "per_100k"
    scheme: str = "quantiles"
    k: int = 5
    basemap: str = "none"
    lang: str = "de"
    selected: tuple[str, ...] = ()  # district keys drawn with a highlighted outline
    height: int | str = 560  # pixels, or "100%" for a page of its own
    notice: str = ""  # e.g. the demo-data notice, shown at the top left
    assets: str | None = SERVED_BASE  # None: inline the JS/CSS (static export)
    extra_css: Sequence[str] = field(default_factory=tuple)
    source: str = ""  # plain text appended to the attribution (escaped here)


def _validate(opts: MapOptions) -> None:
    """Raise ``ValueError`` naming the bad option."""
    for name, value, allowed in (
        ("indicator", opts.indicator, INDICATORS + FUNDING_INDICATORS),
        ("scheme", opts.scheme, SCHEMES),
        ("basemap", opts.basemap, BASEMAPS),
    ):
        if value not in allowed:
            raise ValueError(f"{name} must be one of {allowed}, got {value!r}")


def classification_for(values: pd.DataFrame, opts: MapOptions) -> Classification:
    """Classes of the indicator over the areas inside the filter scope."""
    shown = values.loc[values["in_filter"].astype(bool), opts.indicator]
    if opts.indicator == "lq":
        return classify(shown, opts.scheme, opts.k, centre=1.0, zero_class=True)
    return classify(
        shown,
        opts.scheme,
        opts.k,
        palette=PALETTES[opts.indicator],
        zero_class=opts.indicator != "nearest_km",
    )


def _class_label(cls: Classification, i: int, digits: int, lang: str) -> str:
    """ "from – to (count)" of class ``i`` using the values that fell into it."""
    low, high = cls.mins[i], cls.maxs[i]
    if low is None:  # empty class (equal intervals): show its bounds
        low = cls.bins[i - 1] if i else cls.bins[0]
        high = cls.bins[i]
    text = "0" if low == high == 0 else _num(low, digits, lang)
    if _num(high, digits, lang) != text and high != low:
        text += f" – {_num(high, digits, lang)}"
    return f"{text} ({cls.counts[i]})"


def legend_html(
    cls: Classification, opts: MapOptions, level: str, outside: bool = False
) -> str:
    """Legend of a choropleth: title with unit, one row per class, notes."""
    lang = opts.lang
    title = t(f"map.legend.{opts.indicator}", lang=lang)
    digits = DECIMALS[opts.indicator]
    rows = [
        _swatch_row(colour, _class_label(cls, i, digits, lang))
        for i, colour in enumerate(cls.colours)
    ]
    if outside:
        rows.append(_swatch_row(NO_DATA, t("map.legend.outside", lang=lang)))
    if not cls.bins:
        rows.append(_swatch_row(NO_DATA, t("map.legend.no_data", lang=lang)))
    scheme = t(f"map.scheme.{opts.scheme}", lang=lang)
    areas = t(f"map.level.{level}", lang=lang)
    areas = areas if lang == "de" else areas.lower()  # German nouns keep capitals
    notes = [
        t("map.legend.classes", lang=lang, scheme=scheme),
        t("map.legend.counts", lang=lang, areas=areas),
    ]
    if opts.indicator == "lq":
        notes.append(t("map.legend.lq_note", lang=lang))
    if opts.indicator == "nearest_km" and level == "district":
        notes.append(t("map.legend.km_district", lang=lang))
    note_html = "".join(f'<div class="sinn-legend-note">{esc(n)}</div>' for n in notes)
    return (
        f'<div class="sinn-legend" role="region" aria-label="{esc(title)}">'
        f'<div class="sinn-legend-title">{esc(title)}</div>'
        f"{''.join(rows)}{note_html}</div>"
    )


def _swatch_row(colour: str, text: str) -> str:
    """One legend row: colour swatch and (escaped) text."""
    if not _HEX.fullmatch(colour):
        raise ValueError(f"not a colour: {colour!r}")
    return (
        f'<div class="sinn-legend-row"><span class="sinn-swatch" '
        f'style="background:{colour}"></span>{esc(text)}</div>'
    )


def marker_legend_html(themes: Iterable[str], with_events: bool, lang: str) -> str:
    """Legend of the markers: theme colours and the event symbol."""
    rows = [
        f'<div class="sinn-legend-row"><span class="sinn-dot" '
        f'style="background:{THEME_COLOURS.get(theme, THEME_COLOURS["Sonstiges"])}">'
        f"</span>{esc(t(f'theme.{theme}', lang=lang))}</div>"
        for theme in themes
    ]
    if with_events:
        rows.append(
            '<div class="sinn-legend-row"><span class="sinn-square"></span>'
            f"{esc(t('map.legend.event', lang=lang))}</div>"
        )
    title = esc(t("map.legend.markers", lang=lang))
    return (
        f'<details class="sinn-legend" open><summary>{title}</summary>'
        f'<div class="sinn-legend-grid">{"".join(rows)}</div></details>'
    )


def _feature_collection(
    layer: AreaLayer, opts: MapOptions, cls: Classification
) -> tuple[dict, dict[str, str]]:
    """GeoJSON with escaped tooltip properties, and the fill colour per key."""
    lang, digits = opts.lang, DECIMALS[opts.indicator]
    features, fills = [], {}
    for row in layer.values.to_dict("records"):
        key = row["key"]
        inside = bool(row["in_filter"])
        fills[key] = cls.colour(row[opts.indicator]) if inside else NO_DATA
        settlement = row["settlement"]
        if layer.level == "district":
            settlement = t(f"kind.{settlement}", lang=lang)
        elif row.get("degurba") is not None and not pd.isna(row.get("degurba")):
            settlement = t(f"degurba.{int(row['degurba'])}", lang=lang)
        value = _num(row[opts.indicator], digits, lang)
        features.append(
            _area_feature(layer, row, lang, value=value, settlement=settlement)
        )
    return {"type": "FeatureCollection", "features": features}, fills


def _area_feature(layer: AreaLayer, row: dict, lang: str, **texts: object) -> dict:
    """GeoJSON feature of one area: key facts and ``texts``, all escaped."""
    key = row["key"]
    properties = {
        "key": key,
        "ars": row["district_ars"],
        "name": esc(row["name"]),
        "population": esc(_num(row["population"], 0, lang)),
    }
    properties |= {name: esc(text) for name, text in texts.items()}
    return {
        "type": "Feature",
        "id": key,
        "geometry": json.loads(layer.geometries[key]),
        "properties": properties,
    }


def _area_layer(
    layer: AreaLayer, opts: MapOptions, cls: Classification, show: bool
) -> folium.GeoJson:
    """The choropleth GeoJSON layer with tooltip and hover highlight."""
    data, fills = _feature_collection(layer, opts, cls)
    lang = opts.lang
    kind_label = "col.kind" if layer.level == "district" else "col.degurba_label"
    aliases = {
        "name": t(f"map.level.{layer.level}.one", lang=lang),
        "value": t(f"map.legend.{opts.indicator}", lang=lang),
        "population": t("col.population", lang=lang),
        "settlement": t(kind_label, lang=lang),
    }
    return _filled_layer(data, fills, aliases, layer.level, lang, show)


def _filled_layer(
    data: dict,
    fills: dict[str, str],
    aliases: dict[str, str],
    level: str,
    lang: str,
    show: bool = True,
) -> folium.GeoJson:
    """Filled areas (colour per feature id) with an escaped tooltip and highlight.

    ``aliases`` maps tooltip property names to their (unescaped) labels.
    """
    weight = 0.4 if level == "municipality" else 1.2

    def style(feature: dict) -> dict:
        return {
            "fillColor": fills[feature["id"]],
            "fillOpacity": 0.85,
            "color": "#ffffff",
            "weight": weight,
        }

    tooltip = folium.GeoJsonTooltip(
        fields=list(aliases),
        aliases=[esc(label) for label in aliases.values()],
        sticky=True,
    )
    return folium.GeoJson(
        data,
        name=t(f"map.level.{level}", lang=lang),
        style_function=style,
        highlight_function=lambda _f: {"weight": 3, "color": "#1f1f1f"},
        tooltip=tooltip,
        zoom_on_click=False,
        overlay=False,
        control=True,
        show=show,
    )


def _outline(
    geometries: list[dict], style: dict, pane: str = "overlayPane"
) -> folium.GeoJson:
    """A non-interactive GeoJSON layer of bare geometries (no tooltip, no click)."""
    return folium.GeoJson(
        {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "geometry": g, "properties": {}} for g in geometries
            ],
        },
        style_function=lambda _f: style,
        interactive=False,
        control=False,
        pane=pane,
    )


def _selected_geometries(data: MapData, selected: Sequence[str]) -> list[dict]:
    """Geometries of the selected districts (from the outlines or a district layer)."""
    districts = data.district_outlines or next(
        (a.geometries for a in data.areas if a.level == "district"), {}
    )
    return [json.loads(districts[k]) for k in selected if k in districts]


def _context(data: MapData, kind: str) -> list[dict]:
    """Context geometries of one kind ('land' or 'saxony')."""
    return [json.loads(g) for k, _name, g in data.context if k == kind]


def _marker_rows(frame: pd.DataFrame, popup, colour, lang: str) -> list[list]:
    """[lat, lon, colour, popup HTML, title] per row with coordinates."""
    rows = []
    for row in frame.to_dict("records"):
        if pd.isna(row.get("lat")) or pd.isna(row.get("lon")):
            continue
        fill = colour(row)
        if not _HEX.fullmatch(fill):
            raise ValueError(f"not a colour: {fill!r}")
        title = "" if pd.isna(row.get("name")) else str(row["name"])
        rows.append(
            [float(row["lat"]), float(row["lon"]), fill, popup(row, lang), title]
        )
    return rows


def _marker_layers(m: folium.Map, data: MapData, lang: str) -> None:
    """Clustered initiative dots (colour = theme) and event squares, plus legend."""
    themes: list[str] = []
    if data.initiatives is not None and not data.initiatives.empty:
        rows = _marker_rows(
            data.initiatives,
            initiative_popup,
            lambda r: THEME_COLOURS.get(r.get("theme"), THEME_COLOURS["Sonstiges"]),
            lang,
        )
        FastMarkerCluster(
            rows,
            callback=_MARKER_JS % "sinn-dot",
            name=t("kind.initiative", lang=lang),
            maxClusterRadius=45,
            showCoverageOnHover=False,
            spiderfyOnMaxZoom=True,
        ).add_to(m)
        present = set(data.initiatives["theme"].dropna())
        themes = [th for th in THEME_COLOURS if th in present]
        themes += sorted(present - set(THEME_COLOURS))
    with_events = data.events is not None and not data.events.empty
    if with_events:
        rows = _marker_rows(data.events, event_popup, lambda _r: EVENT_COLOUR, lang)
        FastMarkerCluster(
            rows,
            callback=_MARKER_JS % "sinn-square",
            name=t("kind.event", lang=lang),
            icon_create_function=_EVENT_CLUSTER_JS,
            maxClusterRadius=35,
            showCoverageOnHover=False,
            spiderfyOnMaxZoom=True,
        ).add_to(m)
    if themes or with_events:
        legend = marker_legend_html(themes, with_events, lang)
        HtmlControl(legend, "topright").add_to(m)


def _base_map(data: MapData, opts: MapOptions) -> folium.Map:
    """An empty map with the house CSS and the chosen background."""
    m = folium.Map(
        location=[51.05, 13.35],
        zoom_start=8,
        tiles=None,
        maxZoom=18,  # no tile layer -> markercluster needs the map's maxZoom
        minZoom=6,
        zoomSnap=0.25,
        height=opts.height,
        control_scale=False,
    )
    m.get_root().header.add_child(
        Element(_CSS + "".join(opts.extra_css)), name="sinn_css"
    )
    if opts.basemap == "osm":
        folium.TileLayer(
            OSM_TILES,
            attr=OSM_ATTRIBUTION,
            name="OpenStreetMap",
            max_zoom=18,
            control=False,
        ).add_to(m)
    if opts.basemap == "none":
        _outline(_context(data, "land"), LAND_STYLE).add_to(m)
    return m


def _borders(m: folium.Map, data: MapData, selected: Sequence[str] = ()) -> None:
    """District and Saxony borders (and selected districts) above the areas."""
    # Borders live in a pane above the areas, so switching the area layer (static
    # export) cannot bury them; the pane ignores the mouse, clicks reach the areas.
    CustomPane(OUTLINE_PANE, z_index=450, pointer_events=False).add_to(m)
    if data.district_outlines:
        borders = [json.loads(g) for g in data.district_outlines.values()]
        _outline(borders, DISTRICT_STYLE, OUTLINE_PANE).add_to(m)
    _outline(_context(data, "saxony"), SAXONY_STYLE, OUTLINE_PANE).add_to(m)
    chosen = _selected_geometries(data, selected)
    if chosen:
        _outline(chosen, SELECTED_STYLE, OUTLINE_PANE).add_to(m)


def _credits(m: folium.Map, opts: MapOptions) -> None:
    """Data attribution, metric scale bar and the optional notice."""
    source = f" · {esc(opts.source)}" if opts.source else ""
    Attribution(BKG_ZENSUS + source).add_to(m)
    MetricScale().add_to(m)
    if opts.notice:
        notice = f'<div class="sinn-legend sinn-notice">{esc(opts.notice)}</div>'
        HtmlControl(notice, "topleft").add_to(m)


def build_map(data: MapData, opts: MapOptions) -> folium.Map:
    """The complete folium map: background, choropleth(s), markers, legends.

    The first area layer is shown; with several, a layer control switches
    between them and their legends. With ``basemap="none"`` and self-hosted
    assets the page requests nothing from any other host.
    """
    _validate(opts)
    if not data.areas:
        raise ValueError("data.areas must hold at least one AreaLayer")
    m = _base_map(data, opts)
    for i, layer in enumerate(data.areas):
        cls = classification_for(layer.values, opts)
        _area_layer(layer, opts, cls, show=i == 0).add_to(m)
        outside = not layer.values["in_filter"].astype(bool).all()
        name = (
            t(f"map.level.{layer.level}", lang=opts.lang) if len(data.areas) > 1 else ""
        )
        HtmlControl(
            legend_html(cls, opts, layer.level, outside), "bottomright", name
        ).add_to(m)
    _borders(m, data, opts.selected)
    _marker_layers(m, data, opts.lang)
    _credits(m, opts)
    if len(data.areas) > 1:
        folium.LayerControl(collapsed=False, position="topright").add_to(m)
        LegendSwitch(t(f"map.level.{data.areas[0].level}", lang=opts.lang)).add_to(m)
    m.fit_bounds(data.bounds)
    return self_host(m, opts.assets)


# --- planning map (page "Planung") ---------------------------------------------------

#: Fill of a municipality by its reach status (``dashboard.planning.STATUSES``):
#: a strong red-orange for white spots against a pale reached state, blue for
#: places a planned event newly reaches (distinct in lightness and hue).
PLAN_COLOURS = {
    "unreached": "#d7301f",
    "new": "#4393c3",
    "covered": "#fff7ec",
    "outside": NO_DATA,
}
SITE_COLOUR = SELECTED
PLANNED_COLOUR = "#0072B2"
_PLAN_CSS = """
<style>
.sinn-ring { display: inline-block; width: 14px; height: 14px; border-radius: 50%;
  border: 2px solid; flex: none; }
.sinn-site { background: none; border: none; }
.sinn-site span { display: flex; align-items: center; justify-content: center;
  width: 22px; height: 22px; border-radius: 50%; color: #fff; font-weight: 700;
  font-size: 12px; border: 2px solid #fff; box-shadow: 0 0 0 1px rgba(0,0,0,.6); }
</style>
"""


def _ring_row(colour: str, text: str, dashed: bool = False) -> str:
    """One legend row: a circle outline in ``colour`` and (escaped) text."""
    if not _HEX.fullmatch(colour):
        raise ValueError(f"not a colour: {colour!r}")
    style = f"border-color:{colour}" + (";border-style:dashed" if dashed else "")
    return (
        f'<div class="sinn-legend-row"><span class="sinn-ring" style="{style}">'
        f"</span>{esc(text)}</div>"
    )


def plan_legend_html(
    radius_km: float,
    statuses: Iterable[str],
    with_sites: bool,
    with_planned: bool,
    lang: str,
) -> str:
    """Legend of the planning map: reach status per municipality and site circles."""
    r = _num(radius_km, 0, lang)
    present = set(statuses)
    rows = [
        _swatch_row(colour, t(f"plan.legend.{status}", lang=lang, r=r))
        for status, colour in PLAN_COLOURS.items()
        if status in present
    ]
    if with_sites:
        rows.append(_ring_row(SITE_COLOUR, t("plan.legend.site", lang=lang, r=r)))
    if with_planned:
        text = t("plan.legend.planned", lang=lang, r=r)
        rows.append(_ring_row(PLANNED_COLOUR, text, dashed=True))
    title = t("plan.legend.title", lang=lang, r=r)
    note = t("plan.legend.note", lang=lang)
    return (
        f'<div class="sinn-legend" role="region" aria-label="{esc(title)}">'
        f'<div class="sinn-legend-title">{esc(title)}</div>{"".join(rows)}'
        f'<div class="sinn-legend-note">{esc(note)}</div></div>'
    )


def _status_layer(layer: AreaLayer, lang: str) -> folium.GeoJson:
    """Municipalities filled by reach status, tooltip with the nearest initiative."""
    features, fills = [], {}
    for row in layer.values.to_dict("records"):
        key, status = row["key"], row["status"]
        fills[key] = PLAN_COLOURS[status]
        features.append(
            _area_feature(
                layer, row, lang,
                status=t(f"plan.status.{status}", lang=lang),
                nearest=_num(row["nearest_km"], 1, lang),
                settlement=t(f"degurba.{int(row['degurba'])}", lang=lang),
            )
        )  # fmt: skip
    aliases = {
        "name": t("map.level.municipality.one", lang=lang),
        "status": t("plan.status", lang=lang),
        "nearest": t("map.legend.nearest_km", lang=lang),
        "population": t("col.population", lang=lang),
        "settlement": t("col.degurba_label", lang=lang),
    }
    data = {"type": "FeatureCollection", "features": features}
    return _filled_layer(data, fills, aliases, layer.level, lang)


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
        badge = f'<span style="background:{colour}">{esc(row["badge"])}</span>'
        folium.Marker(
            location,
            icon=folium.DivIcon(
                html=badge, class_name="sinn-site", icon_size=(26, 26),
                icon_anchor=(13, 13),
            ),
            title=str(row["name"]),  # a DOM attribute set by Leaflet: no HTML
        ).add_to(group)  # fmt: skip
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
    _validate(opts)
    if not data.areas or "status" not in data.areas[0].values:
        raise ValueError("data.areas[0] must hold municipality values with 'status'")
    opts = replace(opts, extra_css=(*opts.extra_css, _PLAN_CSS))
    m = _base_map(data, opts)
    layer = data.areas[0]
    _status_layer(layer, opts.lang).add_to(m)
    _borders(m, data)
    lang = opts.lang
    for frame, colour, dashed, key in (
        (planned, PLANNED_COLOUR, True, "plan.legend.planned"),
        (sites, SITE_COLOUR, False, "plan.legend.site"),
    ):
        if frame is not None and not frame.empty:
            name = t(key, lang=lang, r=_num(radius_m / 1000, 0, lang))
            _site_layer(frame, radius_m, colour, dashed, name).add_to(m)
    _marker_layers(m, data, lang)
    legend = plan_legend_html(
        radius_m / 1000,
        layer.values["status"],
        sites is not None and not sites.empty,
        planned is not None and not planned.empty,
        lang,
    )
    HtmlControl(legend, "bottomright").add_to(m)
    _credits(m, opts)
    m.fit_bounds(_with_circles(data.bounds, [sites, planned], radius_m))
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
