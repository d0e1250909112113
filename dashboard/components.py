"""Small UI building blocks shared by the pages: KPI row and translated tables."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from dashboard import data, texts
from dashboard.assets import SERVED_BASE, SERVED_STATIC, STYLES_DIR, ensure_vendor
from dashboard.i18n import fmt_num, fmt_pct, language, t
from sinn.vocab import DEGURBA_LABELS

# Rounding for display only; exports keep full precision.
DECIMALS = {
    "per_100k": 2,
    "events_per_100k": 2,
    "lq": 2,
    "lon": 5,
    "lat": 5,
    "eur_per_inhabitant": 2,
    "operations_per_100k": 1,
    "gap_pp": 1,
    "population_share": 1,
    "money_share": 1,
    "eligible_eur": 0,
    "per_100k_eb": 2,
    "lq_eb": 2,
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


def page_style(name: str) -> None:
    """Apply the project's stylesheet ``dashboard/styles/<name>.css`` to the page.

    Style only: Streamlit gives it no place on the page. Besides the map
    component the pages' only raw HTML sink, so it takes a file, never text.
    """
    st.html(STYLES_DIR / f"{name}.css")


def shared_urls(lang: str) -> dict[str, str]:
    """URLs of the current build's shared geometry and marker scripts."""
    return {
        "geometry_url": _served(f"{SERVED_STATIC}/geo/{data.geometry_file()}"),
        "labels_url": _served(f"{SERVED_STATIC}/geo/{data.labels_file(lang)}"),
    }


def kpi_row(k: dict, show_events: bool = True, degurba: tuple = ()) -> None:
    """The key figures of ``queries.kpis`` as a row of metrics.

    With a settlement-type filter (``degurba`` not empty, not all three types)
    the rural shares are 100 % or 0 % by construction and are left out.
    """
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
    ]
    if len(set(degurba)) in (0, len(DEGURBA_LABELS)):
        cells.append((t("kpi.rural_share"), rural, gap_text))
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


def _numeric(series: pd.Series) -> bool:
    """A number column (booleans are not numbers here)."""
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(
        series
    )


def column_config(frame: pd.DataFrame) -> dict:
    """Translated headers and cell types for ``st.dataframe``.

    Number columns get no format here: the Styler of ``number_formats`` writes
    them with the page language's separators (``"localized"`` would follow the
    browser's locale, not the page's language).
    """
    config = {}
    for column in frame.columns:
        label = t(f"col.{column}")
        if column in PLAIN_NUMBERS:
            config[column] = st.column_config.NumberColumn(label, format="plain")
        elif column == "url":
            config[column] = st.column_config.LinkColumn(label)
        elif pd.api.types.is_bool_dtype(frame[column]):
            config[column] = st.column_config.CheckboxColumn(label)
        elif _numeric(frame[column]):
            config[column] = st.column_config.NumberColumn(label)
        elif pd.api.types.is_datetime64_any_dtype(frame[column]):
            config[column] = st.column_config.DateColumn(label, format="YYYY-MM-DD")
        else:
            config[column] = st.column_config.TextColumn(label)
    return config


def number_formats(frame: pd.DataFrame, lang: str) -> dict[str, Callable]:
    """Column -> formatter writing its numbers in ``lang`` (``1.234,5`` in German).

    Rates and quotients get their display decimals, whole-number columns none,
    other measures (km) one.
    """
    formats = {}
    for column in frame.columns:
        if column in PLAIN_NUMBERS or not _numeric(frame[column]):
            continue
        values = frame[column].dropna()
        whole = bool((values == values.round()).all())
        decimals = DECIMALS.get(column, 0 if whole else 1)
        formats[column] = partial(texts.fmt_num, decimals=decimals, lang=lang)
    return formats


def styled(frame: pd.DataFrame) -> Styler:
    """``frame`` with its numbers formatted for the page language."""
    return frame.style.format(number_formats(frame, language()), na_rep="–")


def show_table(frame: pd.DataFrame, height: int | None = None, key: str | None = None):
    """A sortable, translated table (numbers rounded for reading, sorted by value)."""
    shown = frame.copy()
    # settlement type and district kind are vocabulary, not data: translate them
    if "degurba_label" in shown.columns:
        labels = {v: t(f"degurba.{k}") for k, v in DEGURBA_LABELS.items()}
        shown["degurba_label"] = shown["degurba_label"].map(labels)
    if "kind" in shown.columns:
        shown["kind"] = shown["kind"].map(lambda v: t(f"kind.{v}"))
    shown = shown.reset_index(drop=True)
    return st.dataframe(
        styled(shown),
        hide_index=True,
        column_config=column_config(shown),
        height=height or "auto",
        key=key,
    )
