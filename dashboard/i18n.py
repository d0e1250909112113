"""The UI layer's language state; texts and formats come from ``dashboard.texts``."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from dashboard import texts
from dashboard.texts import DEFAULT_LANGUAGE, LANGUAGES, TEXT

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "LANG_KEY",
    "NOTICES_KEY",
    "TEXT",
    "fmt_date",
    "fmt_num",
    "fmt_pct",
    "init_language",
    "labels",
    "language",
    "plotly_separators",
    "t",
]

LANG_KEY = "lang"  # session-state key of the language widget and URL parameter
NOTICES_KEY = "_url_notices"  # invalid URL parameters, shown by filters.show_notices


def language() -> str:
    """The current UI language: widget state, else the ``lang`` URL parameter."""
    lang = st.session_state.get(LANG_KEY)
    if lang in LANGUAGES:
        return lang
    url = st.query_params.get(LANG_KEY)
    return url if url in LANGUAGES else DEFAULT_LANGUAGE


def init_language() -> None:
    """Seed the language widget from the URL once per session; note invalid values."""
    if LANG_KEY in st.session_state:
        return
    url = st.query_params.get(LANG_KEY)
    if url is not None and url not in LANGUAGES:
        st.session_state.setdefault(NOTICES_KEY, []).append((LANG_KEY, url))
    st.session_state[LANG_KEY] = url if url in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, lang: str | None = None, **values: object) -> str:
    """Text of ``key`` in ``lang`` (default: the current UI language)."""
    return texts.t(key, lang or language(), **values)


def labels(prefix: str) -> Callable[[object], str]:
    """A widget ``format_func`` translating ``prefix + option`` in this run's language.

    The language is bound now: Streamlit may call ``format_func`` outside the
    script run (AppTest does), where the session state is not available.
    """
    lang = language()
    return lambda option: texts.t(f"{prefix}{option}", lang)


def fmt_num(
    value: float | int | None, decimals: int = 0, lang: str | None = None
) -> str:
    """A number with the separators of ``lang`` (default: current)."""
    return texts.fmt_num(value, decimals, lang or language())


def fmt_pct(share: float | None, decimals: int = 1, lang: str | None = None) -> str:
    """A fraction (0..1) as a percentage in ``lang`` (default: current)."""
    return texts.fmt_pct(share, decimals, lang or language())


def fmt_date(value: object) -> str:
    """A date in the current language's format."""
    return texts.fmt_date(value, language())


def plotly_separators() -> str:
    """Plotly's ``separators`` (decimal, thousands) for the current language."""
    return ",." if language() == "de" else ".,"
