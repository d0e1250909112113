"""Page "Karte": choropleth map with markers and search, key figures, table, text."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from dashboard import data, filters, first_view, map_component, page_state
from dashboard.choropleth import build_map, few_cases
from dashboard.components import (
    kpi_row,
    map_assets,
    page_style,
    shared_urls,
    show_table,
)
from dashboard.i18n import fmt_num, labels, language, remember_labelled, t
from dashboard.map_component import RenderedMap, View
from dashboard.map_data import MapData
from dashboard.map_style import (
    BASEMAPS,
    INDICATORS,
    MAX_ZOOM,
    MIN_ZOOM,
    SCHEMES,
    SMOOTHABLE,
    ZOOM_STEP,
    MapOptions,
)
from dashboard.narrative import summary_text
from dashboard.queries import MAP_LEVELS, Filters
from dashboard.sharing import render_share

MAP_KEY = "karte_map"
# Clicks and the view come back from the map: a pan or zoom reruns only the
# map's fragment (to keep the view in the URL), nothing else.
RETURNED = ["last_active_drawing", "last_object_clicked", "zoom", "center"]
HANDLED_CLICK_KEY = "_karte_handled_click"
HIT_KEY = "_karte_search_hit"  # the search hit the stored view was last set to
# Saxony and its surroundings (south, west, north, east): a shared centre must lie
# in it.
VIEW_BOX = (49.5, 11.0, 52.5, 16.0)
# Level and indicator the table and text below the map were last drawn for.
SHOWN_KEY = "_karte_shown"
SEARCH_ZOOM = {"municipality": 11, "initiative": 15}
# The map controls and search above the map, one block; on a first view blanks
# of their size (measured) hold their place while the map draws.
CONTROLS_KEY = "map_controls"
FIELD_HEIGHT, SWITCH_HEIGHT = 68, 24  # px: a labelled select box, the switch
# Rows of the table a first view sends; the rest one switch away (payload, CPU).
TOP_ROWS = 15
TABLE_CONTROLS = (page_state.flag("map_table_all", "table", False),)
TABLE_COLUMNS = [
    "name",
    "district_name",
    "settlement",
    "population",
    "initiatives",
    "events",
    "per_100k",
    "lq",
    "nearest_km",
]


def map_data(f: Filters, level: str, markers: bool = True) -> MapData:
    """Cached map data of one level (public fields, all districts)."""
    md = data.map_data(f, (level,), markers, level == "municipality")
    # Boundaries and popups come from shared, cacheable scripts.
    return replace(md, **shared_urls(language()))


def _option(label_key: str, options: tuple, key: str, fmt_prefix: str, col) -> str:
    """One map selector (a select box with translated option names)."""
    return col.selectbox(t(label_key), options, key=key, format_func=labels(fmt_prefix))


def _url_choice(name: str, allowed: tuple, default: str) -> str:
    """A map option from the URL (e.g. ``?level=municipality``); invalid -> default.

    An invalid value is ignored with a visible notice, never an exception.
    """
    value = st.query_params.get(name, default)
    if value in allowed:
        return value
    shown = filters.shown_value(value)
    st.warning(t("param.invalid", name=name, value=shown), icon="⚠️")
    return default


CONTROLS = (
    page_state.choice("map_level", "level", MAP_LEVELS, "district"),
    page_state.choice("map_indicator", "indicator", INDICATORS, "per_100k"),
    page_state.choice("map_scheme", "scheme", SCHEMES, SCHEMES[0]),
    page_state.choice("map_basemap", "basemap", BASEMAPS, BASEMAPS[0]),
    page_state.flag("map_smoothed", "smoothed", False),
)
# The map's view (zoom, centre): none until the map is moved or a link sets it.
VIEW = (
    page_state.zoom("map_zoom", "zoom", MIN_ZOOM, MAX_ZOOM, ZOOM_STEP),
    page_state.position("map_center", "center", VIEW_BOX),
)


def _options(indicator: str, scheme: str, basemap: str, smooth: bool) -> MapOptions:
    """The map's options for the chosen indicator, colours and basemap."""
    return MapOptions(
        indicator=indicator,
        scheme=scheme,
        basemap=basemap,
        lang=language(),
        assets=map_assets(),
        smoothed=smooth,
    )


def _smoothable(level: str, indicator: str) -> bool:
    """Whether the smoothed-rates switch applies (municipalities, rates)."""
    return level == "municipality" and indicator in SMOOTHABLE


def _controls() -> tuple[str, MapOptions]:
    """Level, indicator, classification and basemap selectors (URL seeds them)."""
    page_state.restore(CONTROLS)
    remember_labelled(*(c.key for c in CONTROLS), "map_pick")
    cols = st.columns(4)
    level = _option("map.level", MAP_LEVELS, "map_level", "map.level.", cols[0])
    indicator = _option("map.indicator", INDICATORS, "map_indicator", "ind.", cols[1])
    scheme = _option("map.scheme", SCHEMES, "map_scheme", "map.scheme.", cols[2])
    basemap = cols[3].selectbox(
        t("map.basemap"),
        BASEMAPS,
        key="map_basemap",
        format_func=labels("map.basemap."),
        help=t("map.basemap_help"),
    )
    smooth = _smoothable(level, indicator) and st.toggle(
        t("karte.smoothed"), key="map_smoothed", help=t("karte.smoothed_help")
    )
    page_state.sync_url(CONTROLS)
    return level, _options(indicator, scheme, basemap, smooth)


def _url_controls() -> tuple[str, MapOptions]:
    """What ``_controls`` returns, from the URL and session alone (no widgets)."""
    level, indicator, scheme, basemap, smoothed = map(page_state.peek, CONTROLS)
    smooth = _smoothable(level, indicator) and bool(smoothed)
    return level, _options(indicator, scheme, basemap, smooth)


def _search(f: Filters) -> tuple[tuple | None, int | None]:
    """Search box; the chosen match's ``(lat, lon, label)`` and zoom (or ``None``)."""
    text = st.text_input(
        t("karte.search"), key="map_search", placeholder=t("karte.search_placeholder")
    )
    if not text.strip():
        return None, None
    found = data.map_search(text)
    if found.empty:
        # Markdown caption: the typed text goes into a code span, never as markup
        st.caption(t("karte.search_none", q=filters.shown_value(text.strip())))
        return None, None
    labels = {
        i: f"{row.name} · {row.detail or ''} ({t(f'map.search.{row.kind}')})"
        for i, row in enumerate(found.itertuples())
    }
    choice = st.selectbox(
        t("karte.search_pick"), list(labels), format_func=labels.get, key="map_pick"
    )
    row = found.iloc[choice]
    lat, lon = float(row["lat"]), float(row["lon"])
    return (lat, lon, str(row["name"])), SEARCH_ZOOM[row["kind"]]


def _stored_view() -> tuple[tuple[float, float] | None, float | None]:
    """The kept map view: centre and zoom (``None`` each: the map's own)."""
    return st.session_state.get("map_center"), st.session_state.get("map_zoom")


def _go_to_hit(hit: tuple | None, zoom: int | None) -> None:
    """A new search hit replaces the kept view by the hit's position and zoom."""
    if hit is not None and hit != st.session_state.get(HIT_KEY):
        st.session_state["map_center"] = hit[:2]
        st.session_state["map_zoom"] = zoom
    st.session_state[HIT_KEY] = hit


def clamp_view(view: View) -> View:
    """The view with its centre inside ``VIEW_BOX`` and its zoom in range."""
    (lat, lon), zoom = view
    south, west, north, east = VIEW_BOX
    lat, lon = min(max(lat, south), north), min(max(lon, west), east)
    return (lat, lon), min(max(zoom, MIN_ZOOM), MAX_ZOOM)


def _keep_view(result: dict | None) -> None:
    """Keep the view the user moved the map to and mirror it, rounded, in the URL."""
    # unrounded in the session: a redrawn map opens exactly where this one was
    view = map_component.moved_view(result)
    if view is not None:
        st.session_state["map_center"], st.session_state["map_zoom"] = clamp_view(view)
    page_state.sync_url(VIEW)


def _handle_click(result: dict | None, f: Filters) -> None:
    """A click on an area selects its district (once per click) via the filters."""
    if not result:
        return
    feature = result.get("last_active_drawing") or {}
    # a municipality's AGS starts with its district's ARS (5 digits)
    ars = str(feature.get("id") or "")[:5]
    click = result.get("last_object_clicked")
    if not ars or click == st.session_state.get(HANDLED_CLICK_KEY):
        return
    st.session_state[HANDLED_CLICK_KEY] = click
    if f.districts != (ars,):
        filters.select_districts([ars])


def _selection(f: Filters, districts: pd.DataFrame) -> None:
    """Which district is selected, and a button to clear the selection."""
    if len(f.districts) != 1:
        st.caption(t("karte.click_hint"))
        return
    names = dict(zip(districts["key"], districts["name"], strict=True))
    left, right = st.columns([4, 1])
    left.markdown(t("karte.selected", name=names.get(f.districts[0], f.districts[0])))
    if right.button(t("karte.clear"), key="map_clear"):
        filters.select_districts([])


def _table(values: pd.DataFrame, level: str, indicator: str) -> None:
    """The map's values as a sortable table (the accessible alternative)."""
    st.subheader(t("karte.table"))
    shown = values[TABLE_COLUMNS].assign(few_cases=few_cases(values))
    if level == "district":
        shown = shown.drop(columns="district_name").rename(
            columns={"settlement": "kind"}
        )
    else:
        shown = shown.rename(columns={"settlement": "degurba_label"})
        shown = shown.join(values[["per_100k_eb", "lq_eb"]])
    shown = shown.sort_values(indicator, ascending=indicator == "nearest_km")
    if len(shown) > TOP_ROWS:
        page_state.restore(TABLE_CONTROLS)
        rows = fmt_num(len(shown), 0)
        if not st.toggle(t("karte.table_all", n=rows), key="map_table_all"):
            shown = shown.head(TOP_ROWS)
        page_state.sync_url(TABLE_CONTROLS)
    st.caption(t("karte.table_help", n=fmt_num(len(shown), 0)))
    show_table(shown, key=f"map_table_{level}")


@st.cache_data(show_spinner=False, max_entries=256)
def rendered_map(f: Filters, level: str, opts: MapOptions, build: tuple) -> RenderedMap:
    """The map of one parameter set, built and rendered once per ``build``."""
    return map_component.render(build_map(map_data(f, level), opts))


def _show_map(
    f: Filters,
    level: str,
    opts: MapOptions,
    returned: list[str],
    center=None,
    zoom=None,
    announce: bool = False,
    reveal: bool = False,
) -> dict | None:
    """Show the (cached) map; only ``returned`` interactions rerun the app."""
    rendered = rendered_map(f, level, opts, data.build())
    return map_component.show(
        rendered,
        MAP_KEY,
        opts.height,
        returned,
        center=center,
        zoom=zoom,
        announce=announce,
        reveal=reveal,
    )


def _controls_blank(switch: bool) -> None:
    """Blanks laid out like the map controls (in a row; stacked on a phone)."""
    with st.container(key=first_view.PENDING_KEY):
        for col in st.columns(4):
            col.container(height=FIELD_HEIGHT, border=False)
        if switch:
            st.container(height=SWITCH_HEIGHT, border=False)
        st.container(height=FIELD_HEIGHT, border=False)


def _map_alone(f: Filters) -> None:
    """A browser's first view: the map, and a blank where the controls will be.

    The map is the one the whole page shows next (same options, same place), so
    it stays on screen; once its frontend reports it drawn, the app reruns.
    """
    level, opts = _url_controls()
    _controls_blank(_smoothable(level, opts.indicator))
    page_state.restore(VIEW)
    st.session_state[SHOWN_KEY] = (level, opts.indicator)
    opts = replace(opts, selected=f.districts)
    result = _show_map(f, level, opts, RETURNED, *_stored_view(), announce=True)
    if (result or {}).get("drawn"):
        st.rerun(scope="app")


@st.fragment
def _map_section(f: Filters) -> tuple[str, MapOptions] | None:
    """Map options, search and the map; changing them reruns only this part.

    Level and indicator also shape the table and text below: a change of
    either reruns the whole page. ``None`` on a first view (the map alone; in
    this fragment too, so that the whole page keeps the same map element).
    """
    if first_view.map_alone():
        _map_alone(f)
        return None
    with st.container(key=CONTROLS_KEY):
        level, opts = _controls()
        page_state.restore(VIEW)
        hit, zoom = _search(f)
    _go_to_hit(hit, zoom)
    shown = (level, opts.indicator)
    if st.session_state.setdefault(SHOWN_KEY, shown) != shown:
        st.session_state[SHOWN_KEY] = shown
        st.rerun()
    opts = replace(opts, selected=f.districts, highlight=hit)
    # a search hit brings the map into sight (on a phone it is above the search)
    result = _show_map(f, level, opts, RETURNED, *_stored_view(), reveal=bool(hit))
    _keep_view(result)  # before the embed code, which carries the URL's view
    render_share(map_data(f, level), opts, level)
    _handle_click(result, f)
    return level, opts


def _in_scope(values: pd.DataFrame, f: Filters) -> pd.DataFrame:
    """Rows inside the settlement-type filter and, if chosen, the districts."""
    keep = values["in_filter"].astype(bool)
    if f.districts:
        keep &= values["district_ars"].isin(f.districts)
    return values[keep]


def render() -> None:
    """The page "Karte"."""
    f = filters.current()
    page_style("karte")  # on a phone, the map above its controls
    # The map first (on a phone too), then key figures, table and text.
    section = _map_section(f)
    if section is None:  # a first view: the rest comes once the map is drawn
        first_view.fallback()
        return
    level, opts = section
    st.session_state[SHOWN_KEY] = (level, opts.indicator)
    k = data.kpis(f)
    kpi_row(k, f.show_events, f.degurba)
    filters.show_if_empty(k)
    everywhere = replace(f, districts=())
    values = {lvl: data.map_area_values(everywhere, lvl) for lvl in MAP_LEVELS}
    _selection(f, values["district"])
    st.subheader(t("karte.summary"))
    average = data.saxony_average(f)["per_100k"]
    scoped = {lvl: _in_scope(frame, f) for lvl, frame in values.items()}
    text = summary_text(
        scoped["district"], scoped["municipality"], k, average, language(), f
    )
    st.write(text)
    _table(scoped[level], level, opts.indicator)


def render_embed() -> None:
    """Only the map and its legend (public fields), for the website's iframe."""
    f = filters.current()
    filters.show_notices(f)
    level = _url_choice("level", MAP_LEVELS, "district")
    opts = MapOptions(
        indicator=_url_choice("indicator", INDICATORS, "per_100k"),
        lang=language(),
        assets=map_assets(),
        height=600,
    )
    zoom, center = (page_state.from_url(control) for control in VIEW)
    _show_map(f, level, opts, [], center, zoom)
