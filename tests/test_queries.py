"""Query module against a real demo build; expectations recomputed with pandas."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dashboard import queries as q
from dashboard.queries import Filters
from etl.build import build
from sinn.db import connect

SAXONY_POPULATION = 4_038_131
CONTACT = {"contact_name", "contact_email", "contact_phone"}
INJECTION = "'; DROP TABLE initiatives; --"


@pytest.fixture(scope="module")
def raw(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    """The raw tables, to recompute every expectation independently."""
    frames = {
        name: con.execute(f"SELECT * EXCLUDE (geom, geom_web) FROM {name}").df()
        for name in ("municipalities", "districts")
    }
    frames["initiatives"] = con.execute("SELECT * FROM initiatives").df()
    frames["events"] = con.execute("SELECT * FROM events").df()
    return frames


def _public(raw: dict, table: str) -> pd.DataFrame:
    """Public rows joined to their municipality's settlement type."""
    rows = raw[table][raw[table]["public"]]
    return rows.merge(raw["municipalities"][["ags", "degurba"]], on="ags")


def test_demo_seed_counts(raw: dict) -> None:
    """The seeded demo build has the known sizes."""
    assert len(raw["municipalities"]) == 419
    assert len(raw["districts"]) == 13
    assert raw["municipalities"]["population"].sum() == SAXONY_POPULATION
    assert len(raw["initiatives"]) == 200 and raw["initiatives"]["public"].sum() == 190
    assert len(raw["events"]) == 70 and raw["events"]["public"].sum() == 66


def test_kpis_unfiltered(con, raw: dict) -> None:
    """KPIs equal the pandas recomputation on public rows."""
    ini, ev = _public(raw, "initiatives"), _public(raw, "events")
    mun = raw["municipalities"]
    reached = mun[mun["ags"].isin(ini["ags"])]
    k = q.kpis(con, Filters())
    assert k["initiatives"] == len(ini) == 190
    assert k["events"] == len(ev) == 66
    assert k["participants"] == ev["participants"].sum()
    assert k["municipalities_reached"] == ini["ags"].nunique()
    assert k["municipalities_total"] == 419
    assert k["districts_total"] == 13
    assert k["population_reached"] == reached["population"].sum()
    assert k["population_total"] == SAXONY_POPULATION
    rural_ini = (ini["degurba"] == 3).mean()
    rural_pop = mun.loc[mun["degurba"] == 3, "population"].sum() / SAXONY_POPULATION
    assert k["rural_share_initiatives"] == pytest.approx(rural_ini)
    assert k["rural_share_population"] == pytest.approx(rural_pop)
    assert k["rural_share_gap"] == pytest.approx(rural_ini - rural_pop)
    assert k["per_100k"] == pytest.approx(190 / SAXONY_POPULATION * 1e5)


def test_kpis_respect_every_filter(con, raw: dict) -> None:
    """Theme, partner, stage, years, settlement type and district all restrict."""
    ini = _public(raw, "initiatives")
    f = Filters(
        themes=("Bildung", "Pflege"),
        stages=("Idee", "Aufbau", "Wachstum"),
        year_from=2024,
        degurba=(2, 3),
        districts=("14522", "14729", "14612"),
    )
    sel = ini[
        ini["theme"].isin(f.themes)
        & ini["stage"].isin(f.stages)
        & (ini["start_year"] >= 2024)
        & ini["degurba"].isin(f.degurba)
        & ini["district_ars"].isin(f.districts)
    ]
    k = q.kpis(con, f)
    assert k["initiatives"] == len(sel)
    mun = raw["municipalities"]
    scope = mun[mun["degurba"].isin((2, 3)) & mun["district_ars"].isin(f.districts)]
    assert k["municipalities_total"] == len(scope)
    assert k["population_total"] == scope["population"].sum()
    partner = q.kpis(con, Filters(partners=("DRK",)))["initiatives"]
    assert partner == (ini["partner"] == "DRK").sum()


def test_injection_value_is_only_a_value(con, demo_db: Path) -> None:
    """A SQL-like filter value matches nothing and changes nothing."""
    k = q.kpis(con, Filters(themes=(INJECTION,), districts=(INJECTION,)))
    assert k["initiatives"] == 0 and k["events"] == 0
    assert q.initiatives_public(con, Filters(partners=(INJECTION,))).empty
    with connect(demo_db, read_only=True) as fresh:
        assert fresh.execute("SELECT count(*) FROM initiatives").fetchone()[0] == 200


def test_district_ranking(con, raw: dict) -> None:
    """13 rows; counts, per 100k and LQ as defined; the Saxony average."""
    ranking = q.district_ranking(con, Filters(districts=("14612",)))
    assert len(ranking) == 13
    assert ranking["population"].sum() == SAXONY_POPULATION
    assert ranking.loc[ranking["ars"] == "14729", "name"].item() == "Landkreis Leipzig"
    assert ranking.loc[ranking["ars"] == "14713", "name"].item() == "Leipzig"
    assert ranking["selected"].sum() == 1
    assert ranking.loc[ranking["selected"], "ars"].item() == "14612"
    counts = _public(raw, "initiatives").groupby("district_ars").size()
    pop = raw["districts"].set_index("ars")["population"]
    expected = counts.reindex(pop.index, fill_value=0)
    got = ranking.set_index("ars")
    assert (got["initiatives"] == expected.reindex(got.index)).all()
    per_100k = expected / pop * 1e5
    assert got["per_100k"].to_numpy() == pytest.approx(
        per_100k.reindex(got.index).to_numpy()
    )
    lq = (expected / expected.sum()) / (pop / pop.sum())
    assert got["lq"].to_numpy() == pytest.approx(lq.reindex(got.index).to_numpy())
    assert ranking["per_100k"].is_monotonic_decreasing
    average = q.saxony_average(con, Filters())
    assert average["per_100k"] == pytest.approx(190 / SAXONY_POPULATION * 1e5)
    assert average["initiatives_per_district"] == pytest.approx(190 / 13)


def test_district_statistics_follow_the_filter(con) -> None:
    """The export holds only the chosen districts."""
    stats = q.district_statistics(con, Filters(districts=("14612", "14511")))
    assert sorted(stats["ars"]) == ["14511", "14612"]
    assert "selected" not in stats.columns


def test_settlement_comparison(con, raw: dict) -> None:
    """Three settlement types whose shares add up to one."""
    comp = q.settlement_comparison(con, Filters(degurba=(3,)))
    assert list(comp["degurba"]) == [1, 2, 3]
    assert list(comp["degurba_label"]) == ["städtisch", "mittel", "ländlich"]
    assert list(comp["selected"]) == [False, False, True]
    for share in ("population_share", "initiative_share", "event_share"):
        assert comp[share].sum() == pytest.approx(1.0)
    mun = raw["municipalities"]
    assert list(comp["population"]) == list(mun.groupby("degurba")["population"].sum())
    ini = _public(raw, "initiatives").groupby("degurba").size()
    assert list(comp["initiatives"]) == list(ini.reindex([1, 2, 3], fill_value=0))


def test_municipality_statistics(con, raw: dict) -> None:
    """419 rows unfiltered; a district filter keeps its municipalities only."""
    stats = q.municipality_statistics(con, Filters())
    assert len(stats) == 419
    assert stats["initiatives"].sum() == 190
    dresden = stats.set_index("ags").loc["14612000"]
    assert dresden["district_name"] == "Dresden"
    in_district = raw["municipalities"]["district_ars"].eq("14522").sum()
    assert len(q.municipality_statistics(con, Filters(districts=("14522",)))) == (
        in_district
    )


def test_region_profile(con, raw: dict) -> None:
    """One district's figures next to Saxony's."""
    profile = q.region_profile(con, Filters(), "14612").set_index("metric")
    dresden_pop = raw["districts"].set_index("ars").loc["14612", "population"]
    assert profile.loc["population_total", "region"] == dresden_pop
    assert profile.loc["population_total", "saxony"] == SAXONY_POPULATION
    n = (_public(raw, "initiatives")["district_ars"] == "14612").sum()
    assert profile.loc["initiatives", "region"] == n
    expected_lq = (n / 190) / (dresden_pop / SAXONY_POPULATION)
    assert profile.loc["lq", "region"] == pytest.approx(expected_lq)
    assert profile.loc["lq", "saxony"] == 1.0


def test_time_series(con, raw: dict) -> None:
    """Per-year and per-quarter counts add up to the dated public rows."""
    ini, ev = _public(raw, "initiatives"), _public(raw, "events")
    per_year = q.initiatives_per_year(con, Filters())
    assert per_year["initiatives"].sum() == ini["start_year"].notna().sum()
    assert set(per_year["year"]) == set(ini["start_year"].dropna().astype(int))
    per_quarter = q.events_per_quarter(con, Filters())
    assert per_quarter["events"].sum() == ev["date"].notna().sum()
    assert per_quarter["quarter"].str.fullmatch(r"\d{4}-Q[1-4]").all()


def test_coverage_change(con, raw: dict) -> None:
    """Cumulative reach per year and the municipalities new since a year."""
    ini = _public(raw, "initiatives").dropna(subset=["start_year"])
    cov = q.coverage_by_year(con, Filters())
    first = ini.groupby("ags")["start_year"].min()
    for _, row in cov.iterrows():
        assert row["municipalities_reached"] == (first <= row["year"]).sum()
    assert cov["municipalities_reached"].is_monotonic_increasing
    since = int(cov["year"].iloc[0])
    new = q.newly_reached(con, Filters(), since)
    assert sorted(new["ags"]) == sorted(first[first > since].index)
    assert cov["municipalities_reached"].iloc[-1] - cov["municipalities_reached"].iloc[
        0
    ] == len(new)


def test_public_tables_hide_contacts_and_private_rows(con, raw: dict) -> None:
    """Public tables list public rows only and never contact columns."""
    for fn, table in (
        (q.initiatives_public, "initiatives"),
        (q.events_public, "events"),
    ):
        frame = fn(con, Filters())
        assert not CONTACT & set(frame.columns)
        private = set(raw[table].loc[~raw[table]["public"], "id"])
        assert private and not private & set(frame["id"])
        assert len(frame) == raw[table]["public"].sum()
    bildung = q.initiatives_public(con, Filters(themes=("Bildung",)))
    assert (bildung["theme"] == "Bildung").all()


def test_data_state_and_run(con) -> None:
    """Data state, the latest run and the (empty) reject report of the demo build."""
    state = q.data_state(con)
    assert state["initiatives"] == 200 and state["events"] == 70
    assert state["demo_rows"] == 270 and state["population"] == SAXONY_POPULATION
    assert q.has_demo_rows(con)
    run = q.latest_run(con)
    # 270 invented rows plus the 5,748 rows of the real ESF list of operations
    assert run["status"] == "published" and run["rows_read"] == 270 + 5748
    assert sum(run["accepted"].values()) + run["rejected"] == run["rows_read"]
    assert {i["file"] for i in run["inputs"]} == {
        "demo_initiatives.csv",
        "demo_events.csv",
        "2016-06-30_Liste_der_Vorhaben_ESF_2014-2020.csv",
    }
    assert q.rejects_by_reason(con).empty
    years = q.filter_options(con)
    assert years["year_min"] <= years["year_max"]


def test_rejects_by_reason(tmp_path: Path) -> None:
    """Rejected rows of an import are counted by reason."""
    bad = tmp_path / "initiativen.csv"
    bad.write_text(
        "name,plz,ort,thema,partner,lat,lon\n"
        ",01067,Dresden,Bildung,DRK,,\n"
        "Berliner Initiative,,,Bildung,DRK,52.52,13.40\n"
        "Irgendwo,,,Bildung,DRK,,\n"
        "Gute Initiative,01067,Dresden,Bildung,DRK,,\n",
        encoding="utf-8",
    )
    db = tmp_path / "sinn.duckdb"
    build(db, demo=False, initiatives=[bad])
    with connect(db, read_only=True) as con:
        rejects = q.rejects_by_reason(con)
        assert not q.has_demo_rows(con)
        run = q.latest_run(con)
    assert set(zip(rejects["reason"], rejects["rows"], strict=True)) == {
        ("missing_name", 1),
        ("no_location", 1),
        ("outside_saxony", 1),
    }
    assert (rejects["kind"] == "initiative").all()
    assert run["rejected"] == 3 and run["accepted"]["initiatives"] == 1
