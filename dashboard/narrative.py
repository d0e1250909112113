"""Generated narrative text of the Karte page: one paragraph from the figures."""

from __future__ import annotations

import pandas as pd

from dashboard.map_style import DECIMALS
from dashboard.texts import fmt_num, fmt_pct, t

__all__ = ["summary_text"]


def summary_text(
    districts: pd.DataFrame,
    municipalities: pd.DataFrame,
    kpis: dict,
    average: float | None,
    lang: str,
) -> str:
    """One paragraph on the rows in scope: average, top, gaps, rural share.

    ``districts`` and ``municipalities`` hold only the rows inside the filters;
    ``average`` is Saxony's initiatives per 100k under the same filters.
    """
    if not kpis["initiatives"] or districts.empty:
        return t("karte.sum.none", lang)
    scope = districts
    digits = DECIMALS["per_100k"]
    parts = [t("karte.sum.average", lang, avg=fmt_num(average, digits, lang))]
    top = scope.sort_values("per_100k", ascending=False).iloc[0]
    top_value = fmt_num(top["per_100k"], digits, lang)
    parts.append(t("karte.sum.top", lang, top=top["name"], top_value=top_value))
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
    if kpis.get("rural_share_population"):
        parts.append(
            t(
                "karte.sum.rural",
                lang=lang,
                pop=fmt_pct(kpis["rural_share_population"], 1, lang),
                ini=fmt_pct(kpis["rural_share_initiatives"], 1, lang),
            )
        )
    return " ".join(parts)
