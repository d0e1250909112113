"""Small numbers, smoothing, labels, the PNG, embed code and the static map's title.

Unit tests on the real demo database and the map HTML (no browser needed here;
tests/test_browser_map.py looks at the same features in Chromium).
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread

from dashboard import queries as q
from dashboard.choropleth import build_map
from dashboard.export_map import export_map, main
from dashboard.map_data import map_data
from dashboard.map_png import map_png
from dashboard.map_style import GAP_COLOURS, NO_DATA, MapOptions
from dashboard.sharing import embed_snippet, embed_url
from etl.marts import METRIC_MACROS

SCHOENBACH = "14626510"  # 1 initiative, 1,073 inhabitants (district Görlitz)


def _features(html: str) -> dict[str, dict]:
    """Area features of a rendered map by key (the GeoJSON is inlined)."""
    found = re.findall(r'"id": "(\d+)", "properties": (\{[^{}]*\})', html)
    return {key: json.loads(props) for key, props in found}


def _marshall(n: np.ndarray, pop: np.ndarray) -> np.ndarray:
    """Empirical Bayes rates (Marshall 1991), written out independently of SQL."""
    b = n.sum() / pop.sum()
    s2 = max((pop * (n / pop - b) ** 2).sum() / pop.sum() - b / pop.mean(), 0.0)
    w = s2 / (s2 + b / pop) if s2 + b > 0 else np.zeros_like(pop)
    return b + w * (n / pop - b)


def test_smoothing_macro_matches_marshall(con) -> None:
    """The stored macros give Marshall's estimator, per district, for all 419."""
    assert {"eb_var", "eb_rate"} <= set(METRIC_MACROS)
    values = q.map_area_values(con, q.Filters(), "municipality")
    for _ars, group in values.groupby("district_ars"):
        n = group["initiatives"].to_numpy(float)
        pop = group["population"].to_numpy(float)
        expected = _marshall(n, pop) * 1e5
        np.testing.assert_allclose(group["per_100k_eb"], expected, rtol=1e-9)
    row = values.set_index("key").loc[SCHOENBACH]
    assert (row["initiatives"], row["population"]) == (1, 1073)
    assert row["lq"] == pytest.approx(19.807382, rel=1e-6)
    # Görlitz's municipalities vary little: Schönbach moves to the district rate.
    assert row["lq_eb"] == pytest.approx(0.946451, rel=1e-5)
    saxony = values["initiatives"].sum() / values["population"].sum() * 1e5
    assert row["lq_eb"] == pytest.approx(row["per_100k_eb"] / saxony)


def test_few_cases_flagged_in_map(con) -> None:
    """Schönbach: tooltip says few cases, the area is paler and dashed."""
    md = map_data(con, q.Filters(), ("municipality",), markers=False)
    html = build_map(md, MapOptions(indicator="lq")).get_root().render()
    feature = _features(html)[SCHOENBACH]
    assert feature["name"] == "Schönbach"
    assert feature["cases"] == "1 – wenige Fälle, Wert unsicher"
    assert feature["value"] == "19,81"
    smoothed = build_map(md, MapOptions(indicator="lq", smoothed=True))
    feature = _features(smoothed.get_root().render())[SCHOENBACH]
    assert feature["value"] == "0,95"
    leipzig = _features(html)["14713000"]
    assert leipzig["cases"] == "46"


def test_place_labels_and_search_hit(con) -> None:
    """District seats labelled; the search hit gets its own labelled mark."""
    places = q.map_places(con)
    seats = places[places["seat"]]
    # exactly one seat label per district: the Kreissitz, not the largest town
    assert sorted(seats["district_ars"]) == list(q.districts(con)["ars"])
    assert set(seats.loc[seats["district_ars"] == "14729", "name"]) == {"Borna"}
    assert set(seats.loc[seats["district_ars"] == "14730", "name"]) == {"Torgau"}
    assert {"Görlitz", "Bautzen", "Plauen", "Zwickau", "Meißen"} <= set(seats["name"])
    # the largest towns of those districts stay labelled as larger towns
    others = places[~places["seat"]]
    assert {"Markkleeberg", "Delitzsch", "Radebeul"} <= set(others["name"])
    assert others["population"].min() >= 20_000
    md = map_data(con, q.Filters(), ("district",), markers=False)
    rows = [[r.name, r.seat] for r in md.places.itertuples()]
    assert ["Borna", True] in rows and ["Markkleeberg", False] in rows
    md = map_data(con, q.Filters(), ("district",), markers=False)
    name = json.dumps("Görlitz")  # as the template's tojson writes it
    html = build_map(md, MapOptions()).get_root().render()
    assert html.count(f"{name}, true]") == 1  # place label row (major)
    assert '"sinn-hit"' not in html
    hit = (51.14, 14.97, "Görlitz")
    html = build_map(md, MapOptions(highlight=hit)).get_root().render()
    # Labelled once, as the search hit.
    assert html.count(f"{name}, true]") == 1
    assert f"[[51.14, 14.97, {name}, true]]" in html
    assert html.count('"sinn-hit"') == 1


def test_png_has_the_map_colours(con) -> None:
    """The PNG: real PNG bytes with the class colours and the grey of the cities."""
    f = q.Filters(degurba=(3,))
    md = map_data(con, f, ("district",), markers=False)
    png = map_png(md, MapOptions(indicator="lq"), "Kreise")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pixels = (imread(io.BytesIO(png))[:, :, :3] * 255).round().astype(int)
    found = {f"#{r:02x}{g:02x}{b:02x}" for r, g, b in pixels.reshape(-1, 3)}
    assert GAP_COLOURS[0] in found  # Nordsachsen: no rural initiative
    assert NO_DATA in found  # the three cities, outside the rural filter


def test_embed_code() -> None:
    """The snippet points at the embed view with the page's parameters, escaped."""
    url = embed_url(
        "https://atlas.example.org/karte?x=1",
        {"level": "municipality", "indicator": "lq", "lang": "en", "view": "x"},
    )
    assert url == (
        "https://atlas.example.org/?level=municipality&indicator=lq&lang=en"
        "&embed=true&view=embed"
    )
    snippet = embed_snippet(url, 'SINN "Atlas"')
    assert snippet.startswith('<iframe src="https://atlas.example.org/?level=')
    assert "&amp;embed=true&amp;view=embed" in snippet
    assert 'title="SINN &quot;Atlas&quot;"' in snippet and 'height="600"' in snippet


@pytest.mark.parametrize(
    ("lang", "texts"),
    [
        ("de", ["Soziale Innovation in Sachsen", "Datenstand 20", "Quellen: "]),
        ("en", ["Social innovation in Saxony", "data as of 20", "Sources: "]),
    ],
)
def test_static_map_title_date_sources(
    demo_db: Path, tmp_path: Path, lang: str, texts: list[str]
) -> None:
    """The static map (CLI, both languages) names title, indicator, date, sources."""
    out = tmp_path / f"map_{lang}.html"
    assert main(["--db", str(demo_db), "--lang", lang, "--out", str(out)]) == 0
    boxes = "\n".join(
        json.loads(s)
        for s in re.findall(r'innerHTML = ("(?:[^"\\]|\\.)*")', out.read_text())
    )
    for text in texts:
        assert text in boxes
    indicator = {"de": "Initiativen je 100.000", "en": "Initiatives per 100,000"}
    assert boxes.count(indicator[lang]) >= 2  # title box and legend
    assert export_map(demo_db, tmp_path / "again.html", lang) == tmp_path / "again.html"
