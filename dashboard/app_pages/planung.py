"""Page "Planung": white spots, unreached population, event locations, what if."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pandas as pd
import streamlit as st

from dashboard import data, filters, map_component, page_state, planning
from dashboard.components import map_assets, shared_urls, show_table
from dashboard.i18n import fmt_date, fmt_num, fmt_pct, language, remember_labelled, t
from dashboard.map_data import AreaLayer
from dashboard.map_style import MapOptions
from dashboard.planning_map import build_planning_map
from dashboard.queries import Filters

MAP_KEY = "planung_map"
MAP_HEIGHT = 620
CSV_NAME = "sinn_veranstaltungsorte.csv"
TABLE_ROW_PX = 35  # st.dataframe row height: all 13 districts without scrolling


def _settings(f: Filters) -> tuple[planning.PlanSettings, int, dt.date]:
    """The assumption widgets; returns the settings, months and reference date."""
    latest = data.latest_event_date() or dt.date.today()
    no_events = not f.show_events
    controls = (
        page_state.number("plan_radius", "r", 5, 50, 15),
        page_state.number("plan_k", "k", 1, 10, 5),
        page_state.number("plan_months", "months", 1, 36, 12),
        page_state.date("plan_reference", "ref", latest),
        page_state.flag("plan_events_count", "events_count", True),
        page_state.flag("plan_weighted", "weighted", False),
        page_state.flag("plan_skip_recent", "skip_recent", False),
    )
    page_state.restore(controls)
    with st.container(border=True):
        st.markdown(f"**{t('plan.settings')}**")
        cols = st.columns(4)
        radius = cols[0].slider(
            t("plan.radius"), 5, 50, key="plan_radius", help=t("plan.radius_help")
        )
        k = cols[1].slider(t("plan.k"), 1, 10, key="plan_k")
        months = cols[2].slider(
            t("plan.months"),
            1,
            36,
            key="plan_months",
            disabled=no_events,
            help=t("plan.months_help"),
        )
        reference = cols[3].date_input(
            t("plan.reference"),
            key="plan_reference",
            disabled=no_events,
            format="DD.MM.YYYY" if language() == "de" else "YYYY-MM-DD",
            help=t("plan.reference_help"),
        )
        # side by side at their own width: equal columns cut the labels short
        row = st.container(horizontal=True, gap="large")
        events_count = row.toggle(
            t("plan.events_count"),
            key="plan_events_count",
            disabled=no_events,
            help=t("plan.events_count_help"),
        )
        weighted = row.toggle(
            t("plan.weighted"), key="plan_weighted", help=t("plan.weighted_help")
        )
        skip_recent = row.toggle(
            t("plan.skip_recent"),
            key="plan_skip_recent",
            disabled=no_events,
            help=t("plan.skip_recent_help"),
        )
    page_state.sync_url(controls)
    settings = planning.PlanSettings(
        radius_km=float(radius),
        k=int(k),
        weighted=weighted,
        skip_recent=skip_recent and f.show_events,
        events_count=events_count and f.show_events,
    )
    return settings, int(months), reference or latest


def _planned(municipalities: pd.DataFrame) -> tuple[str, ...]:
    """The what-if multiselect of municipalities with a planned event."""
    ordered = municipalities.sort_values(["name", "ags"])
    names = {
        row.ags: f"{row.name} ({row.district_name})" for row in ordered.itertuples()
    }
    control = page_state.choices("plan_planned", "planned", list(names))
    page_state.restore([control])
    remember_labelled(control.key)
    chosen = st.multiselect(
        t("plan.planned"),
        list(names),
        key="plan_planned",
        format_func=names.get,
        placeholder=t("plan.planned_placeholder"),
        help=t("plan.planned_help"),
    )
    page_state.sync_url([control])
    return tuple(chosen)


def _rule(settings: planning.PlanSettings, months: int, reference: dt.date) -> str:
    """What "unreached" means with these settings (straight line, period)."""
    r = fmt_num(settings.radius_km)
    if settings.events_count:
        start = (pd.Timestamp(reference) - pd.DateOffset(months=months)).date()
        text = t(
            "plan.rule.events", r=r, start=fmt_date(start), end=fmt_date(reference)
        )
    else:
        text = t("plan.rule.initiatives", r=r)
    return text + (" " + t("plan.rule.planned") if settings.planned else "")


def _kpis(result: planning.PlanResult, planned: bool) -> None:
    """Unreached population and municipalities, and what the plan changes."""
    pop_delta = mun_delta = None
    if planned:
        change = result.unreached_population - result.baseline_population
        pop_delta = t("plan.kpi.delta", n=fmt_num(change))
        change = result.unreached_municipalities - result.baseline_municipalities
        mun_delta = t("plan.kpi.delta", n=fmt_num(change))
    share = (
        result.unreached_population / result.scope_population
        if result.scope_population
        else None
    )
    cells = [
        (
            "plan.kpi.unreached_population",
            fmt_num(result.unreached_population),
            pop_delta,
        ),
        (
            "plan.kpi.unreached_municipalities",
            t(
                "kpi.of",
                n=fmt_num(result.unreached_municipalities),
                total=fmt_num(result.scope_municipalities),
            ),
            mun_delta,
        ),
        ("plan.kpi.share", fmt_pct(share), None),
    ]
    if planned:
        cells.append(("plan.kpi.new", fmt_num(result.newly_covered_population), None))
    with st.container(horizontal=True, gap="small"):
        for key, value, delta in cells:
            st.metric(
                t(key),
                value,
                delta=delta,
                delta_color="inverse",
                delta_arrow="off",  # the number carries its sign: one minus, no arrow
                border=True,
                width="content",
            )


def _map(
    f: Filters,
    result: planning.PlanResult,
    events: pd.DataFrame,
    settings: planning.PlanSettings,
) -> None:
    """The white-spot map with initiatives, counted events and the sites."""
    shown = replace(f, districts=(), degurba=())
    values = result.municipalities.rename(columns={"ags": "key"})
    layer = AreaLayer("municipality", values, data.map_geometries("municipality"))
    md = replace(data.map_data(shown, (), True, True), areas=[layer], events=events)
    md = replace(md, **shared_urls(language()))  # boundaries, popups: shared files
    opts = MapOptions(lang=language(), assets=map_assets(), height=MAP_HEIGHT)
    planned = values[values["key"].isin(settings.planned)].assign(badge="+")
    sites = result.sites.assign(badge=result.sites["rank"].astype(str))
    m = build_planning_map(md, opts, result.radius_km * 1000, sites, planned)
    # nothing comes back: pan and zoom must not rerun
    map_component.show(map_component.render(m), MAP_KEY, MAP_HEIGHT, [])


def _sites(result: planning.PlanResult, settings: planning.PlanSettings) -> None:
    """The ranked suggestions with their CSV download."""
    st.subheader(t("plan.sites"))
    st.caption(t("plan.sites_note"))
    if settings.weighted:
        st.caption(t("plan.sites_weighted"))
    sites = result.sites
    if sites.empty:
        st.info(t("plan.sites_none"))
        return
    if len(sites) < settings.k:
        st.info(t("plan.sites_fewer", n=len(sites)))
    show_table(sites[planning.SITE_COLUMNS], key="plan_sites_table")
    lang = language()
    csv = planning.sites_csv(sites, result.radius_km, lambda k: t(k, lang=lang))
    st.download_button(
        t("plan.download"),
        data=csv,
        file_name=CSV_NAME,
        mime="text/csv",
        key="dl_plan_sites",
        on_click="ignore",
        icon=":material/download:",
    )


def _tables(result: planning.PlanResult) -> None:
    """Unreached figures by district and by settlement type."""
    districts = result.by_district()
    st.subheader(t("plan.by_district"))
    show_table(
        districts,
        height=TABLE_ROW_PX * (len(districts) + 1) + 3,
        key="plan_by_district",
    )
    st.subheader(t("plan.by_settlement"))
    show_table(result.by_settlement(), key="plan_by_settlement")


def render() -> None:
    """The page "Planung"."""
    f = filters.current()
    public = f
    st.markdown(t("plan.intro"))
    settings, months, reference = _settings(f)
    municipalities = data.planning_municipalities(public)
    settings = replace(settings, planned=_planned(municipalities))
    initiatives = data.planning_points(public, "initiative")
    events = data.planning_points(public, "event")
    if not f.show_events:
        events = events.iloc[0:0]
    events = events[planning.event_window(events, reference, months)]
    result = planning.plan(municipalities, initiatives, events, settings)
    st.caption(_rule(settings, months, reference) + " " + t("plan.scope"))
    if f.show_events and events.empty:
        st.caption(t("plan.no_events"))
    _kpis(result, bool(settings.planned))
    shown = data.events_public(replace(public, districts=(), degurba=()))
    _map(f, result, shown[shown["id"].isin(events["id"])], settings)
    _sites(result, settings)
    _tables(result)


render()
