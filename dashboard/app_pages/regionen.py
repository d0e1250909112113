"""Page "Regionen": district ranking, settlement types, time and region profile."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from dashboard import data, filters, page_state
from dashboard.components import kpi_row, show_table
from dashboard.i18n import (
    fmt_num,
    fmt_pct,
    labels,
    language,
    plotly_separators,
    remember_labelled,
    t,
)
from dashboard.queries import Filters

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
SETTLEMENT_COLOURS = {1: "#0072B2", 2: "#E69F00", 3: "#009E73"}
MEASURE_COLOURS = ("#999999", "#0072B2", "#D55E00")
HIGHLIGHT, MUTED = "#b5123e", "#8da0b3"
INDICATORS = ("per_100k", "initiatives", "lq")
INDICATOR = page_state.choice("reg_indicator", "indicator", INDICATORS, INDICATORS[0])


def _kept(control: page_state.Control) -> None:
    """Restore one control before its widget; remembered for language switches."""
    page_state.restore([control])
    remember_labelled(control.key)


# Plotly's modebar always shown, with its "download as PNG" (2x, named file).
CHART_CONFIG = {
    "displayModeBar": True,
    "displaylogo": False,
    "toImageButtonOptions": {"format": "png", "scale": 2, "filename": "sinn-atlas"},
}


def _chart(fig: go.Figure, title: str = "", height: int = 360) -> None:
    """Show a figure under a bold title, with the shared layout."""
    if title:
        st.markdown(f"**{title}**")
    fig.update_layout(
        separators=plotly_separators(),
        height=height,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
        legend_title_text="",
    )
    st.plotly_chart(fig, width="stretch", config=CHART_CONFIG)


def _ranking(f: Filters) -> None:
    """District ranking by the chosen indicator with the Saxony average as a line."""
    st.subheader(t("reg.ranking"))
    _kept(INDICATOR)
    indicator = st.radio(
        t("reg.indicator"),
        INDICATORS,
        format_func=labels("ind."),
        horizontal=True,
        key="reg_indicator",
    )
    page_state.sync_url([INDICATOR])
    ranking = data.district_ranking(f)
    average = data.saxony_average(f)
    reference = {
        "per_100k": average["per_100k"],
        "initiatives": average["initiatives_per_district"],
        "lq": 1.0,
    }[indicator]
    frame = ranking.sort_values(indicator, ascending=True)
    colours = [HIGHLIGHT if s else MUTED for s in frame["selected"]]
    if not frame["selected"].any():
        colours = [HIGHLIGHT] * len(frame)
    decimals = 0 if indicator == "initiatives" else 2
    fig = go.Figure(
        go.Bar(
            x=frame[indicator],
            y=frame["name"],
            orientation="h",
            marker_color=colours,
            text=[fmt_num(v, decimals) for v in frame[indicator]],
            textposition="outside",
            hovertemplate="%{y}: %{x}<extra></extra>",
        )
    )
    fig.add_vline(
        x=reference,
        line_dash="dash",
        line_color="#1f1f1f",
        annotation_text=f"{t('reg.average')}: {fmt_num(reference, decimals)}",
        annotation_position="top",
    )
    fig.update_xaxes(title=t(f"ind.{indicator}"))
    _chart(fig, height=460)
    st.caption(t("reg.ranking_note"))
    columns = ["name", "kind", "population", "initiatives", "events", "participants"]
    columns += ["per_100k", "events_per_100k", "lq"]
    table = ranking.sort_values(indicator, ascending=False)[columns]
    if not f.show_events:
        table = table.drop(columns=["events", "participants", "events_per_100k"])
    show_table(table)


def _settlement(f: Filters) -> None:
    """Städtisch / mittel / ländlich: shares and rates as grouped bars."""
    st.subheader(t("reg.settlement"))
    frame = data.settlement_comparison(f)
    frame["label"] = [t(f"degurba.{c}") for c in frame["degurba"]]
    measures = {
        "population_share": t("reg.share_population"),
        "initiative_share": t("reg.share_initiatives"),
    }
    rates = {"per_100k": t("reg.share_initiatives")}
    if f.show_events:
        measures["event_share"] = t("reg.share_events")
        rates["events_per_100k"] = t("reg.share_events")
    shares = frame.melt("label", list(measures), "measure", "value")
    shares["measure"] = shares["measure"].map(measures)
    shares["value"] = shares["value"] * 100
    left, right = st.columns(2)
    fig = px.bar(
        shares,
        x="label",
        y="value",
        color="measure",
        barmode="group",
        color_discrete_sequence=MEASURE_COLOURS,
        text_auto=".1f",
        labels={"label": "", "value": "%", "measure": ""},
    )
    with left:
        _chart(fig, t("reg.shares"))
    per = frame.melt("label", list(rates), "measure", "value")
    per["measure"] = per["measure"].map(rates)
    fig = px.bar(
        per,
        x="label",
        y="value",
        color="measure",
        barmode="group",
        color_discrete_sequence=MEASURE_COLOURS[1:],
        text_auto=".2f",
        labels={"label": "", "value": "", "measure": ""},
    )
    with right:
        _chart(fig, t("reg.per_100k_title"))
    st.caption(t("reg.settlement_note"))


def _by_settlement(frame: pd.DataFrame, x: str, y: str) -> go.Figure:
    """Stacked bars of ``y`` over ``x``, one colour per settlement type."""
    frame = frame.assign(type=[t(f"degurba.{c}") for c in frame["degurba"]])
    colours = {t(f"degurba.{c}"): colour for c, colour in SETTLEMENT_COLOURS.items()}
    fig = px.bar(
        frame,
        x=x,
        y=y,
        color="type",
        color_discrete_map=colours,
        category_orders={"type": list(colours), x: sorted(frame[x].unique())},
        labels={x: "", y: t("reg.count"), "type": ""},
    )
    fig.update_xaxes(type="category")
    return fig


def _time(f: Filters) -> None:
    """Initiatives started per year and events per quarter, by settlement type."""
    st.subheader(t("reg.time"))
    per_year = data.initiatives_per_year(f)
    per_quarter = data.events_per_quarter(f)
    left, right = st.columns(2)
    with left:
        if per_year.empty:
            st.info(t("reg.no_time"))
        else:
            _chart(_by_settlement(per_year, "year", "initiatives"), t("reg.per_year"))
    with right:
        if not f.show_events:
            st.info(t("dat.events_hidden"))
        elif per_quarter.empty:
            st.info(t("reg.no_time"))
        else:
            fig = _by_settlement(per_quarter, "quarter", "events")
            _chart(fig, t("reg.per_quarter"))
    _new_since(f)


def _new_since(f: Filters) -> None:
    """How coverage changed since a chosen year."""
    st.markdown(f"**{t('reg.new_since')}**")
    coverage = data.coverage_by_year(f)
    if len(coverage) < 2:
        st.info(t("reg.no_time"))
        return
    years = [int(y) for y in coverage["year"]]
    control = page_state.choice("reg_since", "since", years[:-1], years[-2])
    kept = st.session_state.get(control.key, years[-2])
    if kept not in years[:-1]:
        page_state.reset(control)  # a new build or filter moved the years
    _kept(control)
    since = st.select_slider(t("reg.since_year"), years[:-1], key=control.key)
    page_state.sync_url([control])
    then = coverage[coverage["year"] == since].iloc[0]
    now = coverage.iloc[-1]
    cols = st.columns(3)
    for col, key, label in zip(
        cols,
        ("municipalities_reached", "districts_reached", "population_reached"),
        (
            t("kpi.municipalities_reached"),
            t("reg.districts_reached"),
            t("kpi.population_reached"),
        ),
        strict=True,
    ):
        col.metric(
            label,
            fmt_num(now[key]),
            delta=f"+{fmt_num(now[key] - then[key])} "
            f"({t('reg.until', year=since)}: {fmt_num(then[key])})",
            delta_color="normal",
            help=f"{t('reg.until', year=since)} → {t('reg.until', year=years[-1])}",
        )
    fig = px.line(
        coverage,
        x="year",
        y="municipalities_reached",
        markers=True,
        labels={"year": t("reg.year"), "municipalities_reached": ""},
    )
    fig.update_xaxes(dtick=1)
    fig.add_vline(x=since, line_dash="dot", line_color=HIGHLIGHT)
    _chart(fig, t("reg.coverage_chart"), 300)
    new = data.newly_reached(f, since)
    title = t("reg.newly_reached", year=since, next=since + 1)
    st.caption(f"{title} · {t('reg.unknown_years')}")
    if new.empty:
        st.info(t("reg.none_new", year=since, next=since + 1))
    else:
        show_table(new.drop(columns=["ags"]), height=260, key="reg_new_table")


def _profile_value(metric: str, value: float | None) -> str:
    """A profile value formatted for its metric."""
    if metric.startswith("rural_share"):
        return fmt_pct(value)
    if metric in ("per_100k", "events_per_100k", "lq"):
        return fmt_num(value, 2)
    return fmt_num(value)


def _profile(f: Filters) -> None:
    """One district's key figures next to Saxony's, and its municipalities."""
    st.subheader(t("reg.profile"))
    districts = data.districts()
    names = dict(zip(districts["ars"], districts["name"], strict=True))
    # default: the chosen district, else the one furthest behind
    ranking = data.district_ranking(f)
    default = f.districts[0] if f.districts else ranking["ars"].iloc[-1]
    control = page_state.choice("reg_profile", "profile", list(names), default)
    _kept(control)
    ars = st.selectbox(
        t("reg.choose_district"), list(names), format_func=names.get, key=control.key
    )
    page_state.sync_url([control])
    lang = language()
    st.download_button(
        t("reg.report"),
        data=lambda: data.report_pdf(ars, lang),  # built only when clicked
        file_name=f"kreisdossier_{ars}.pdf",
        mime="application/pdf",
        key="dl_report",
        on_click="ignore",
        icon=":material/picture_as_pdf:",
        help=t("reg.report_help"),
    )
    profile = data.region_profile(f, ars)
    table = pd.DataFrame(
        {
            t("col.metric"): [
                t(f"ind.{m}") if m == "lq" else t(f"col.{m}") for m in profile["metric"]
            ],
            names[ars]: [
                _profile_value(m, v)
                for m, v in zip(profile["metric"], profile["region"], strict=True)
            ],
            t("col.saxony"): [
                _profile_value(m, v)
                for m, v in zip(profile["metric"], profile["saxony"], strict=True)
            ],
        }
    )
    st.dataframe(table, hide_index=True, width=720, height=35 * (len(table) + 1) + 3)
    stats = data.municipality_statistics(replace(f, districts=(ars,)))
    columns = ["name", "degurba_label", "population", "initiatives", "events"]
    columns += ["participants", "per_100k", "lq"]
    st.caption(t("reg.profile_municipalities", district=names[ars]))
    show_table(
        stats[columns].sort_values("initiatives", ascending=False),
        height=400,
        key="reg_profile_table",
    )


def render() -> None:
    """Lay out the page."""
    f = filters.current()
    k = data.kpis(f)
    kpi_row(k, f.show_events, f.degurba)
    if filters.show_if_empty(k):
        return
    _ranking(f)
    st.divider()
    _settlement(f)
    st.divider()
    _time(f)
    st.divider()
    _profile(f)


render()
