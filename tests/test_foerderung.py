"""Page "Förderung" (AppTest), its queries, and the Kreisdossier button on Regionen."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import funding_queries as fq
from dashboard.i18n import TEXT
from deploy.replicas import APP
from sinn.db import connect


def one(db: Path, sql: str, params: list | None = None) -> tuple:
    """The first row of a query on the demo database."""
    with connect(db, read_only=True) as con:
        return con.execute(sql, params or []).fetchone()


def tables(at: AppTest, *columns: str) -> list:
    """The shown tables that hold all ``columns``, in page order (no keys there)."""
    return [f.value for f in at.dataframe if set(columns) <= set(f.value.columns)]


def table(at: AppTest, *columns: str):
    """The first shown table that holds all ``columns``."""
    found = tables(at, *columns)
    assert found, f"no table with {columns}"
    return found[0]


def eur(value: Decimal | float) -> str:
    """Whole euros as the German page writes them."""
    return f"{round(float(value)):,}".replace(",", ".")


def test_contract_facts_of_the_demo_build(demo_db: Path) -> None:
    """The ESF list is in the demo build with the figures the contract states."""
    n, total = one(demo_db, "SELECT count(*), sum(eligible_eur) FROM operations")
    assert (n, total) == (5748, Decimal("177076396.59"))
    with connect(demo_db, read_only=True) as con:
        areas = fq.funding_by_area(con, fq.FundingFilters(), "district")
        state = fq.funding_state_wide(con, fq.FundingFilters())
        municipalities = fq.funding_by_area(con, fq.FundingFilters(), "municipality")
    dresden = areas.set_index("key").loc["14612"]
    assert dresden["operations"] == 1077
    assert dresden["eligible_eur"] == 41743956.57
    assert dresden["eur_per_inhabitant"] == pytest.approx(41743956.57 / 557782)
    assert areas.set_index("key").at["14729", "operations"] == 235
    assert state["operations"] == 6
    # nothing is lost and nothing spread: areas + state-wide = the whole list
    located = round(areas["eligible_eur"].sum(), 2)
    assert Decimal(str(located)) + state["eligible_eur"] == total
    assert len(municipalities) == 419
    assert municipalities["operations"].sum() == 5742


def test_page_shows_real_figures_source_and_no_demo_notice(
    app: AppTest, demo_db: Path, assert_clean, open_page, metrics, de
) -> None:
    at = open_page(app, "foerderung")
    assert_clean(at)
    assert at.title[0].value == "Förderung"
    located, money = one(
        demo_db,
        """SELECT count(*), sum(eligible_eur) FROM operations
           WHERE district_ars IS NOT NULL""",
    )
    state_n, state_eur = one(
        demo_db,
        "SELECT count(*), sum(eligible_eur) FROM operations WHERE district_ars IS NULL",
    )
    population = one(demo_db, "SELECT sum(population) FROM municipalities")[0]
    shown = metrics(at)
    assert shown["Vorhaben mit Ort"] == de(located) == "5.742"
    assert shown["Förderfähige Ausgaben mit Ort"] == f"{eur(money)} EUR"
    assert shown["EUR je Einwohner"] == f"{float(money) / population:.2f}".replace(
        ".", ","
    )
    label = f"Gesondert: {state_n} landesweite Vorhaben ohne Ort"
    assert shown[label] == f"{eur(state_eur)} EUR" == "12.035.112 EUR"
    citation = one(demo_db, "SELECT citation FROM operation_sources")[0]
    assert citation == "Liste der Vorhaben ESF Sachsen 2014–2020, Stand 30.06.2016"
    assert f"Quelle: {citation}" in [c.value for c in at.caption]
    assert "bis zum Stand der Liste (30.06.2016) bewilligt" in at.markdown[0].value
    warnings = [w.value for w in at.warning]
    assert TEXT["demo.notice"][0] not in warnings  # real data on this page
    assert TEXT["fund.vs_demo"][0] in warnings  # but the initiatives chart is demo
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels.count("CSV") == 2 and labels.count("GeoJSON") == 1
    assert labels.count("Datenwörterbuch (CSV)") == 2
    # every operation is listed, the state-wide ones included
    assert len(table(at, "operation_id")) == 5748


def test_settlement_gap_equals_database(app: AppTest, demo_db: Path, open_page) -> None:
    at = open_page(app, "foerderung")
    rural_money, all_money = one(
        demo_db,
        """SELECT sum(o.eligible_eur) FILTER (WHERE m.degurba = 3), sum(o.eligible_eur)
           FROM operations o JOIN municipalities m ON m.ags = o.ags""",
    )
    rural_pop, pop = one(
        demo_db,
        """SELECT sum(population) FILTER (WHERE degurba = 3), sum(population)
           FROM municipalities""",
    )
    money_share = float(rural_money) / float(all_money) * 100
    pop_share = rural_pop / pop * 100
    types, kinds = (t.set_index("settlement") for t in tables(at, "gap_pp"))
    assert list(types.index) == ["städtisch", "mittel", "ländlich"]
    assert types.at["ländlich", "money_share"] == round(money_share, 1)
    assert types.at["ländlich", "population_share"] == round(pop_share, 1)
    assert types.at["ländlich", "gap_pp"] == round(money_share - pop_share, 1)
    city_money = one(
        demo_db,
        """SELECT sum(o.eligible_eur) FROM operations o
           JOIN districts d ON d.ars = o.district_ars
           WHERE d.kind = 'Kreisfreie Stadt'""",
    )[0]
    located = one(
        demo_db,
        "SELECT sum(eligible_eur) FROM operations WHERE district_ars IS NOT NULL",
    )[0]
    assert kinds.at["Kreisfreie Stadt", "money_share"] == round(
        float(city_money) / float(located) * 100, 1
    )


def test_district_filter_and_scatter(
    app: AppTest, demo_db: Path, assert_clean, open_page, metrics
) -> None:
    app.query_params["district"] = "14612"
    at = open_page(app, "foerderung")
    assert_clean(at)
    shown = metrics(at)
    assert shown["Vorhaben mit Ort"] == "1.077"
    assert shown["Förderfähige Ausgaben mit Ort"] == "41.743.957 EUR"
    places = table(at, "municipality", "population")
    assert places.iloc[0]["municipality"] == "Dresden"
    assert places.iloc[0]["operations"] == 1077
    scatter = table(at, "ars", "per_100k").set_index("ars")
    assert len(scatter) == 13  # the comparison keeps all districts
    n = one(
        demo_db,
        "SELECT count(*) FROM initiatives WHERE public AND district_ars = '14612'",
    )[0]
    assert scatter.at["14612", "initiatives"] == n
    assert scatter.at["14612", "per_100k"] == pytest.approx(n * 1e5 / 557782, abs=0.01)
    assert scatter.at["14612", "eur_per_inhabitant"] == pytest.approx(
        41743956.57 / 557782, abs=0.01
    )


def test_url_round_trip_and_invalid_values(
    app: AppTest, demo_db: Path, assert_clean, open_page, metrics, de
) -> None:
    params = {
        "fund": "ESF",
        "start_from": "2016",
        "flevel": "municipality",
        "findicator": "operations_per_100k",
    }
    app.query_params.update(params)
    at = open_page(app, "foerderung")
    assert_clean(at)
    assert at.multiselect(key="fd_fund").value == ["ESF"]
    assert at.selectbox(key="fd_level").value == "municipality"
    assert at.selectbox(key="fd_indicator").value == "operations_per_100k"
    assert at.query_params == params
    n = one(
        demo_db,
        """SELECT count(*) FROM operations
           WHERE ags IS NOT NULL AND year(start_date) >= 2016""",
    )[0]
    assert metrics(at)["Vorhaben mit Ort"] == de(n)
    guideline = at.multiselect(key="fd_guideline")
    guideline.set_value([guideline.options[0]]).run()
    assert at.query_params["guideline"] == guideline.options[0]
    at.selectbox(key="fd_level").set_value("district").run()
    assert "flevel" not in at.query_params
    bad = AppTest.from_file(str(APP), default_timeout=120)
    bad.query_params.update({"fund": "EFRE'; DROP TABLE operations; --", "flevel": "x"})
    bad = open_page(bad, "foerderung")
    assert_clean(bad)
    warnings = " ".join(w.value for w in bad.warning)
    assert "fund=EFRE" in warnings and "flevel=x" in warnings
    assert "fund" not in bad.query_params and "flevel" not in bad.query_params
    assert one(demo_db, "SELECT count(*) FROM operations")[0] == 5748


def test_english_page(app: AppTest, assert_clean, open_page, metrics) -> None:
    app.query_params["lang"] = "en"
    at = open_page(app, "foerderung")
    assert_clean(at)
    assert at.title[0].value == "Funding"
    assert metrics(at)["Operations with a place"] == "5,742"
    assert "approved up to the list's date (2016-06-30)" in at.markdown[0].value


def test_regionen_offers_the_district_report(
    app: AppTest, assert_clean, open_page
) -> None:
    app.query_params["district"] = "14730"
    at = open_page(app, "regionen")
    assert_clean(at)
    buttons = {b.proto.label: b for b in at.get("download_button")}
    assert "Kreisdossier als PDF" in buttons
    assert at.selectbox(key="reg_profile").value == "14730"


def test_area_downloads_carry_geometry_source_and_dictionary(demo_db: Path) -> None:
    """GeoJSON of the 13 districts, CSV and dictionary as the page builds them."""
    from dashboard import exports
    from dashboard import queries as q
    from dashboard.i18n import t

    with connect(demo_db, read_only=True) as con:
        areas = fq.funding_by_area(con, fq.FundingFilters(), "district")
        geometries = q.map_geometries(con, "district")
        citation = fq.funding_sources(con)["citation"].iloc[0]
    frame = areas.assign(source=citation)
    features = json.loads(exports.to_area_geojson(frame, geometries))["features"]
    assert len(features) == 13
    assert {f["geometry"]["type"] for f in features} <= {"Polygon", "MultiPolygon"}
    dresden = next(
        f["properties"] for f in features if f["properties"]["key"] == "14612"
    )
    assert dresden["operations"] == 1077 and dresden["source"] == citation
    assert dresden["eligible_eur"] == 41743956.57
    csv = exports.to_csv(frame).decode("utf-8-sig")
    assert csv.count(citation) == 13
    dictionary = exports.data_dictionary(frame.columns, lambda k: t(k, lang="de"))
    sources = dict(zip(dictionary.iloc[:, 0], dictionary.iloc[:, 3], strict=True))
    assert sources["eligible_eur"] == "Liste der Vorhaben (ESF Sachsen)"
    assert sources["eur_per_inhabitant"] == "berechnet (SINN-Atlas)"


def test_funding_texts_are_in_the_ui_table() -> None:
    """The page's and the report's texts are loaded into the one UI text table."""
    import tomllib

    path = Path(__file__).parents[1] / "dashboard" / "funding_texts.toml"
    own = tomllib.loads(path.read_text(encoding="utf-8"))
    assert len(own) > 100
    for key, entry in own.items():
        assert TEXT[key] == (entry["de"], entry["en"]), key


def test_methodik_defines_funding_and_cites_the_list(
    app: AppTest, assert_clean, open_page
) -> None:
    at = open_page(app, "methodik")
    assert_clean(at)
    text = "\n".join(m.value for m in at.markdown)
    assert "Förderlücke nach Siedlungstyp" in text
    assert "| Liste der Vorhaben ESF Sachsen 2014–2020, Stand 30.06.2016 |" in text
