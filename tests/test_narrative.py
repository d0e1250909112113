"""Generated text of the Karte page: filters named, German articles, rural shares."""

from __future__ import annotations

from dataclasses import replace

import duckdb
import pytest

from dashboard.narrative import in_place, summary_text
from dashboard.queries import Filters, kpis, map_area_values, saxony_average


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Erzgebirgskreis", "im Erzgebirgskreis"),
        ("Vogtlandkreis", "im Vogtlandkreis"),
        ("Landkreis Leipzig", "im Landkreis Leipzig"),
        (
            "Sächsische Schweiz-Osterzgebirge",
            "im Landkreis Sächsische Schweiz-Osterzgebirge",
        ),
        ("Mittelsachsen", "in Mittelsachsen"),
        ("Leipzig", "in Leipzig"),
    ],
)
def test_in_place_german_article(name: str, expected: str) -> None:
    assert in_place(name, "de") == expected
    assert in_place(name, "en") == f"in {name}"


def _text(con: duckdb.DuckDBPyConnection, f: Filters, lang: str = "de") -> str:
    """The summary for ``f`` as the Karte page builds it (rows inside the filters)."""
    areas = {}
    for level in ("district", "municipality"):
        frame = map_area_values(con, replace(f, districts=()), level)
        keep = frame["in_filter"].astype(bool)
        if f.districts:
            keep &= frame["district_ars"].isin(f.districts)
        areas[level] = frame[keep]
    k = kpis(con, f)
    average = saxony_average(con, f)["per_100k"]
    return summary_text(areas["district"], areas["municipality"], k, average, lang, f)


def test_text_names_filters_and_skips_rural_shares(con) -> None:
    """Rural-only: the filters are named, no "Sachsenweit", no 100 % / 100 %."""
    text = _text(con, Filters(themes=("Bildung",), degurba=(3,)))
    assert "Themenfeld Bildung; Siedlungstyp ländlich" in text
    assert "Sachsenweit" not in text and "100,0" not in text
    assert "Vergleich ländlich gegen städtisch entfällt" in text
    english = _text(con, Filters(themes=("Bildung",), degurba=(3,)), "en")
    assert "Theme Education; Settlement type rural" in english


def test_text_article_for_district(con) -> None:
    """One district chosen: "im Erzgebirgskreis", and the district is named."""
    text = _text(con, Filters(districts=("14521",)))
    assert "Am dichtesten ist das Angebot im Erzgebirgskreis (" in text
    assert "Landkreis / Kreisfreie Stadt Erzgebirgskreis" in text
    unfiltered = _text(con, Filters())
    assert unfiltered.startswith("Sachsenweit kommen ")
    assert "Am dichtesten ist das Angebot in Leipzig (" in unfiltered


def test_popup_values_in_the_ui_language() -> None:
    """Theme, stage, event type, date and participants follow the language."""
    from dashboard.popups import event_popup, initiative_popup

    initiative = {"name": "X", "theme": "Bildung", "stage": "Idee", "start_year": 2024}
    assert "Themenfeld: Bildung" in initiative_popup(initiative, "de")
    english = initiative_popup(initiative, "en")
    assert "Theme: Education" in english and "Stage: Idea" in english
    event = {
        "name": "Y",
        "type": "Netzwerktreffen",
        "date": "2025-03-07",
        "participants": 1200,
    }
    german = event_popup(event, "de")
    assert "07.03.2025" in german and "1.200" in german
    english = event_popup(event, "en")
    assert "Networking event" in english and "1,200" in english
