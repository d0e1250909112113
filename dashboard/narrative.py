"""Generated narrative text of the Karte page: one paragraph from the figures."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from dashboard.map_style import DECIMALS
from dashboard.queries import Filters
from dashboard.texts import fmt_num, fmt_pct, t

__all__ = ["filters_phrase", "in_place", "summary_text"]

ALL_SETTLEMENTS = 3  # degree of urbanisation has three classes


def in_place(name: str, lang: str) -> str:
    """ "in Leipzig", "im Erzgebirgskreis", "im Landkreis Leipzig" (German article)."""
    if lang != "de":
        return f"in {name}"
    if name.startswith("Landkreis ") or name.endswith("kreis"):
        return f"im {name}"
    if " " in name:  # "Sächsische Schweiz-Osterzgebirge": an adjective needs a noun
        return f"im Landkreis {name}"
    return f"in {name}"


def filters_phrase(f: Filters, district_names: dict[str, str], lang: str) -> str:
    """The active filters in words, e.g. "Themenfeld Bildung; Siedlungstyp ländlich"."""
    parts = []
    for key, values, label in (
        ("filters.theme", f.themes, "theme."),
        ("filters.partner", f.partners, ""),
        ("filters.stage", f.stages, "stage."),
        ("filters.settlement", f.degurba, "degurba."),
    ):
        if values:
            shown = [t(f"{label}{v}", lang) if label else str(v) for v in values]
            parts.append(f"{t(key, lang)} {', '.join(shown)}")
    if f.districts:
        names = [district_names.get(a, a) for a in f.districts]
        parts.append(f"{t('filters.district', lang)} {', '.join(names)}")
    if f.year_from is not None or f.year_to is not None:
        years = f"{f.year_from or '…'}–{f.year_to or '…'}"
        parts.append(f"{t('filters.years', lang)} {years}")
    return "; ".join(parts)


def summary_text(
    districts: pd.DataFrame,
    municipalities: pd.DataFrame,
    kpis: dict,
    average: float | None,
    lang: str,
    f: Filters | None = None,
) -> str:
    """One paragraph on the rows in scope: average, top, gaps, rural share.

    ``districts`` and ``municipalities`` hold only the rows inside the filters
    ``f``; ``average`` is Saxony's initiatives per 100k under the same filters
    (districts aside).
    """
    f = f or Filters()
    if not kpis["initiatives"] or districts.empty:
        return t("karte.sum.none", lang)
    scope = districts
    digits = DECIMALS["per_100k"]
    avg = fmt_num(average, digits, lang)
    names = dict(zip(districts["key"], districts["name"], strict=True))
    phrase = filters_phrase(replace(f, show_events=True), names, lang)
    if phrase:
        parts = [t("karte.sum.average_filtered", lang, avg=avg, filters=phrase)]
    else:
        parts = [t("karte.sum.average", lang, avg=avg)]
    top = scope.sort_values("per_100k", ascending=False).iloc[0]
    top_value = fmt_num(top["per_100k"], digits, lang)
    place = in_place(str(top["name"]), lang)
    parts.append(t("karte.sum.top", lang, top=place, top_value=top_value))
    below = scope[scope["per_100k"] < 0.5 * (average or 0)]
    if below.empty:
        parts.append(t("karte.sum.none_below", lang))
    else:
        names = ", ".join(
            f"{r.name} ({fmt_num(r.per_100k, digits, lang)})"
            for r in below.sort_values("per_100k").itertuples()
        )
        parts.append(t("karte.sum.below_half", lang, names=names))
    inside = municipalities
    zero = int((inside["initiatives"] == 0).sum())
    parts.append(
        t(
            "karte.sum.municipalities",
            lang=lang,
            zero=fmt_num(zero, 0, lang),
            total=fmt_num(len(inside), 0, lang),
        )
    )
    # with a settlement-type filter both shares are 100 % or 0 %: say nothing
    whole = len(set(f.degurba)) in (0, ALL_SETTLEMENTS)
    if not whole:
        parts.append(t("karte.sum.rural_filtered", lang))
    elif kpis.get("rural_share_population"):
        parts.append(
            t(
                "karte.sum.rural",
                lang=lang,
                pop=fmt_pct(kpis["rural_share_population"], 1, lang),
                ini=fmt_pct(kpis["rural_share_initiatives"], 1, lang),
            )
        )
    return " ".join(parts)
