"""Page controls: codes in widget state, kept across language switches and links."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pytest
from streamlit.proto.Metric_pb2 import Metric as MetricProto
from streamlit.testing.v1 import AppTest

from dashboard.queries import Filters, map_area_values

KARTE_LINK = {
    "level": "municipality",
    "indicator": "lq",
    "scheme": "natural_breaks",
    "basemap": "osm",
    "theme": "Bildung",
    "stage": "Idee",
    "settlement": "laendlich",
}
PLANUNG_LINK = {
    "r": "30",
    "k": "3",
    "months": "6",
    "ref": "2025-06-30",
    "events_count": "0",
    "weighted": "1",
    "skip_recent": "1",
    "planned": ["14612000", "14522080"],
}


def _karte(at: AppTest) -> dict[str, object]:
    """The Karte selectors' values."""
    keys = ("map_level", "map_indicator", "map_scheme", "map_basemap")
    return {key: at.selectbox(key=key).value for key in keys}


def _filters(at: AppTest) -> dict[str, object]:
    """The sidebar multiselects' values."""
    return {k: at.multiselect(key=k).value for k in ("f_theme", "f_stage")}


def test_language_switch_keeps_karte_and_filters(app: AppTest, assert_clean) -> None:
    """Both ways, every Karte selector and filter keeps its code; labels change."""
    app.query_params.update(KARTE_LINK)
    at = app.run()
    assert_clean(at)
    chosen = {
        "map_level": "municipality",
        "map_indicator": "lq",
        "map_scheme": "natural_breaks",
        "map_basemap": "osm",
    }
    assert _karte(at) == chosen
    assert at.selectbox(key="map_level").format_func("municipality") == "Gemeinden"
    at.radio(key="lang").set_value("en").run()
    assert_clean(at)
    assert _karte(at) == chosen
    assert at.selectbox(key="map_level").format_func("municipality") == (
        "Municipalities"
    )
    # the next interaction must not fall back to the defaults
    at.toggle(key="f_events").set_value(False).run()
    assert _karte(at) == chosen
    assert _filters(at) == {"f_theme": ["Bildung"], "f_stage": ["Idee"]}
    assert at.multiselect(key="f_settlement").value == [3]
    assert at.query_params == KARTE_LINK | {"lang": "en", "events": "0"}
    at.radio(key="lang").set_value("de").run()
    at.toggle(key="f_events").set_value(True).run()
    assert _karte(at) == chosen
    assert at.query_params == KARTE_LINK


def test_planung_link_restores_every_control(
    app: AppTest, assert_clean, open_page
) -> None:
    """A shared Planung link sets radius, k, window, switches and planned sites."""
    app.query_params.update(PLANUNG_LINK)
    at = open_page(app, "planung")
    assert_clean(at)
    assert at.slider(key="plan_radius").value == 30
    assert at.slider(key="plan_k").value == 3
    assert at.slider(key="plan_months").value == 6
    assert at.date_input(key="plan_reference").value == dt.date(2025, 6, 30)
    assert at.toggle(key="plan_events_count").value is False
    assert at.toggle(key="plan_weighted").value is True
    assert at.toggle(key="plan_skip_recent").value is True
    assert at.multiselect(key="plan_planned").value == ["14612000", "14522080"]
    assert at.query_params == PLANUNG_LINK
    at.radio(key="lang").set_value("en").run()
    assert at.multiselect(key="plan_planned").value == ["14612000", "14522080"]
    at.slider(key="plan_k").set_value(4).run()
    assert at.query_params == PLANUNG_LINK | {"k": "4", "lang": "en"}
    at.slider(key="plan_radius").set_value(15).run()  # the default leaves the URL
    assert "r" not in at.query_params


def test_regionen_link_and_invalid_values(
    app: AppTest, assert_clean, open_page
) -> None:
    """Regionen indicator, profile district and year come from the link."""
    app.query_params.update({"indicator": "lq", "profile": "14522", "since": "2023"})
    at = open_page(app, "regionen")
    assert_clean(at)
    assert at.radio(key="reg_indicator").value == "lq"
    assert at.selectbox(key="reg_profile").value == "14522"
    assert at.select_slider(key="reg_since").value == 2023
    at.radio(key="lang").set_value("en").run()
    at.radio(key="reg_indicator").set_value("initiatives").run()
    assert at.selectbox(key="reg_profile").value == "14522"
    assert at.query_params == {
        "indicator": "initiatives",
        "profile": "14522",
        "since": "2023",
        "lang": "en",
    }


def test_invalid_page_values_fall_back_with_notice(app: AppTest, open_page) -> None:
    """A value outside a control's range is dropped with a visible notice."""
    app.query_params.update({"r": "500", "k": "drei", "planned": "00000000"})
    at = open_page(app, "planung")
    shown = " ".join(w.value for w in at.warning)
    for name in ("r", "k", "planned"):
        assert f"`{name}=" in shown
    assert at.slider(key="plan_radius").value == 15
    assert at.slider(key="plan_k").value == 5
    assert at.multiselect(key="plan_planned").value == []


def _table(at: AppTest, column: str):
    """The first table with ``column``."""
    return next(d for d in at.dataframe if column in d.value.columns)


def _shown_cells(at: AppTest, column: str) -> pd.DataFrame:
    """The text the first table with ``column`` shows (its Styler's display values)."""
    data = _table(at, column).proto.arrow_data.styler.display_values
    return pa.ipc.open_stream(data).read_pandas()


@pytest.mark.parametrize("lang", ["de", "en"])
def test_table_numbers_in_page_language(
    app: AppTest, demo_db: Path, assert_clean, lang: str
) -> None:
    """Karte table: thousands, decimals and km in the page's language."""
    with duckdb.connect(str(demo_db), read_only=True) as con:
        rows = map_area_values(con, Filters(), "district").set_index("name")
    leipzig, land = rows.loc["Leipzig"], rows.loc["Landkreis Leipzig"]
    english = {
        "population": f"{int(leipzig['population']):,}",
        "per_100k": f"{leipzig['per_100k']:.2f}",
        "lq": f"{leipzig['lq']:.2f}",
    }
    # German written out here: the English form with its separators swapped
    swap = str.maketrans({",": ".", ".": ","})
    expected = (
        english if lang == "en" else {k: v.translate(swap) for k, v in english.items()}
    )
    app.query_params["lang"] = lang
    at = app.run()
    assert_clean(at)
    shown = _shown_cells(at, "nearest_km").set_index("name")
    assert shown.loc["Leipzig", list(expected)].to_dict() == expected
    km = f"{land['nearest_km']:.1f}"
    assert shown.loc["Landkreis Leipzig", "nearest_km"] == (
        km if lang == "en" else km.replace(".", ",")
    )
    # the cells keep their numbers (sorting by value), only the text is formatted
    assert _table(at, "nearest_km").value["population"].dtype.kind in "iu"


def test_foerderung_choices_survive_another_page(app: AppTest, open_page) -> None:
    """Förderung → Regionen → Förderung (URL emptied on the way) keeps every choice."""
    params = {"fund": "ESF", "start_from": "2016", "flevel": "municipality"}
    params["findicator"] = "operations_per_100k"
    app.query_params.update(params)
    at = open_page(app, "foerderung")
    at.radio(key="lang").set_value("en").run()
    assert at.selectbox(key="fd_level").value == "municipality"
    open_page(at, "regionen")
    for name in params:
        at.query_params.pop(name, None)
    at = open_page(at, "foerderung")
    assert at.multiselect(key="fd_fund").value == ["ESF"]
    assert at.slider(key="fd_years").value[0] == 2016
    assert at.selectbox(key="fd_level").value == "municipality"
    assert at.selectbox(key="fd_indicator").value == "operations_per_100k"
    assert at.query_params == params | {"lang": "en"}


def test_newly_reached_lists_what_its_title_says(app: AppTest, open_page) -> None:
    """ "Nach 2023 neu erreicht": each listed first initiative started 2024 or later."""
    app.query_params["since"] = "2023"
    at = open_page(app, "regionen")
    caption = next(c.value for c in at.caption if "neu erreichte" in c.value)
    assert caption.startswith("Nach 2023 neu erreichte Gemeinden")
    assert "Startjahr 2024 oder später" in caption
    listed = _table(at, "first_year").value
    assert not listed.empty and listed["first_year"].min() == 2024


def test_what_if_delta_has_one_minus_sign(
    app: AppTest, demo_db: Path, open_page
) -> None:
    """Planning the top suggested site lowers the unreached: "-n", no extra arrow."""
    at = open_page(app, "planung")
    top = _table(at, "municipality").value.iloc[0]
    with duckdb.connect(str(demo_db), read_only=True) as con:
        (ags,) = con.execute(
            "SELECT ags FROM municipalities WHERE name = ? ORDER BY population DESC",
            [top["municipality"]],
        ).fetchone()
    at.multiselect(key="plan_planned").set_value([ags]).run()
    metric = next(m for m in at.metric if m.label == "Nicht erreichte Einwohner")
    assert metric.delta.startswith("-") and metric.delta.count("-") == 1
    assert metric.proto.direction == MetricProto.MetricDirection.NONE


def test_reference_year_follows_a_narrower_year_filter(app: AppTest, open_page) -> None:
    """A kept reference year outside the filtered years falls back, without a notice."""
    app.query_params["since"] = "2023"
    at = open_page(app, "regionen")
    assert at.select_slider(key="reg_since").value == 2023
    at.slider(key="f_years").set_value((2024, 2025)).run()
    assert not at.exception
    options = [int(o) for o in at.select_slider(key="reg_since").options]
    assert 2023 not in options
    assert at.select_slider(key="reg_since").value == options[-1]
    assert not [w for w in at.warning if "since" in w.value]


VIEW_LINK = {"zoom": "10", "center": "51.0504,13.7373"}


def _map_view(at: AppTest) -> tuple[list | None, float | None]:
    """Centre and zoom the map component was given (``None``: its own view)."""
    (component,) = at.get("component_instance")
    args = json.loads(component.proto.json_args)
    return args["center"], args["zoom"]


def test_karte_view_link_survives_level_filter_and_language(
    app: AppTest, assert_clean
) -> None:
    """``?zoom=10&center=…`` opens the map there, in the URL and the embed code."""
    app.query_params.update(VIEW_LINK)
    at = app.run()
    assert_clean(at)
    assert not at.warning[1:]  # only the demo notice
    assert _map_view(at) == ([51.0504, 13.7373], 10)
    args = json.loads(at.get("component_instance")[0].proto.json_args)
    assert {"zoom", "center"} <= set(args["returned_objects"])  # moves come back
    (snippet,) = at.text_area  # the embed code
    assert "zoom=10&amp;center=51.0504%2C13.7373&amp;embed=true" in snippet.value
    # a new map (level, filter, language) opens at the same view
    at.selectbox(key="map_level").set_value("municipality").run()
    at.toggle(key="f_events").set_value(False).run()
    at.radio(key="lang").set_value("en").run()
    assert_clean(at)
    assert _map_view(at) == ([51.0504, 13.7373], 10)
    assert at.query_params == VIEW_LINK | {
        "level": "municipality",
        "events": "0",
        "lang": "en",
    }


def test_karte_without_view_leaves_the_url_clean(app: AppTest) -> None:
    """No link view: the map fits Saxony itself and the URL stays empty."""
    at = app.run()
    assert _map_view(at) == (None, None)
    assert not at.query_params


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("zoom", "25"),
        ("zoom", "5"),
        ("zoom", "zehn"),
        ("zoom", "nan"),
        ("center", "40.0,13.7"),  # south of the Alps
        ("center", "51.05,3.7"),  # Belgium
        ("center", "51.05"),
        ("center", "51.05,13.7,1"),
        ("center", "inf,13.7"),
    ],
)
def test_karte_invalid_view_falls_back_with_notice(
    app: AppTest, assert_clean, name: str, value: str
) -> None:
    """A zoom outside 6–18 or a centre far from Saxony: notice, Saxony's view."""
    app.query_params[name] = value
    at = app.run()
    assert_clean(at)
    assert any(f"`{name}={value}`" in w.value for w in at.warning)
    assert _map_view(at) == (None, None)
    assert name not in at.query_params


def test_karte_quarter_zoom_and_rounded_centre(app: AppTest) -> None:
    """Leaflet's quarter zoom steps survive; the centre keeps 4 decimals."""
    app.query_params.update({"zoom": "8.75", "center": "50.83264,12.92371"})
    at = app.run()
    assert _map_view(at) == ([50.83264, 12.92371], 8.75)
    assert at.query_params == {"zoom": "8.75", "center": "50.8326,12.9237"}


def test_karte_search_hit_replaces_the_view(app: AppTest, con) -> None:
    """A new search hit moves the map and the URL to the hit, zoom 11."""
    lat, lon = con.execute(
        "SELECT centroid_lat, centroid_lon FROM municipalities WHERE name = 'Görlitz'"
    ).fetchone()
    app.query_params.update(VIEW_LINK)
    at = app.run()
    at.text_input(key="map_search").input("Görlitz").run()
    assert _map_view(at) == ([lat, lon], 11)
    assert at.query_params == {"zoom": "11", "center": f"{lat:.4f},{lon:.4f}"}


@pytest.mark.parametrize(
    ("zoom", "shown"),
    [("10", ([51.0504, 13.7373], 10)), ("99", ([51.0504, 13.7373], None))],
)
def test_embed_honours_the_view_link(app: AppTest, zoom: str, shown) -> None:
    """The embed page opens at the link's zoom and centre; a bad zoom: notice."""
    app.query_params.update(VIEW_LINK | {"view": "embed", "zoom": zoom})
    at = app.run()
    assert _map_view(at) == shown
    assert any(f"`zoom={zoom}`" in w.value for w in at.warning) == (zoom == "99")


@pytest.mark.parametrize(
    ("view", "kept"),
    [
        (((51.3, 12.4), 11.25), ((51.3, 12.4), 11.25)),
        (((53.9, 10.1), 7.0), ((52.5, 11.0), 7.0)),  # Hamburg: the box's corner
        (((48.1, 16.5), 19.0), ((49.5, 16.0), 18)),
    ],
)
def test_view_kept_inside_saxonys_box(view, kept) -> None:
    """A view moved far away is kept at the edge of the box a link may carry."""
    from dashboard.app_pages.karte import clamp_view

    assert clamp_view(view) == kept
