"""Legend HTML of the maps (area classes, markers, planning), from templates."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from dashboard.classification import Classification
from dashboard.map_style import (
    DECIMALS,
    FEW_CASES,
    NO_DATA,
    PLAN_COLOURS,
    PLANNED_COLOUR,
    SITE_COLOUR,
    MapOptions,
    check_colour,
    smoothed,
    theme_colour,
)
from dashboard.markup import missing, render
from dashboard.texts import fmt_num, t

__all__ = [
    "AreaMarks",
    "legend_html",
    "marker_legend_html",
    "number",
    "plan_legend_html",
]


@dataclass(frozen=True)
class Row:
    """One legend row: symbol class, its inline style and the text."""

    symbol: str
    text: str
    style: str = ""


def swatch(colour: str, text: str) -> Row:
    """A colour swatch row (``colour`` must be ``#rrggbb``)."""
    return Row("sinn-swatch", text, f"background:{check_colour(colour)}")


def ring(colour: str, text: str, dashed: bool = False) -> Row:
    """A circle outline row, dashed for planned events."""
    style = f"border-color:{check_colour(colour)}"
    return Row("sinn-ring", text, style + (";border-style:dashed" if dashed else ""))


def number(value: object, decimals: int, lang: str) -> str:
    """Formatted number (language separators), "–" when missing."""
    return "–" if missing(value) else fmt_num(float(value), decimals, lang)


def _class_label(
    cls: Classification, i: int, digits: int, lang: str, zero: str = ""
) -> str:
    """ "from – to (count)" of class ``i`` using the values that fell into it.

    ``zero`` names a class holding only zeros (e.g. "no initiative").
    """
    low, high = cls.mins[i], cls.maxs[i]
    if low is None:  # empty class (equal intervals): show its bounds
        low = cls.bins[i - 1] if i else cls.bins[0]
        high = cls.bins[i]
    text = "0" if low == high == 0 else number(low, digits, lang)
    if number(high, digits, lang) != text and high != low:
        text += f" – {number(high, digits, lang)}"
    if zero and low == high == 0:
        text = f"{text} – {zero}"
    return f"{text} ({cls.counts[i]})"


@dataclass(frozen=True)
class AreaMarks:
    """How many areas are drawn grey (outside the filter) or as few cases."""

    outside: int = 0
    few: int = 0
    cases: str = "initiatives"  # what the flagged rates count (a ``col.`` key)


def legend_parts(
    cls: Classification, opts: MapOptions, level: str, marks: AreaMarks = AreaMarks()
) -> tuple[str, list[Row], list[str]]:
    """Title, rows and notes of a choropleth legend (map and PNG share them)."""
    lang = opts.lang
    digits = DECIMALS[opts.indicator]
    zero = "" if opts.indicator == "nearest_km" else t("map.legend.none", lang)
    rows = [
        swatch(colour, _class_label(cls, i, digits, lang, zero))
        for i, colour in enumerate(cls.colours)
    ]
    if marks.few:
        what = t(f"col.{marks.cases}", lang)
        what = what if lang == "de" else what.lower()
        text = t("map.legend.few", lang, n=FEW_CASES, what=what)
        rows.append(Row("sinn-swatch sinn-few", f"{text} ({marks.few})"))
    if marks.outside:
        text = t("map.legend.outside", lang)
        rows.append(swatch(NO_DATA, f"{text} ({marks.outside})"))
    if not cls.bins:
        rows.append(swatch(NO_DATA, t("map.legend.no_data", lang)))
    scheme = t(f"map.scheme.{opts.scheme}", lang)
    areas = t(f"map.level.{level}", lang)
    areas = areas if lang == "de" else areas.lower()  # German nouns keep capitals
    notes = [
        t("map.legend.classes", lang, scheme=scheme),
        t("map.legend.counts", lang, areas=areas),
    ]
    if opts.indicator == "lq":
        notes.append(t("map.legend.lq_note", lang))
    if opts.indicator == "nearest_km" and level == "district":
        notes.append(t("map.legend.km_district", lang))
    if smoothed(opts, level):
        notes.append(t("map.legend.smoothed", lang))
    return t(f"map.legend.{opts.indicator}", lang), rows, notes


def legend_html(
    cls: Classification, opts: MapOptions, level: str, marks: AreaMarks = AreaMarks()
) -> str:
    """Legend of a choropleth: title with unit, one row per class, notes."""
    title, rows, notes = legend_parts(cls, opts, level, marks)
    return render("legend.html", title=title, rows=rows, notes=notes)


def marker_legend_html(themes: Iterable[str], with_events: bool, lang: str) -> str:
    """Legend of the markers: theme colours and the event symbol."""
    rows = [
        Row("sinn-dot", t(f"theme.{theme}", lang), f"background:{theme_colour(theme)}")
        for theme in themes
    ]
    if with_events:
        rows.append(Row("sinn-square", t("map.legend.event", lang)))
    return render("marker_legend.html", title=t("map.legend.markers", lang), rows=rows)


def plan_legend_html(
    radius_km: float,
    statuses: Iterable[str],
    with_sites: bool,
    with_planned: bool,
    lang: str,
) -> str:
    """Legend of the planning map: reach status per municipality and site circles."""
    r = number(radius_km, 0, lang)
    present = set(statuses)
    rows = [
        swatch(colour, t(f"plan.legend.{status}", lang, r=r))
        for status, colour in PLAN_COLOURS.items()
        if status in present
    ]
    if with_sites:
        rows.append(ring(SITE_COLOUR, t("plan.legend.site", lang, r=r)))
    if with_planned:
        rows.append(ring(PLANNED_COLOUR, t("plan.legend.planned", lang, r=r), True))
    title = t("plan.legend.title", lang, r=r)
    return render(
        "legend.html", title=title, rows=rows, notes=[t("plan.legend.note", lang)]
    )
