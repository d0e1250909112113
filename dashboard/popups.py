"""Marker popups of initiatives and events: public fields only, from a template."""

from __future__ import annotations

import pandas as pd

from dashboard.markup import missing, render, safe_url
from dashboard.texts import t

__all__ = ["event_popup", "initiative_popup"]

DESCRIPTION_CHARS = 240


def _popup(row: dict, lang: str, lines: list[tuple[str, object]], **extra) -> str:
    """Popup of one marker; ``lines`` are (label key, value), empty ones dropped."""
    return render(
        "popup.html",
        name="" if missing(row.get("name")) else row["name"],
        lines=[(t(key, lang), value) for key, value in lines if not missing(value)],
        href=safe_url(row.get("url")),
        website=t("map.popup.website", lang),
        approx=extra.get("approx", ""),
        description=extra.get("description", ""),
    )


def initiative_popup(row: dict, lang: str) -> str:
    """Popup HTML of an initiative (public fields only, all text escaped)."""
    year = row.get("start_year")
    description = row.get("description")
    if not isinstance(description, str):
        description = ""
    elif len(description) > DESCRIPTION_CHARS:
        description = description[: DESCRIPTION_CHARS - 1].rstrip() + "…"
    approx = row.get("location_precision") == "municipality"
    lines = [
        ("col.organisation", row.get("organisation")),
        ("col.theme", row.get("theme")),
        ("col.stage", row.get("stage")),
        ("col.start_year", None if missing(year) else int(year)),
        ("col.city", row.get("city")),
    ]
    return _popup(
        row,
        lang,
        lines,
        approx=t("map.popup.approx", lang) if approx else "",
        description=description,
    )


def event_popup(row: dict, lang: str) -> str:
    """Popup HTML of an event (public fields only, all text escaped)."""
    date, participants = row.get("date"), row.get("participants")
    lines = [
        ("col.type", row.get("type")),
        ("col.date", None if missing(date) else pd.Timestamp(date).date()),
        ("col.participants", None if missing(participants) else int(participants)),
        ("col.theme", row.get("theme")),
        ("col.city", row.get("city")),
    ]
    return _popup(row, lang, lines)
