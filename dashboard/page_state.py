"""Page controls that survive page switches, language switches and shared links.

Each control is a keyed widget whose state holds a code (never a label; labels
come from ``format_func``). The URL carries the codes: a fresh browser opening a
shared link gets every control back, and values outside the accepted ones are
dropped with a visible notice.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import streamlit as st

from dashboard.filters import shown_value
from dashboard.i18n import CODES_KEY, t

__all__ = [
    "Control",
    "choice",
    "choices",
    "date",
    "flag",
    "from_url",
    "number",
    "peek",
    "position",
    "reset",
    "restore",
    "sync_url",
    "zoom",
]

SEEDED_KEY = CODES_KEY  # widget key -> code, kept across pages and languages


@dataclass(frozen=True)
class Control:
    """One widget key, its URL parameter, default and (de)serialisation."""

    key: str
    param: str
    default: object
    parse: Callable[[str], object]  # raises ValueError for values it does not take
    dump: Callable[[object], str] = str
    many: bool = False


def _member(options: Sequence) -> Callable[[str], object]:
    """A parser accepting exactly the (string forms of the) ``options``."""
    by_text = {str(option): option for option in options}

    def parse(raw: str) -> object:
        if raw not in by_text:
            raise ValueError(raw)
        return by_text[raw]

    return parse


def choice(key: str, param: str, options: Sequence, default: object) -> Control:
    """A single choice among ``options`` (select box, radio)."""
    return Control(key, param, default, _member(options))


def choices(key: str, param: str, options: Sequence) -> Control:
    """Several choices among ``options`` (multiselect); the parameter repeats."""
    return Control(key, param, [], _member(options), many=True)


def number(key: str, param: str, lo: int, hi: int, default: int) -> Control:
    """A whole number in ``lo..hi`` (slider)."""

    def parse(raw: str) -> int:
        value = int(raw)
        if not lo <= value <= hi:
            raise ValueError(raw)
        return value

    return Control(key, param, default, parse)


def flag(key: str, param: str, default: bool) -> Control:
    """An on/off switch, ``1``/``0`` in the URL."""
    return Control(key, param, default, _flag, _dump_flag)


def _flag(raw: str) -> bool:
    """``1``/``0`` (also ``true``/``false``) as a bool."""
    value = {"1": True, "true": True, "0": False, "false": False}.get(raw.lower())
    if value is None:
        raise ValueError(raw)
    return value


def _dump_flag(value: object) -> str:
    """A bool as ``1``/``0``."""
    return "1" if value else "0"


def date(key: str, param: str, default: dt.date) -> Control:
    """A date, ISO 8601 in the URL."""
    return Control(key, param, default, dt.date.fromisoformat, dt.date.isoformat)


def _finite(raw: str) -> float:
    """A finite number (``nan``/``inf`` refused)."""
    value = float(raw)
    if not math.isfinite(value):
        raise ValueError(raw)
    return value


def zoom(key: str, param: str, lo: float, hi: float, step: float) -> Control:
    """A map zoom level in ``lo..hi`` in steps of ``step``; none by default."""

    def parse(raw: str) -> float:
        value = round(_finite(raw) / step) * step
        if not lo <= value <= hi:
            raise ValueError(raw)
        return value

    def dump(value: object) -> str:
        return f"{round(float(value) / step) * step:g}"

    return Control(key, param, None, parse, dump)


def position(
    key: str, param: str, box: tuple[float, float, float, float], decimals: int = 4
) -> Control:
    """A map centre ``lat,lon`` in ``box`` (south, west, north, east); default none."""
    south, west, north, east = box  # the URL keeps ``decimals`` places (4: ~10 m)

    def parse(raw: str) -> tuple[float, float]:
        parts = raw.split(",")
        if len(parts) != 2:
            raise ValueError(raw)
        lat, lon = (_finite(part) for part in parts)
        if not (south <= lat <= north and west <= lon <= east):
            raise ValueError(raw)
        return lat, lon

    def dump(value: object) -> str:
        lat, lon = value
        return f"{lat:.{decimals}f},{lon:.{decimals}f}"

    return Control(key, param, None, parse, dump)


def from_url(control: Control) -> object:
    """The control's value from the URL, else its default (invalid: notice)."""
    raws = st.query_params.get_all(control.param)
    if not raws:
        return control.default
    try:
        if control.many:
            values = [control.parse(raw.strip()) for raw in raws]
            return list(dict.fromkeys(values))
        return control.parse(raws[-1].strip())
    except ValueError:
        shown = shown_value(raws[-1])
        st.warning(t("param.invalid", name=control.param, value=shown), icon="⚠️")
        return control.default


def peek(control: Control) -> object:
    """The value ``restore`` gives the control, without setting its widget key.

    For a run that draws the control's widget later: a value set under a widget
    key in a run without that widget outlives the widget's own changes.
    """
    state = st.session_state
    if control.key in state:
        return state[control.key]
    seeded = state.setdefault(SEEDED_KEY, {})
    if control.key not in seeded:
        seeded[control.key] = from_url(control)
    return seeded[control.key]


def restore(controls: Sequence[Control]) -> None:
    """Give each control its value before its widget is drawn.

    A widget that kept its state (``persist_state="session"``) keeps it; a
    control seen for the first time in this session takes the URL's value.
    """
    for control in controls:
        if control.key not in st.session_state:
            st.session_state[control.key] = peek(control)


def sync_url(controls: Sequence[Control]) -> None:
    """Mirror the controls in the URL (defaults left out) and remember them."""
    seeded = st.session_state.setdefault(SEEDED_KEY, {})
    for control in controls:
        value = st.session_state.get(control.key, control.default)
        seeded[control.key] = value
        if control.many:
            wanted = [control.dump(v) for v in value or []]
        else:
            wanted = [] if value == control.default else [control.dump(value)]
        if st.query_params.get_all(control.param) == wanted:
            continue
        if wanted:
            st.query_params[control.param] = wanted if control.many else wanted[0]
        else:
            del st.query_params[control.param]


def reset(control: Control) -> None:
    """Set a control back to its default (e.g. its value left the options)."""
    st.session_state[control.key] = control.default
    st.session_state.setdefault(SEEDED_KEY, {})[control.key] = control.default
