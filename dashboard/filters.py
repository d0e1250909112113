"""Sidebar filters shared by every page, mirrored in the URL (``st.query_params``).

URL parameters: ``theme``, ``partner``, ``stage``, ``settlement``
(``staedtisch``/``mittel``/``laendlich``) and ``district`` (5-digit key) may repeat;
``from``/``to`` are years, ``events=0`` hides events, ``lang=en`` switches the
language. Values outside the vocabularies are dropped with a visible notice.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import streamlit as st

from dashboard import data
from dashboard.i18n import (
    LANG_KEY,
    NOTICES_KEY,
    keep_codes,
    labels,
    language,
    remember_labelled,
    t,
)
from dashboard.queries import Filters
from sinn.vocab import PARTNERS, STAGES, THEMES

SETTLEMENT_PARAM = {1: "staedtisch", 2: "mittel", 3: "laendlich"}
CURRENT_KEY = "_filters"  # the Filters of this run, read by the pages
SEEDED_KEY = "_filters_seeded"  # Filters right after reading the URL
PENDING_DISTRICTS_KEY = "_pending_districts"
K_THEME, K_PARTNER, K_STAGE = "f_theme", "f_partner", "f_stage"
K_SETTLEMENT, K_DISTRICT, K_YEARS, K_EVENTS = (
    "f_settlement",
    "f_district",
    "f_years",
    "f_events",
)
# Line breaks would end the code span a notice shows the value in, and the rest
# would be read as markdown (links, images).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def shown_value(value: object, limit: int = 80) -> str:
    """A URL value fit for a notice's code span: one line, no backticks, short."""
    return _CONTROL.sub(" ", str(value)).replace("`", "'")[:limit]


def _vocabularies(district_keys: Iterable[str]) -> dict[str, tuple[str, dict]]:
    """URL parameter -> (state key, accepted spelling -> value)."""
    settlement = {}
    for code, word in SETTLEMENT_PARAM.items():
        settlement |= {word: code, str(code): code, t(f"degurba.{code}").lower(): code}
    return {
        "theme": (K_THEME, {v.lower(): v for v in THEMES}),
        "partner": (K_PARTNER, {v.lower(): v for v in PARTNERS}),
        "stage": (K_STAGE, {v.lower(): v for v in STAGES}),
        "settlement": (K_SETTLEMENT, settlement | {"städtisch": 1, "ländlich": 3}),
        "district": (K_DISTRICT, {k: k for k in district_keys}),
    }


def _year_range() -> tuple[int, int] | None:
    """Smallest and largest year in the data, ``None`` without dated rows."""
    opts = data.filter_options()
    if opts["year_min"] is None:
        return None
    return int(opts["year_min"]), int(opts["year_max"])


def _parse_years(years: tuple[int, int], notices: list) -> tuple[int, int]:
    """``from``/``to`` from the URL, clamped to the data's range."""
    lo, hi = years
    bounds = []
    for name, default in (("from", lo), ("to", hi)):
        raw = st.query_params.get(name)
        try:
            value = default if raw is None else int(raw.strip())
        except ValueError:
            notices.append((name, raw))
            value = default
        bounds.append(min(max(value, lo), hi))
    if bounds[0] > bounds[1]:
        notices.append(("from", st.query_params.get("from")))
        return lo, hi
    return bounds[0], bounds[1]


def _url_values(
    district_keys: list[str], years: tuple[int, int] | None, notices: list
) -> dict:
    """The filter widgets' values the URL describes; ignored values to ``notices``."""
    state = {}
    for name, (key, accepted) in _vocabularies(district_keys).items():
        values = []
        for raw in st.query_params.get_all(name):
            value = accepted.get(raw.strip().lower(), accepted.get(raw.strip()))
            if value is None:
                notices.append((name, raw))
            elif value not in values:
                values.append(value)
        state[key] = values
    if years is not None:
        state[K_YEARS] = _parse_years(years, notices)
    raw_events = st.query_params.get("events")
    flags = {"1": True, "true": True, "ja": True, "0": False, "false": False}
    flags["nein"] = False
    if raw_events is not None and raw_events.strip().lower() not in flags:
        notices.append(("events", raw_events))
    state[K_EVENTS] = flags.get((raw_events or "1").strip().lower(), True)
    return state


def _seed_from_url(district_keys: list[str], years: tuple[int, int] | None) -> None:
    """Put the URL's filter values into the widget state, once per session."""
    if SEEDED_KEY in st.session_state:
        return
    notices = st.session_state.setdefault(NOTICES_KEY, [])
    st.session_state.update(_url_values(district_keys, years, notices))
    st.session_state[SEEDED_KEY] = _state_filters(years)


def _state_filters(years: tuple[int, int] | None, state=None) -> Filters:
    """The Filters described by the widget state (or by ``state``)."""
    state = st.session_state if state is None else state
    year_from = year_to = None
    if years is not None and K_YEARS in state:
        lo, hi = state[K_YEARS]
        year_from = lo if lo > years[0] else None
        year_to = hi if hi < years[1] else None
    return Filters(
        themes=tuple(state.get(K_THEME, ())),
        partners=tuple(state.get(K_PARTNER, ())),
        stages=tuple(state.get(K_STAGE, ())),
        year_from=year_from,
        year_to=year_to,
        degurba=tuple(state.get(K_SETTLEMENT, ())),
        districts=tuple(state.get(K_DISTRICT, ())),
        show_events=bool(state.get(K_EVENTS, True)),
    )


def to_query_params(f: Filters) -> dict[str, list[str]]:
    """URL parameters describing ``f`` (empty lists mean "leave out")."""
    return {
        "theme": list(f.themes),
        "partner": list(f.partners),
        "stage": list(f.stages),
        "settlement": [SETTLEMENT_PARAM[c] for c in f.degurba],
        "district": list(f.districts),
        "from": [] if f.year_from is None else [str(f.year_from)],
        "to": [] if f.year_to is None else [str(f.year_to)],
        "events": [] if f.show_events else ["0"],
    }


def _write_url(f: Filters) -> None:
    """Mirror the filters and the language in the URL, touching only our keys."""
    wanted = to_query_params(f)
    wanted[LANG_KEY] = [] if language() == "de" else [language()]
    for name, values in wanted.items():
        if st.query_params.get_all(name) == values:
            continue
        if values:
            st.query_params[name] = values if len(values) > 1 else values[0]
        else:
            del st.query_params[name]


def _reset() -> None:
    """Widget callback: clear every filter."""
    for key in (K_THEME, K_PARTNER, K_STAGE, K_SETTLEMENT, K_DISTRICT):
        st.session_state[key] = []
    st.session_state.pop(K_YEARS, None)
    st.session_state[K_EVENTS] = True


def select_districts(ars: list[str]) -> None:
    """Set the district filter from page code (e.g. a map click) and rerun."""
    st.session_state[PENDING_DISTRICTS_KEY] = list(ars)
    st.rerun()


def _multiselect(label_key: str, options: list, key: str, fmt: Callable) -> None:
    """One multiselect filter whose empty selection means "all"."""
    st.multiselect(
        t(label_key), options, key=key, format_func=fmt, placeholder=t("filters.all")
    )


def _widgets(districts: dict[str, str], years: tuple[int, int] | None) -> None:
    """Render the filter widgets into the sidebar."""
    remember_labelled(K_THEME, K_STAGE, K_SETTLEMENT)
    with st.sidebar:
        st.subheader(t("filters.header"))
        _multiselect("filters.theme", list(THEMES), K_THEME, labels("theme."))
        _multiselect("filters.partner", list(PARTNERS), K_PARTNER, str)
        _multiselect("filters.stage", list(STAGES), K_STAGE, labels("stage."))
        if years is not None and years[0] < years[1]:
            # a new build may have moved the range; an out-of-range value would raise
            lo, hi = st.session_state.get(K_YEARS, years)
            st.session_state[K_YEARS] = (
                min(max(lo, years[0]), years[1]),
                max(min(hi, years[1]), years[0]),
            )
            st.slider(t("filters.years"), years[0], years[1], key=K_YEARS)
        _multiselect("filters.settlement", [1, 2, 3], K_SETTLEMENT, labels("degurba."))
        _multiselect("filters.district", list(districts), K_DISTRICT, districts.get)
        st.toggle(t("filters.events"), key=K_EVENTS)
        st.button(t("filters.reset"), on_click=_reset)
        st.caption(t("filters.share"))


def sidebar_filters() -> Filters:
    """Render the shared filters, sync them with the URL and return them."""
    table = data.districts()
    districts = dict(zip(table["ars"], table["name"], strict=True))
    years = _year_range()
    _seed_from_url(list(districts), years)
    if PENDING_DISTRICTS_KEY in st.session_state:
        pending = st.session_state.pop(PENDING_DISTRICTS_KEY)
        st.session_state[K_DISTRICT] = [a for a in pending if a in districts]
    _widgets(districts, years)
    keep_codes(
        {k: st.session_state.get(k, []) for k in (K_THEME, K_STAGE, K_SETTLEMENT)}
    )
    f = _state_filters(years)
    st.session_state[CURRENT_KEY] = f
    _write_url(f)
    show_notices(f)
    return f


def show_notices(f: Filters) -> None:
    """Warn about ignored URL parameters until the user changes a filter."""
    notices = st.session_state.get(NOTICES_KEY, [])
    if notices and f != st.session_state.get(SEEDED_KEY, f):
        notices.clear()
    for name, value in notices:
        st.warning(t("param.invalid", name=name, value=shown_value(value)), icon="⚠️")


def url_filters() -> Filters:
    """Filters read from the URL alone, without widgets (embed view)."""
    table = data.districts()
    years = _year_range()
    _seed_from_url(list(table["ars"]), years)
    return _state_filters(years)


def url_current() -> Filters:
    """This run's filters from the URL, the widget state untouched (a first view).

    A value set under a widget key in a run that draws no such widget would
    outlive the widget's own changes: the widgets of the next run seed it.
    """
    table = data.districts()
    years = _year_range()
    values = _url_values(list(table["ars"]), years, [])
    f = _state_filters(years, values)
    st.session_state[CURRENT_KEY] = f
    return f


def current() -> Filters:
    """The filters of this run (set by the app shell), else those of the URL."""
    f = st.session_state.get(CURRENT_KEY)
    return f if isinstance(f, Filters) else url_filters()


def show_if_empty(kpis: dict) -> bool:
    """Show a friendly message when nothing matches; ``True`` if it was shown."""
    if kpis["initiatives"] or kpis["events"]:
        return False
    st.info(t("filters.empty"), icon="🔍")
    return True
