"""AppTest runs of the app shell and the pages Regionen, Daten, Methodik."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import queries as q
from dashboard.i18n import TEXT
from dashboard.queries import Filters
from etl.build import build
from sinn.db import connect
from sinn.vocab import THEMES

APP = str(Path(__file__).resolve().parents[1] / "dashboard" / "streamlit_app.py")
INJECTION = "'; DROP TABLE initiatives; --"


def kpis(demo_db: Path, f: Filters) -> dict:
    """The key figures straight from the query module."""
    with connect(demo_db, read_only=True) as con:
        return q.kpis(con, f)


def test_shell_german_default_with_demo_notice(app: AppTest, assert_clean) -> None:
    """German by default, the page title, the demo notice and every filter."""
    app.run()
    assert_clean(app)
    assert app.title[0].value == "Karte"
    assert any("Demo-Daten" in w.value for w in app.warning)
    assert app.radio(key="lang").value == "de"
    labels = {w.label for w in app.sidebar.multiselect}
    assert labels == {
        "Themenfeld",
        "SINN-Partner",
        "Phase",
        "Siedlungstyp",
        "Landkreis / Kreisfreie Stadt",
    }
    assert app.sidebar.slider[0].value == (2023, 2025)
    assert app.sidebar.toggle[0].value is True
    assert app.query_params == {}


def test_language_switch_to_english(
    app: AppTest, assert_clean, metrics, open_page
) -> None:
    """The radio switches every label and writes ``lang=en`` into the URL."""
    app.run()
    app.radio(key="lang").set_value("en").run()
    assert app.title[0].value == "Map"
    assert app.query_params.get("lang") == "en"
    # controlled vocabularies are labelled in English; the URL keeps the data term
    themes = app.sidebar.multiselect[0]
    assert themes.options[:3] == ["Health", "Care", "Education"]
    themes.select("Bildung").run()
    assert app.query_params.get("theme") == "Bildung"
    open_page(app, "regionen")
    assert_clean(app)
    assert app.title[0].value == "Regions"
    assert "Ranking of the districts" in [s.value for s in app.subheader]
    assert "Initiatives" in metrics(app)
    assert "Demo data (Demo-Daten)" in app.warning[0].value
    app.sidebar.multiselect[0].select("Bildung").run()  # a rerun on Regionen in English
    assert_clean(app)
    assert app.title[0].value == "Regions"


def test_regionen_shows_values(
    app: AppTest, demo_db: Path, assert_clean, de, metrics, open_page
) -> None:
    """KPIs, the 13-row ranking and the region profile of the weakest district."""
    at = open_page(app, "regionen")
    assert_clean(at)
    assert at.title[0].value == "Regionen"
    k = kpis(demo_db, Filters())
    shown = metrics(at)
    assert shown["Initiativen"] == de(k["initiatives"]) == "190"
    assert shown["Veranstaltungen"] == "66"
    assert shown["Erreichte Gemeinden"] == f"{k['municipalities_reached']} von 419"
    assert shown["Einwohner in Gemeinden mit Initiative"] == de(k["population_reached"])
    assert [s.value for s in at.subheader][:4] == [
        "Rangfolge der Kreise",
        "Städtisch – mittel – ländlich",
        "Zeitverlauf",
        "Regionsprofil",
    ]
    ranking = at.dataframe[0].value
    assert len(ranking) == 13
    assert ranking["population"].sum() == 4_038_131
    with connect(demo_db, read_only=True) as con:
        weakest = q.district_ranking(con, Filters()).iloc[-1]
        in_district = con.execute(
            "SELECT count(*) FROM municipalities WHERE district_ars = ?",
            [weakest["ars"]],
        ).fetchone()[0]
    assert at.selectbox(key="reg_profile").value == weakest["ars"]
    profile = at.dataframe[-2].value
    assert list(profile.columns) == ["Kennzahl", weakest["name"], "Sachsen"]
    assert profile.iloc[3].tolist() == [
        "Einwohner",
        de(weakest["population"]),
        de(4_038_131),
    ]
    assert len(at.dataframe[-1].value) == in_district


def test_regionen_indicator_switch(app: AppTest, assert_clean, open_page) -> None:
    """The LQ view keeps 13 rows and puts the reference line at 1."""
    at = open_page(app, "regionen")
    at.radio(key="reg_indicator").set_value("lq").run()
    assert_clean(at)
    assert len(at.dataframe[0].value) == 13


def test_daten_tables_downloads_and_run_report(
    app: AppTest, demo_db: Path, assert_clean, metrics, open_page
) -> None:
    """Public tables with row counts, downloads, statistics and the ETL report."""
    at = open_page(app, "daten")
    assert_clean(at)
    sizes = [len(d.value) for d in at.dataframe]
    assert sizes[:4] == [190, 66, 419, 13]
    for frame in (at.dataframe[0].value, at.dataframe[1].value):
        assert not {"contact_name", "contact_email", "contact_phone"} & set(frame)
    captions = [c.value for c in at.caption]
    assert any(c.startswith("190 Zeilen") for c in captions)
    assert any(c.startswith("66 Zeilen") for c in captions)
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels.count("CSV") == 4 and labels.count("GeoJSON") == 2
    assert labels.count("Datenwörterbuch (CSV)") == 4
    shown = metrics(at)
    # 270 invented rows and the 5,748 operations of the real ESF list
    assert shown["Gelesene Zeilen"] == "6.018"
    assert shown["Übernommen"] == "6.018" and shown["Zurückgewiesen"] == "0"
    inputs = at.dataframe[4].value
    assert sorted(inputs["file"]) == [
        "2016-06-30_Liste_der_Vorhaben_ESF_2014-2020.csv",
        "demo_events.csv",
        "demo_initiatives.csv",
    ]
    assert any("Keine Zeile wurde zurückgewiesen" in s.value for s in at.success)


def test_daten_hides_events_when_filtered_out(
    app: AppTest, assert_clean, open_page
) -> None:
    """``events=0`` leaves the event table out."""
    app.query_params["events"] = "0"
    at = open_page(app, "daten")
    assert_clean(at)
    assert [len(d.value) for d in at.dataframe][:3] == [190, 419, 13]
    assert any("ausgeblendet" in i.value for i in at.info)


def test_methodik_definitions_sources_attributions(
    app: AppTest, assert_clean, open_page
) -> None:
    """Definitions, data state and the required attributions are shown."""
    at = open_page(app, "methodik")
    assert_clean(at)
    text = "\n".join(m.value for m in at.markdown)
    for needle in (
        "© GeoBasis-DE / BKG 2021 (Daten verändert)",
        "Statistische Ämter des Bundes und der Länder, Zensus 2022",
        "GV-ISys, Stand 31.12.2019",
        "© OpenStreetMap-Mitwirkende",
        "https://www.govdata.de/dl-de/by-2-0",
        "ODbL",
        "Standortquotient (LQ)",
        "Luftlinie",
        "Einwohner: 4.038.131",
        "419 Gemeinden in 13 Kreisen",
    ):
        assert needle in text, needle
    assert any("is_demo" in w.value for w in at.warning)


def test_url_parameters_round_trip(
    app: AppTest, demo_db: Path, assert_clean, de, metrics, open_page
) -> None:
    """URL → widgets → filters → URL, and a widget change updates the URL."""
    params = {
        "theme": ["Bildung", "Pflege"],
        "district": ["14612", "14713"],
        "settlement": "staedtisch",
        "from": "2024",
        "events": "0",
    }
    app.query_params.update(params)
    at = open_page(app, "regionen")
    assert_clean(at)
    assert not at.warning[1:]  # only the demo notice
    assert at.multiselect(key="f_theme").value == ["Bildung", "Pflege"]
    assert at.multiselect(key="f_settlement").value == [1]
    assert at.slider(key="f_years").value == (2024, 2025)
    assert at.toggle(key="f_events").value is False
    assert at.query_params == params
    expected = kpis(
        demo_db,
        Filters(
            themes=("Bildung", "Pflege"),
            districts=("14612", "14713"),
            degurba=(1,),
            year_from=2024,
            show_events=False,
        ),
    )
    assert metrics(at)["Initiativen"] == de(expected["initiatives"])
    assert "Veranstaltungen" not in metrics(at)
    at.multiselect(key="f_theme").set_value(["Bildung"]).run()
    at.toggle(key="f_events").set_value(True).run()
    assert at.query_params["theme"] == "Bildung"
    assert "events" not in at.query_params
    at.button[0].click().run()  # reset
    assert at.query_params == {}


@pytest.mark.parametrize(
    ("name", "value"),
    [("theme", "Unsinn"), ("from", "zwanzig"), ("district", "99999"), ("lang", "fr")],
)
def test_invalid_parameter_shows_notice(
    app: AppTest, name: str, value: str, assert_clean, metrics, open_page
) -> None:
    """An invalid value is dropped with a visible warning, never an exception."""
    app.query_params[name] = value
    at = open_page(app, "regionen")
    assert_clean(at)
    assert any(f"{name}={value}" in w.value for w in at.warning)
    assert metrics(at)["Initiativen"] == "190"
    assert name not in at.query_params


def test_injection_value_changes_nothing(
    app: AppTest, demo_db: Path, assert_clean, open_page
) -> None:
    """A SQL-like value is only a rejected theme; the tables are intact."""
    app.query_params["theme"] = [INJECTION, "Bildung"]
    at = open_page(app, "daten")
    assert_clean(at)
    assert any("DROP TABLE" in w.value for w in at.warning)
    assert at.query_params["theme"] == "Bildung"
    with connect(demo_db, read_only=True) as con:
        bildung = q.kpis(con, Filters(themes=("Bildung",)))["initiatives"]
        assert con.execute("SELECT count(*) FROM initiatives").fetchone()[0] == 200
    assert len(at.dataframe[0].value) == bildung


def test_empty_result_shows_friendly_message(
    app: AppTest, demo_db: Path, assert_clean, open_page
) -> None:
    """Filters that match nothing lead to the empty-result notice."""
    with connect(demo_db, read_only=True) as con:
        theme, ars = next(
            (theme, ars)
            for theme in THEMES
            for ars in ("14511", "14612", "14713", "14730")
            if not any(
                q.kpis(con, Filters(themes=(theme,), districts=(ars,)))[k]
                for k in ("initiatives", "events")
            )
        )
    app.query_params.update({"theme": theme, "district": ars})
    at = open_page(app, "regionen")
    assert_clean(at)
    assert any(TEXT["filters.empty"][0] in i.value for i in at.info)
    assert not at.dataframe


def test_embed_view_has_no_sidebar_filters(app: AppTest) -> None:
    """``?view=embed`` renders without the sidebar filters and page title."""
    app.query_params["view"] = "embed"
    app.run()
    assert not app.exception
    assert not app.sidebar.multiselect and not app.title


def test_missing_database_message(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """Without a database the app says how to build one."""
    monkeypatch.setenv("SINN_DB", str(tmp_path / "fehlt.duckdb"))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert "python -m etl build --demo" in at.error[0].value


def _count_app() -> None:
    """A one-line app showing the number of initiatives in the database."""
    import streamlit as st

    from dashboard import data

    st.markdown(f"n={data.data_state()['initiatives']}")


def test_new_build_is_picked_up_without_restart(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Replacing the database file invalidates the cached connection and queries."""
    db = tmp_path / "sinn.duckdb"
    build(db, demo=True)
    monkeypatch.setenv("SINN_DB", str(db))
    at = AppTest.from_function(_count_app, default_timeout=60).run()
    assert at.markdown[0].value == "n=200"
    extra = tmp_path / "neu.csv"
    extra.write_text("name,plz,ort,thema\nNeue Initiative,01067,Dresden,Bildung\n")
    build(db, demo=True, initiatives=[extra])
    at.run()
    assert at.markdown[0].value == "n=201"
