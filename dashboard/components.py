"""Small UI building blocks shared by the pages: KPI row and translated tables."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import data
from dashboard.assets import SERVED_BASE, SERVED_STATIC, ensure_vendor
from dashboard.i18n import fmt_num, fmt_pct, t
from sinn.vocab import DEGURBA_LABELS

# Rounding for display only; exports keep full precision.
DECIMALS = {
    "per_100k": 2,
    "per_100k_eb": 2,
    "events_per_100k": 2,
    "lq": 2,
    "lq_eb": 2,
    "lon": 5,
    "lat": 5,
}
PLAIN_NUMBERS = {"start_year", "first_year", "year", "degurba"}


def _served(path: str) -> str:
    """``path`` below the app's base URL (``server.baseUrlPath``)."""
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}{path}" if base else path


@st.cache_resource(show_spinner=False)
def map_assets() -> str:
    """Copy the map assets once per process; return their URL prefix."""
    ensure_vendor()
    return _served(SERVED_BASE)


def shared_urls(lang: str) -> dict[str, str]:
    """URLs of the current build's shared geometry and marker scripts."""
    return {
        "geometry_url": _served(f"{SERVED_STATIC}/geo/{data.geometry_file()}"),
        "labels_url": _served(f"{SERVED_STATIC}/geo/{data.labels_file(lang)}"),
    }


def kpi_row(k: dict, show_events: bool = True) -> None:
    """The key figures of ``queries.kpis`` as a row of metrics."""
    cells = [(t("kpi.initiatives"), fmt_num(k["initiatives"]), None)]
    if show_events:
        cells += [
            (t("kpi.events"), fmt_num(k["events"]), None),
            (t("kpi.participants"), fmt_num(k["participants"]), None),
        ]
    reached = t(
        "kpi.of",
        n=fmt_num(k["municipalities_reached"]),
        total=fmt_num(k["municipalities_total"]),
    )
    rural = (
        f"{fmt_pct(k['rural_share_initiatives'])} / "
        f"{fmt_pct(k['rural_share_population'])}"
    )
    gap = k["rural_share_gap"]
    gap_text = None if gap is None else t("kpi.gap", gap=fmt_num(gap * 100, 1))
    cells += [
        (t("kpi.municipalities_reached"), reached, None),
        (t("kpi.population_reached"), fmt_num(k["population_reached"]), None),
        (t("kpi.rural_share"), rural, gap_text),
    ]
    # a wrapping row: six full labels do not fit side by side on a laptop screen
    with st.container(horizontal=True, gap="small"):
        for label, value, delta in cells:
            st.metric(
                label,
                value,
                delta=delta,
                delta_color="off",
                delta_arrow="off",
                help=t("kpi.rural_share_help") if delta else None,
                border=True,
                width="content",
            )


def column_config(frame: pd.DataFrame) -> dict:
    """Translated headers and number formats for ``st.dataframe``."""
    config = {}
    for column in frame.columns:
        label = t(f"col.{column}")
        if column in PLAIN_NUMBERS:
            config[column] = st.column_config.NumberColumn(label, format="plain")
        elif column == "url":
            config[column] = st.column_config.LinkColumn(label)
        elif pd.api.types.is_bool_dtype(frame[column]):
            config[column] = st.column_config.CheckboxColumn(label)
        elif pd.api.types.is_numeric_dtype(frame[column]):
            config[column] = st.column_config.NumberColumn(label, format="localized")
        elif pd.api.types.is_datetime64_any_dtype(frame[column]):
            config[column] = st.column_config.DateColumn(label, format="YYYY-MM-DD")
        else:
            config[column] = st.column_config.TextColumn(label)
    return config


def show_table(frame: pd.DataFrame, height: int | None = None, key: str | None = None):
    """A sortable, translated table (numbers rounded for reading)."""
    shown = frame.copy()
    # settlement type and district kind are vocabulary, not data: translate them
    if "degurba_label" in shown.columns:
        labels = {v: t(f"degurba.{k}") for k, v in DEGURBA_LABELS.items()}
        shown["degurba_label"] = shown["degurba_label"].map(labels)
    if "kind" in shown.columns:
        shown["kind"] = shown["kind"].map(lambda v: t(f"kind.{v}"))
    for column, decimals in DECIMALS.items():
        if column in shown.columns:
            shown[column] = shown[column].round(decimals)
    return st.dataframe(
        shown,
        hide_index=True,
        column_config=column_config(shown),
        height=height or "auto",
        key=key,
    )
