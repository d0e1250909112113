"""Page "Förderung": where the ESF money goes, by area, settlement type and beneficiary.

URL parameters of this page (besides the shared sidebar filters): ``fund``,
``category``, ``guideline`` (may repeat), ``start_from``/``start_to`` (start
years), ``flevel`` (``district``/``municipality``) and ``findicator``.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import data, exports, filters, map_component
from dashboard.choropleth import build_map
from dashboard.components import map_assets, show_table
from dashboard.downloads import download_buttons
from dashboard.funding_queries import FundingFilters
from dashboard.i18n import (
    fmt_date,
    fmt_num,
    fmt_pct,
    labels,
    language,
    remember_labelled,
    t,
)
from dashboard.map_data import AreaLayer, MapData
from dashboard.map_style import FUNDING_INDICATORS, MapOptions
from dashboard.queries import MAP_LEVELS, Filters

K_FUND, K_CATEGORY, K_GUIDELINE = "fd_fund", "fd_category", "fd_guideline"
K_YEARS, K_LEVEL, K_INDICATOR = "fd_years", "fd_level", "fd_indicator"
# The choices survive a visit to another page (the URL loses them on the way).
KEEP = "session"
LISTS = (("fund", K_FUND), ("category", K_CATEGORY), ("guideline", K_GUIDELINE))
MAP_KEY = "foerderung_map"
MAP_HEIGHT = 560
SHARE_COLOURS = ("#999999", "#0072B2")  # population, money (Okabe-Ito)
READ_DECIMALS = {
    "gap_pp": 1,
    "eur_per_inhabitant": 2,
    "operations_per_100k": 1,
    "per_100k": 2,
    "eligible_eur": 0,
}
CHAR_WIDTH = 0.011  # share of the plot width one label character takes
LINE_HEIGHT = 0.04  # share of the plot height one label line takes
PAD = 0.14  # room left and right of the points for their labels (share of span)
LABEL_SPOTS = ("top center", "bottom center", "middle right", "middle left")


def _notice(name: str, value: object) -> None:
    """Warn about an ignored URL value."""
    shown = filters.shown_value(value)
    st.warning(t("param.invalid", name=name, value=shown), icon="⚠️")


def _seed(options: dict) -> None:
    """Put this page's URL parameters into the widget state, once per session."""
    # Streamlit drops the state of widgets not drawn in a run (another page):
    # then the URL, which keeps this page's parameters, seeds them again.
    if all(key in st.session_state for _, key in LISTS):
        return
    for name, key in LISTS:
        allowed = options[name]
        values = [v for v in st.query_params.get_all(name) if v in allowed]
        for bad in set(st.query_params.get_all(name)) - set(allowed):
            _notice(name, bad)
        st.session_state[key] = values
    low, high = options["year_min"], options["year_max"]
    years = []
    for name, default in (("start_from", low), ("start_to", high)):
        raw = st.query_params.get(name)
        if raw is not None and not (raw.isdigit() and low <= int(raw) <= high):
            _notice(name, raw)
            raw = None
        years.append(default if raw is None else int(raw))
    st.session_state[K_YEARS] = (min(years), max(years))
    for name, key, allowed, default in (
        ("flevel", K_LEVEL, MAP_LEVELS, "district"),
        ("findicator", K_INDICATOR, FUNDING_INDICATORS, "eur_per_inhabitant"),
    ):
        value = st.query_params.get(name, default)
        if value not in allowed:
            _notice(name, value)
            value = default
        st.session_state[key] = value


def _write_url(ff: FundingFilters, level: str, indicator: str) -> None:
    """Mirror this page's choices in the URL (defaults left out)."""
    wanted = {
        "fund": list(ff.funds),
        "category": list(ff.categories),
        "guideline": list(ff.guidelines),
        "start_from": [] if ff.year_from is None else [str(ff.year_from)],
        "start_to": [] if ff.year_to is None else [str(ff.year_to)],
        "flevel": [] if level == "district" else [level],
        "findicator": [] if indicator == "eur_per_inhabitant" else [indicator],
    }
    for name, values in wanted.items():
        if st.query_params.get_all(name) == values:
            continue
        if values:
            st.query_params[name] = values if len(values) > 1 else values[0]
        elif name in st.query_params:
            del st.query_params[name]


def _filters(options: dict, f: Filters) -> FundingFilters:
    """The funding filter widgets; returns the filters (districts from the sidebar)."""
    _seed(options)
    low, high = options["year_min"], options["year_max"]
    # open only while a funding filter is set: on a phone the map comes first
    active = any(st.session_state.get(key) for _, key in LISTS) or (
        st.session_state.get(K_YEARS, (low, high)) != (low, high)
    )
    with st.expander(t("fund.filters"), expanded=active):
        # two rows of two: on a phone the columns stack in reading order
        cells = [*st.columns(2), *st.columns(2)]
        for col, (name, key) in zip(cells, LISTS, strict=False):
            col.multiselect(
                t(f"fund.{name}"),
                options[name],
                key=key,
                placeholder=t("filters.all"),
                persist_state=KEEP,
            )
        if low < high:
            cells[3].slider(t("fund.years"), low, high, key=K_YEARS, persist_state=KEEP)
    year_from, year_to = st.session_state.get(K_YEARS, (low, high))
    ff = FundingFilters(
        funds=tuple(st.session_state[K_FUND]),
        categories=tuple(st.session_state[K_CATEGORY]),
        guidelines=tuple(st.session_state[K_GUIDELINE]),
        year_from=year_from if year_from > low else None,
        year_to=year_to if year_to < high else None,
        districts=f.districts,
    )
    return ff


def _citation() -> tuple[str, str]:
    """The source line(s) of the loaded lists and their latest date."""
    sources = data.funding_sources()
    as_of = max(pd.to_datetime(sources["as_of"])).date()
    return "; ".join(sources["citation"]), fmt_date(as_of)


def _kpis(areas: pd.DataFrame, state_wide: dict) -> None:
    """Operations and money with a place, per inhabitant, and state-wide apart."""
    eur = float(areas["eligible_eur"].astype(float).sum())
    population = int(areas["population"].sum())
    cells = [
        (t("fund.kpi.operations"), fmt_num(int(areas["operations"].sum()))),
        (t("fund.kpi.eur"), f"{fmt_num(eur)} EUR"),
        (t("fund.kpi.per_inhabitant"), fmt_num(eur / population, 2)),
        (
            t("fund.kpi.state_wide", n=fmt_num(state_wide["operations"])),
            f"{fmt_num(float(state_wide['eligible_eur']))} EUR",
        ),
    ]
    with st.container(horizontal=True, gap="small"):
        for label, value in cells:
            st.metric(label, value, border=True, width="content")


def _map_values(areas: pd.DataFrame, level: str) -> pd.DataFrame:
    """Funding rows in the shape the map builder reads."""
    values = areas.copy()
    if level == "district":
        values["settlement"] = values["kind"]
    else:
        values["settlement"] = values["degurba"].map(lambda c: t(f"degurba.{c}"))
    values["in_filter"] = True
    return values


def _map(f: Filters, level: str, indicator: str, areas: pd.DataFrame, src: str):
    """The choropleth of the chosen funding indicator (Karte's builder and legend)."""
    md = MapData(
        areas=[AreaLayer(level, _map_values(areas, level), data.map_geometries(level))],
        context=data.map_context(),
        bounds=data.map_bounds(),
        district_outlines=(
            data.map_geometries("district") if level == "municipality" else None
        ),
    )
    opts = MapOptions(
        indicator=indicator,
        lang=language(),
        assets=map_assets(),
        height=MAP_HEIGHT,
        selected=f.districts,
        source=src,
    )
    m = build_map(md, opts)
    # nothing comes back: pan and zoom must not rerun
    map_component.show(map_component.render(m), MAP_KEY, MAP_HEIGHT, [])


def _shares_chart(frame: pd.DataFrame, label: str) -> go.Figure:
    """Grouped bars: share of population and share of money, the gap in the label."""
    names = [
        f"{name}<br>{t('fund.gap', gap=fmt_num(gap, 1))}"
        for name, gap in zip(frame[label], frame["gap_pp"], strict=True)
    ]
    fig = go.Figure()
    for column, colour in zip(
        ("population_share", "money_share"), SHARE_COLOURS, strict=True
    ):
        fig.add_bar(
            x=names,
            y=frame[column] * 100,
            name=t(f"fund.share_{column.split('_')[0]}"),
            marker_color=colour,
            text=[fmt_pct(v) for v in frame[column]],
            textposition="outside",
            cliponaxis=False,
        )
    fig.update_layout(
        barmode="group",
        height=340,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.04, "x": 0},
        separators=",." if language() == "de" else ".,",
        yaxis={"title": "%", "rangemode": "tozero"},
    )
    return fig


def _settlement(ff: FundingFilters) -> None:
    """Money against population by settlement type and by district kind."""
    st.subheader(t("fund.settlement"))
    by_type = data.funding_by_settlement(ff)
    by_type["settlement"] = [t(f"degurba.{c}") for c in by_type["degurba"]]
    by_kind = data.funding_by_kind(ff)
    by_kind["settlement"] = [t(f"kind.{k}") for k in by_kind["kind"]]
    columns = ["settlement", "money_share", "population_share", "gap_pp"]
    columns += ["eur_per_inhabitant", "eligible_eur", "operations", "population"]
    left, right = st.columns(2)
    for col, frame, title in (
        (left, by_type, t("filters.settlement")),
        (right, by_kind, t("fund.kind")),
    ):
        with col:
            st.markdown(f"**{title}**")
            st.plotly_chart(_shares_chart(frame, "settlement"), width="stretch")
            show_table(_readable(frame[columns]), key=f"fund_{frame.columns[0]}")
    st.caption(t("fund.settlement_note"))


def _readable(frame: pd.DataFrame) -> pd.DataFrame:
    """Shares as percentages and rates rounded for reading (downloads keep all)."""
    out = frame.copy()
    for column in ("population_share", "money_share"):
        if column in out.columns:
            out[column] = (out[column] * 100).round(1)
    for column, decimals in READ_DECIMALS.items():
        if column in out.columns:
            out[column] = out[column].astype(float).round(decimals)
    return out


def _with_source(frame: pd.DataFrame, citation: str) -> pd.DataFrame:
    """A copy with the source line as the last column (every download carries it)."""
    return frame.assign(source=citation)


def _tables(ff: FundingFilters, level: str, citation: str) -> None:
    """Top beneficiaries, top places, district-only and all operations in view."""
    # one below the other: long beneficiary names would hide the money column
    st.subheader(t("fund.top_beneficiaries"))
    show_table(_readable(data.top_beneficiaries(ff)), key="fund_top_b")
    st.subheader(t("fund.top_places"))
    show_table(_readable(data.top_places(ff)), key="fund_top_p")
    operations = data.operations_in_view(ff)
    located = operations[operations["location_precision"] != "state"]
    district_only = operations[operations["location_precision"] == "district"]
    if level == "municipality":
        st.caption(
            t(
                "fund.district_only",
                n=fmt_num(len(district_only)),
                eur=fmt_num(float(district_only["eligible_eur"].astype(float).sum())),
            )
        )
        if not district_only.empty:
            show_table(_readable(district_only), height=240, key="fund_district_only")
    state = operations[operations["location_precision"] == "state"]
    st.subheader(t("fund.operations", n=fmt_num(len(operations))))
    st.caption(
        t(
            "fund.state_wide_note",
            n=fmt_num(len(state)),
            eur=fmt_num(float(state["eligible_eur"].astype(float).sum())),
        )
    )
    show_table(
        _readable(pd.concat([located, state])), height=380, key="fund_operations"
    )
    download_buttons("esf_vorhaben", _with_source(operations, citation))


def _short(name: str, width: int = 16) -> str:
    """A long district name broken after its hyphen for a chart label."""
    if len(name) > width and "-" in name:
        return name.replace("-", "-<br>", 1)
    return name


def _padded(values: pd.Series, share: float = PAD) -> list[float]:
    """Axis range around ``values`` with room for the labels at both ends."""
    low, high = float(values.min()), float(values.max())
    pad = (high - low or 1.0) * share
    return [low - pad, high + pad]


Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in plot shares


def _label_box(px: float, py: float, spot: str, text: str) -> Box:
    """Where a label would sit (plot shares) for one text position."""
    lines = text.split("<br>")
    w = CHAR_WIDTH * max(len(line) for line in lines)
    h = LINE_HEIGHT * len(lines)
    gap = 0.02
    x0, y0 = {
        "top center": (px - w / 2, py + gap),
        "bottom center": (px - w / 2, py - gap - h),
        "middle right": (px + gap, py - h / 2),
        "middle left": (px - gap - w, py - h / 2),
    }[spot]
    return (x0, y0, x0 + w, y0 + h)


def _overlap(a: Box, b: Box) -> bool:
    """Whether two boxes overlap."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _label_spots(x: pd.Series, y: pd.Series, names: list[str]) -> list[str]:
    """A text position per point whose label hits no other label or marker.

    Points are placed from the top down; a point whose every position collides
    takes the position with the fewest collisions.
    """
    spans = [(v.max() - v.min()) or 1.0 for v in (x, y)]
    nx = ((x - x.min()) / spans[0]).to_numpy()
    ny = ((y - y.min()) / spans[1]).to_numpy()
    dot = 0.012
    boxes: list[Box] = [
        (a - dot, b - dot, a + dot, b + dot) for a, b in zip(nx, ny, strict=True)
    ]
    spots = [LABEL_SPOTS[0]] * len(nx)
    for i in sorted(range(len(nx)), key=lambda k: -ny[k]):
        others = boxes[:i] + boxes[i + 1 : len(nx)] + boxes[len(nx) :]

        def hits(spot: str, i: int = i, others: list[Box] = others) -> int:
            box = _label_box(nx[i], ny[i], spot, names[i])
            outside = box[0] < -PAD or box[2] > 1 + PAD
            return sum(_overlap(box, o) for o in others) + 10 * outside

        spots[i] = min(LABEL_SPOTS, key=hits)  # ties: the order of LABEL_SPOTS
        boxes.append(_label_box(nx[i], ny[i], spots[i], names[i]))
    return spots


def _versus(f: Filters, ff: FundingFilters) -> None:
    """Initiatives per 100k against EUR per inhabitant, one point per district."""
    st.subheader(t("fund.vs"))
    scope = replace(f, degurba=(), districts=())
    frame = data.initiatives_vs_funding(scope, ff)
    demo = data.has_demo_rows()
    if demo:
        st.warning(t("fund.vs_demo"), icon=":material/science:")
    population = frame["population"].sum()
    x_avg = float(frame["eligible_eur"].astype(float).sum()) / population
    y_avg = frame["initiatives"].sum() * 1e5 / population
    x, y = frame["eur_per_inhabitant"], frame["per_100k"]
    labels_text = [_short(name) for name in frame["name"]]
    fig = go.Figure(
        go.Scatter(
            x=x,
            y=y,
            mode="markers+text",
            text=labels_text,
            customdata=frame["name"],
            textposition=_label_spots(x, y, labels_text),
            cliponaxis=False,
            marker={"size": 11, "color": "#0072B2"},
            hovertemplate="%{customdata}<br>%{x:.2f} EUR · %{y:.2f}<extra></extra>",
        )
    )
    average = t("fund.average")
    fig.add_vline(
        x=x_avg,
        line_dash="dash",
        annotation_text=f"{average}: {fmt_num(x_avg, 2)} EUR",
        annotation_position="top right",
    )
    fig.add_hline(
        y=y_avg,
        line_dash="dash",
        annotation_text=f"{average}: {fmt_num(y_avg, 2)}",
        annotation_position="bottom right",
    )
    title = t("fund.vs") + (f" – {t('demo.caption')}" if demo else "")
    fig.update_layout(
        title=title,
        height=480,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        separators=",." if language() == "de" else ".,",
        xaxis={"title": t("ind.eur_per_inhabitant"), "range": _padded(x)},
        yaxis_title=t("ind.per_100k"),
        showlegend=False,
    )
    st.plotly_chart(fig, width="stretch")
    st.caption(t("fund.vs_note"))
    show_table(_readable(frame), key="fund_vs_table")


def render() -> None:
    """The page "Förderung"."""
    f = filters.current()
    if not data.funding_loaded():
        st.info(t("fund.none"))
        return
    citation, as_of = _citation()
    st.markdown(t("fund.covers", as_of=as_of, citation=citation))
    options = data.funding_options()
    ff = _filters(options, f)
    cols = st.columns(2)
    remember_labelled(K_LEVEL, K_INDICATOR)
    level = cols[0].selectbox(
        t("fund.level"),
        MAP_LEVELS,
        key=K_LEVEL,
        format_func=labels("map.level."),
        persist_state=KEEP,
    )
    indicator = cols[1].selectbox(
        t("fund.indicator"),
        FUNDING_INDICATORS,
        key=K_INDICATOR,
        format_func=labels("ind."),
        persist_state=KEEP,
    )
    _write_url(ff, level, indicator)
    everywhere = replace(ff, districts=())
    areas = data.funding_by_area(everywhere, level)
    in_view = areas[areas["district_ars"].isin(f.districts)] if f.districts else areas
    _kpis(in_view, data.funding_state_wide(ff))
    st.subheader(t("fund.map"))
    _map(f, level, indicator, areas, t("fund.source", citation=citation))
    st.caption(t("fund.source", citation=citation))
    stem = f"esf_{'kreise' if level == 'district' else 'gemeinden'}"
    frame = _with_source(in_view, citation)
    geometries = data.map_geometries(level)
    download_buttons(stem, frame, lambda: exports.to_area_geojson(frame, geometries))
    st.divider()
    _settlement(ff)
    st.divider()
    _tables(ff, level, citation)
    st.divider()
    _versus(f, ff)


render()
