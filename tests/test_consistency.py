"""Map values, tables, CSV download and static export agree with pandas.

The expectations are recomputed here from the raw public rows of the demo
build (``initiatives``, ``events``, ``municipalities``), independently of the
marts and macros that the dashboard sums.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from dashboard import exports
from dashboard import queries as q
from dashboard.export_map import export_map
from etl.checks import CheckFailed, declared_checks, run_checks
from sinn.db import connect

FILTER_SETS = {
    "none": q.Filters(),
    "theme": q.Filters(themes=("Bildung",)),
    "partner_years": q.Filters(
        partners=("Caritas", "DRK"), year_from=2024, year_to=2025
    ),
    "rural": q.Filters(degurba=(3,)),
    "district": q.Filters(districts=("14612",)),
    "nothing": q.Filters(themes=("Katastrophenschutz",), year_from=1990, year_to=1990),
}
# folium writes each feature with sorted keys: geometry, id, properties, type
FEATURE = re.compile(r'"id": "(\d+)", "properties": (\{[^{}]*\})')


@pytest.fixture(scope="module")
def raw(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    """The raw rows and the municipalities, read without marts or macros."""
    mun = con.execute(
        "SELECT ags, district_ars, degurba, population, centroid_x, centroid_y "
        "FROM municipalities ORDER BY ags"
    ).df()
    ini = con.execute("SELECT * FROM initiatives").df()
    ev = con.execute("SELECT * FROM events").df()
    return {"mun": mun, "ini": ini, "ev": ev}


def _thematic(
    rows: pd.DataFrame, f: q.Filters, year: pd.Series, stage: bool
) -> pd.Series:
    """Mask of public rows matching theme, partner, stage and year filters."""
    mask = rows["public"].astype(bool)
    for column, values in (("theme", f.themes), ("partner", f.partners)):
        if values:
            mask &= rows[column].isin(values)
    if stage and f.stages:
        mask &= rows["stage"].isin(f.stages)
    if f.year_from is not None:
        mask &= year >= f.year_from
    if f.year_to is not None:
        mask &= year <= f.year_to
    return mask.fillna(False).astype(bool)


def expected(raw: dict, f: q.Filters) -> dict[str, pd.DataFrame]:
    """Per-municipality and per-district expectations recomputed with pandas."""
    mun, ini, ev = raw["mun"].copy(), raw["ini"], raw["ev"]
    ini = ini[_thematic(ini, f, ini["start_year"], True)]
    ev = ev[_thematic(ev, f, pd.to_datetime(ev["date"]).dt.year, False)]
    mun["initiatives"] = mun["ags"].map(ini.groupby("ags").size()).fillna(0)
    mun["events"] = mun["ags"].map(ev.groupby("ags").size()).fillna(0)
    mun["per_100k"] = mun["initiatives"] * 1e5 / mun["population"]
    scope = mun[mun["degurba"].isin(f.degurba)] if f.degurba else mun
    n_total, pop_total = scope["initiatives"].sum(), scope["population"].sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        lq = (mun["initiatives"] / n_total) / (mun["population"] / pop_total)
    mun["lq"] = lq if n_total else np.nan
    # brute force over all pairs: no k-d tree, no shared helper
    if len(ini):
        dx = mun["centroid_x"].to_numpy()[:, None] - ini["x"].to_numpy()[None, :]
        dy = mun["centroid_y"].to_numpy()[:, None] - ini["y"].to_numpy()[None, :]
        mun["nearest_km"] = np.sqrt(dx**2 + dy**2).min(axis=1) / 1000
    else:
        mun["nearest_km"] = np.nan
    dis = scope.groupby("district_ars")[["initiatives", "events", "population"]].sum()
    dis["per_100k"] = dis["initiatives"] * 1e5 / dis["population"]
    dis["lq"] = (dis["initiatives"] / n_total) / (dis["population"] / pop_total)
    if not n_total:
        dis["lq"] = np.nan
    return {"mun": mun.set_index("ags"), "dis": dis}


def _check(actual: pd.DataFrame, want: pd.DataFrame, columns: list[str]) -> None:
    """Exact equality (NaN = NaN) of ``columns``, aligned on the index."""
    for column in columns:
        got = actual[column].astype(float)
        exp = want.loc[actual.index, column].astype(float)
        np.testing.assert_array_equal(got.to_numpy(), exp.to_numpy(), err_msg=column)


@pytest.mark.parametrize("name", list(FILTER_SETS))
def test_views_agree_with_pandas(con, raw: dict, name: str, tmp_path: Path) -> None:
    """Map values, tables, CSV and static export equal the recomputation."""
    f = FILTER_SETS[name]
    want = expected(raw, f)
    in_scope = want["mun"]["degurba"].isin(f.degurba) if f.degurba else True
    if f.districts:
        in_scope = in_scope & want["mun"]["district_ars"].isin(f.districts)
    shown = want["mun"][in_scope] if f.degurba or f.districts else want["mun"]
    metrics = ["initiatives", "events", "per_100k", "lq"]

    map_mun = q.map_area_values(con, f, "municipality").set_index("key")
    assert len(map_mun) == 419
    _check(map_mun, want["mun"], [*metrics, "nearest_km"])
    map_dis = q.map_area_values(con, f, "district").set_index("key")
    # All 13 stay on the map; those without population in scope are marked outside.
    assert len(map_dis) == 13
    map_dis = map_dis[map_dis["in_filter"]]
    assert sorted(map_dis.index) == sorted(want["dis"].index)  # districts in scope
    _check(map_dis, want["dis"], metrics)

    table = q.municipality_statistics(con, f).set_index("ags")
    assert sorted(table.index) == sorted(shown.index)
    _check(table, want["mun"], metrics)
    districts = q.district_statistics(con, f).set_index("ars")
    assert sorted(districts.index) == sorted(f.districts or want["dis"].index)
    _check(districts, want["dis"], metrics)

    csv = pd.read_csv(
        io.BytesIO(exports.to_csv(table.reset_index())),
        sep=";",
        decimal=",",
        dtype={"ags": str},
        encoding="utf-8-sig",
    )
    _check(csv.set_index("ags"), want["mun"], metrics)

    html = export_map(con_path(con), tmp_path / "map.html", "en", f).read_text("utf-8")
    found = [(key, json.loads(props)) for key, props in FEATURE.findall(html)]
    # area features (borders have no properties)
    values = {key: props["value"] for key, props in found if "value" in props}
    assert len(values) == 13 + 419  # districts outside the scope: grey, explained
    outside = set(values) - set(want["dis"].index) - set(want["mun"].index)
    assert all(values[k] == "outside the filter selection" for k in outside)
    for key, per_100k in want["mun"]["per_100k"].items():
        assert values[key] == f"{per_100k:,.1f}", key
    for key, per_100k in want["dis"]["per_100k"].items():
        assert values[key] == f"{per_100k:,.1f}", key
    kpis = q.kpis(con, f)
    assert kpis["initiatives"] == shown["initiatives"].sum()
    assert kpis["events"] == shown["events"].sum()


def con_path(con: duckdb.DuckDBPyConnection) -> Path:
    """The file behind a connection (the static export opens its own)."""
    return Path(
        con.execute(
            "SELECT path FROM duckdb_databases() WHERE NOT internal "
            "AND database_name = current_database()"
        ).fetchone()[0]
    )


def test_nothing_matches_is_empty(con) -> None:
    """The filter set matching nothing gives zeros and undefined ratios, no error."""
    k = q.kpis(con, FILTER_SETS["nothing"])
    assert k["initiatives"] == 0 and k["per_100k"] == 0.0
    assert k["rural_share_initiatives"] is None
    values = q.map_area_values(con, FILTER_SETS["nothing"], "municipality")
    assert values["lq"].isna().all() and values["nearest_km"].isna().all()


def test_year_ranges_come_from_public_rows(con) -> None:
    """Year slider and Methodik ranges ignore non-public rows (issue 13.8)."""
    public_years = con.execute(
        "SELECT min(y), max(y) FROM (SELECT start_year AS y FROM initiatives "
        "WHERE public UNION ALL SELECT year(date) FROM events WHERE public)"
    ).fetchone()
    options = q.filter_options(con)
    assert (options["year_min"], options["year_max"]) == public_years
    last_public = con.execute("SELECT max(date) FROM events WHERE public").fetchone()[0]
    last_any = con.execute("SELECT max(date) FROM events").fetchone()[0]
    state = q.data_state(con)
    assert state["last_event_date"] == last_public
    assert last_public < last_any  # the demo hides its latest event


def test_metric_macros_are_stored_in_the_database(con) -> None:
    """The published file carries each metric macro (NULL when undefined)."""
    row = con.execute(
        "SELECT per_100k(3, 200000), lq(1, 10, 5, 100), lq(1, 0, 5, 100), "
        "share(1, 4), share(1, 0), per_inhabitant(50, 10), gap_pp(0.3, 0.25)"
    ).fetchone()
    assert row[:6] == (1.5, 2.0, None, 0.25, None, 5.0)
    assert float(row[6]) == pytest.approx(5.0)


def test_build_checks_reconcile_marts_with_rows(demo_db: Path, tmp_path: Path) -> None:
    """A fact table that no longer sums to the public rows fails the data checks."""
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(demo_db.read_bytes())
    with connect(copy) as con:
        assert len(run_checks(con)) == len(declared_checks())
        con.execute(
            "DELETE FROM event_facts WHERE rowid = (SELECT min(rowid) FROM event_facts)"
        )
        with pytest.raises(CheckFailed, match="event_facts.events sums the public"):
            run_checks(con)
