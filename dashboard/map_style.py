"""Colours, line styles and the choices of the maps (one place for the look)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from dashboard.assets import SERVED_BASE

__all__ = [
    "FUNDING_INDICATORS",
    "BASEMAPS",
    "CONCENTRATION_COLOURS",
    "DECIMALS",
    "FEW_CASES",
    "FEW_STYLE",
    "GAP_COLOURS",
    "INDICATORS",
    "NO_DATA",
    "PLAN_COLOURS",
    "RATE_CASES",
    "SCHEMES",
    "SMOOTHABLE",
    "THEME_COLOURS",
    "MapOptions",
    "check_colour",
    "smoothed",
    "theme_colour",
    "validate",
    "value_column",
]

INDICATORS = ("initiatives", "per_100k", "lq", "nearest_km")
#: Indicators of the Förderung page (same classification and legend rules).
FUNDING_INDICATORS = ("eur_per_inhabitant", "operations_per_100k")
SCHEMES = ("quantiles", "equal_interval", "natural_breaks")
BASEMAPS = ("none", "osm")
MIN_ZOOM, MAX_ZOOM = 6, 18  # the map's zoom range (a shared link must lie in it)
ZOOM_STEP = 0.25  # Leaflet's zoomSnap of the map
#: Decimals shown per indicator.
DECIMALS = {"initiatives": 0, "per_100k": 1, "lq": 2, "nearest_km": 1}
DECIMALS |= {"eur_per_inhabitant": 2, "operations_per_100k": 1}
# ColorBrewer schemes marked colour-blind safe: sequential for counts and rates,
# orange-red for distances (far = bad), purple-orange diverging around LQ 1.
PALETTES = {"initiatives": "YlGnBu", "per_100k": "YlGnBu", "nearest_km": "OrRd"}
# ColorBrewer PuOr (11 classes) without its three palest middle colours, so no
# class above or below LQ 1 looks like "no data": gaps orange (darkest first),
# concentrations purple (palest first).
GAP_COLOURS = ("#7f3b08", "#b35806", "#e08214", "#fdb863")
CONCENTRATION_COLOURS = ("#b2abd2", "#8073ac", "#542788", "#2d004b")
MAX_SIDE_CLASSES = 4
#: Fewer cases than this: a rate or LQ is flagged as resting on few cases.
FEW_CASES = 3
#: The count column each rate rests on (flagged when it is 1 .. FEW_CASES - 1).
RATE_CASES = {
    "per_100k": "initiatives",
    "lq": "initiatives",
    "eur_per_inhabitant": "operations",
    "operations_per_100k": "operations",
}
#: Areas resting on few cases are drawn paler, with a dashed dark outline.
FEW_STYLE = {"fillOpacity": 0.4, "dashArray": "3 3", "color": "#333333"}
PALETTES |= {"eur_per_inhabitant": "YlGnBu", "operations_per_100k": "YlGnBu"}
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
_HEX = re.compile(r"#[0-9A-Fa-f]{6}")


def check_colour(colour: str) -> str:
    """``colour`` if it is a ``#rrggbb`` colour, else ``ValueError``."""
    if not isinstance(colour, str) or not _HEX.fullmatch(colour):
        raise ValueError(f"not a colour: {colour!r}")
    return colour


def theme_colour(theme: object) -> str:
    """Marker colour of a theme (unknown themes: the colour of "Sonstiges")."""
    return THEME_COLOURS.get(theme, THEME_COLOURS["Sonstiges"])


@dataclass(frozen=True)
class MapOptions:
    """Choices of the map page (all validated in ``validate``)."""

    indicator: str = "per_100k"
    scheme: str = "quantiles"
    k: int = 5
    basemap: str = "none"
    lang: str = "de"
    selected: tuple[str, ...] = ()  # district keys drawn with a highlighted outline
    height: int | str = 560  # pixels, or "100%" for a page of its own
    notice: str = ""  # e.g. the demo-data notice, shown at the top left
    assets: str | None = SERVED_BASE  # None: inline the JS/CSS (static export)
    smoothed: bool = False  # empirical-Bayes rates (municipality level only)
    highlight: tuple[float, float, str] | None = None  # search hit: lat, lon, name
    source: str = ""  # plain text appended to the attribution (escaped there)


#: Indicators that have an empirical-Bayes smoothed column ``<name>_eb``.
SMOOTHABLE = ("per_100k", "lq")


def smoothed(opts: MapOptions, level: str) -> bool:
    """Whether the map shows smoothed values (an option at municipality level)."""
    return opts.smoothed and level == "municipality" and opts.indicator in SMOOTHABLE


def value_column(opts: MapOptions, level: str) -> str:
    """Column of the area values that the map classifies and shows."""
    return f"{opts.indicator}_eb" if smoothed(opts, level) else opts.indicator


def validate(opts: MapOptions) -> None:
    """Raise ``ValueError`` naming the bad option."""
    for name, value, allowed in (
        ("indicator", opts.indicator, INDICATORS + FUNDING_INDICATORS),
        ("scheme", opts.scheme, SCHEMES),
        ("basemap", opts.basemap, BASEMAPS),
    ):
        if value not in allowed:
            raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
