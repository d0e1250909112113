"""Page "Planung": white spots, recommended sites, what if, map and CSV download.

Expected values are computed here by brute force (all pairs of municipality
centroids and points, straight line in EPSG:25833) straight from the database,
independently of geo.coverage's k-d trees.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from bench.live_server import ROOT, serve, settle, wait_for_map
from dashboard import planning
from dashboard import queries as q
from dashboard.i18n import t
from dashboard.map_data import AreaLayer, MapData, map_data
from dashboard.map_style import MapOptions
from dashboard.planning_map import build_planning_map
from dashboard.queries import Filters

R_M = 15_000.0
ARTIFACTS = ROOT / "tests" / "artifacts"
ERRORS = "[data-testid='stException'], [data-testid='stAlertContentError']"
BOM = b"\xef\xbb\xbf"
POPULATION = "Nicht erreichte Einwohner"
MUNICIPALITIES = "Nicht erreichte Gemeinden"
NASTY = "<script>alert(1)</script>"


def municipalities(con) -> pd.DataFrame:
    """All 419 municipalities with centroid and population, in AGS order."""
    sql = """SELECT m.ags, m.name, m.district_ars, m.population, m.centroid_x,
                    m.centroid_y FROM municipalities m ORDER BY m.ags"""
    return con.execute(sql).df()


def recent_events(con, months: int = 12) -> pd.DataFrame:
    """Public events of the ``months`` months up to the latest public event."""
    sql = """SELECT x, y FROM events WHERE public AND date BETWEEN
             (SELECT max(date) FROM events WHERE public) - to_months(?)
             AND (SELECT max(date) FROM events WHERE public)"""
    return con.execute(sql, [months]).df()


def points(con, events: bool = True) -> pd.DataFrame:
    """Public initiatives, plus the recent public events when ``events``."""
    frames = [con.execute("SELECT x, y FROM initiatives WHERE public").df()]
    if events:
        frames.append(recent_events(con))
    return pd.concat(frames, ignore_index=True)


def distances(mun: pd.DataFrame, pts: pd.DataFrame) -> np.ndarray:
    """All-pairs straight-line metres, municipality by point."""
    dx = mun["centroid_x"].to_numpy()[:, None] - pts["x"].to_numpy()[None, :]
    dy = mun["centroid_y"].to_numpy()[:, None] - pts["y"].to_numpy()[None, :]
    return np.hypot(dx, dy)


def reached(con, radius_m: float = R_M, **kwargs) -> tuple[pd.DataFrame, np.ndarray]:
    """Municipalities and whether a counted point lies within ``radius_m``."""
    mun = municipalities(con)
    return mun, (distances(mun, points(con, **kwargs)) <= radius_m).any(axis=1)


def greedy_sites(
    mun: pd.DataFrame, covered: np.ndarray, k: int, weights: np.ndarray | None = None
) -> tuple[list[int], list[int]]:
    """Greedy maximal covering by brute force (dense all pairs, no k-d tree).

    Each step takes the municipality whose R-circle holds the most remaining
    (weighted) demand, the first on ties; returns the chosen row positions and
    the population each newly covers.
    """
    centroids = mun.rename(columns={"centroid_x": "x", "centroid_y": "y"})
    reach = distances(mun, centroids) <= R_M
    population = mun["population"].to_numpy(dtype=float)
    demand = np.where(covered, 0.0, population * (1.0 if weights is None else weights))
    done, sites, newly = covered.copy(), [], []
    for _ in range(k):
        gains = reach.astype(float) @ demand
        best = int(np.argmax(gains))
        if gains[best] <= 0:
            break
        sites.append(best)
        newly.append(int(population[reach[best] & ~done].sum()))
        done |= reach[best]
        demand[reach[best]] = 0.0
    return sites, newly


def district_weights(con, mun: pd.DataFrame) -> np.ndarray:
    """1 / max(district LQ, 0.1) per municipality, LQ from the public rows."""
    ini = con.execute("SELECT district_ars FROM initiatives WHERE public").df()
    per_district = mun.groupby("district_ars")["population"].sum()
    count = ini.groupby("district_ars").size().reindex(per_district.index, fill_value=0)
    lq = (count / count.sum()) / (per_district / per_district.sum())
    return 1.0 / np.maximum(mun["district_ars"].map(lq).to_numpy(dtype=float), 0.1)


@pytest.fixture
def open_planung(open_page, assert_clean):
    """Open the Planung page of an AppTest and check it ran without errors."""

    def run(app: AppTest) -> AppTest:
        at = open_page(app, "planung")
        assert_clean(at)
        return at

    return run


def sites_table(at: AppTest) -> pd.DataFrame:
    """The ranked table of recommended sites (the first table of the page)."""
    return at.dataframe[0].value


def test_unreached_population_matches_brute_force(
    app: AppTest, con, de, metrics, open_planung
) -> None:
    """R = 15 km, no filters: KPIs equal the all-pairs count, with/without events."""
    at = open_planung(app)
    assert at.title[0].value == "Planung"
    mun, ok = reached(con)
    shown = metrics(at)
    assert shown[POPULATION] == de(int(mun["population"][~ok].sum()))
    assert shown[MUNICIPALITIES] == f"{int((~ok).sum())} von 419"
    captions = " ".join(c.value for c in at.caption)
    assert "Luftlinie" in captions and "15 km" in captions
    at.toggle(key="plan_events_count").set_value(False).run()
    mun, ok = reached(con, events=False)
    assert metrics(at)[POPULATION] == de(int(mun["population"][~ok].sum()))
    at.slider(key="plan_radius").set_value(25).run()
    mun, ok = reached(con, 25_000, events=False)
    assert metrics(at)[POPULATION] == de(int(mun["population"][~ok].sum()))
    by_district = at.dataframe[1].value
    assert len(by_district) == 13
    assert by_district["unreached_population"].sum() == mun["population"][~ok].sum()
    assert at.dataframe[2].value["population"].sum() == 4_038_131


def test_recommended_sites_match_recommender(app: AppTest, con, open_planung) -> None:
    """k rows, cumulative coverage rising, sites as the brute-force greedy picks."""
    at = open_planung(app)
    table = sites_table(at)
    assert list(table["rank"]) == [1, 2, 3, 4, 5]
    assert table["cumulative_population"].is_monotonic_increasing
    assert (table["new_population"] > 0).all()
    assert table["cumulative_population"].iloc[-1] == table["new_population"].sum()
    mun, ok = reached(con)
    sites, newly = greedy_sites(mun, ok, 5)
    assert list(table["new_population"]) == newly
    assert list(table["municipality"]) == mun["name"].iloc[sites].tolist()
    at.slider(key="plan_k").set_value(3).run()
    assert len(sites_table(at)) == 3


def test_gap_weighting_and_skipping_recent_events(
    app: AppTest, con, assert_clean, open_planung
) -> None:
    """Weighted ranking uses 1/max(district LQ, 0.1); skipped sites stay away."""
    at = open_planung(app)
    at.toggle(key="plan_weighted").set_value(True).run()
    mun, ok = reached(con)
    sites, _newly = greedy_sites(mun, ok, 5, district_weights(con, mun))
    assert list(sites_table(at)["municipality"]) == mun["name"].iloc[sites].tolist()
    at.toggle(key="plan_skip_recent").set_value(True).run()
    assert_clean(at)
    recent = recent_events(con)
    assert len(recent) > 0
    chosen = mun[mun["name"].isin(sites_table(at)["municipality"])]
    assert len(chosen) == 5 and (distances(chosen, recent) > R_M).all()


def test_what_if_changes_unreached_by_exact_amount(
    app: AppTest, con, assert_clean, de, metrics, open_planung
) -> None:
    """A planned event newly covers the unreached population within R of it."""
    at = open_planung(app)
    mun, ok = reached(con)
    before = int(mun["population"][~ok].sum())
    # Crottendorf (Erzgebirge) lies in a white spot of the demo data.
    site = mun[mun["name"] == "Crottendorf"]
    assert len(site) == 1
    near = distances(mun, site.rename(columns={"centroid_x": "x", "centroid_y": "y"}))
    newly = int(mun["population"][~ok & (near[:, 0] <= R_M)].sum())
    assert newly > 0
    at.multiselect(key="plan_planned").set_value([site["ags"].iloc[0]]).run()
    assert_clean(at)
    shown = metrics(at)
    assert shown[POPULATION] == de(before - newly)
    assert shown["Neu erreicht durch Planung"] == de(newly)
    delta = next(m for m in at.metric if m.label == POPULATION).proto.delta
    assert delta == f"-{de(newly)} durch Planung"
    assert "Crottendorf" not in list(sites_table(at)["municipality"])


def test_district_filter_limits_scope(
    app: AppTest, con, de, metrics, open_planung
) -> None:
    """With one district, only its municipalities count and host the sites."""
    app.query_params["district"] = "14521"
    at = open_planung(app)
    mun, ok = reached(con)
    inside = (mun["district_ars"] == "14521").to_numpy()
    shown = metrics(at)
    assert shown[POPULATION] == de(int(mun["population"][inside & ~ok].sum()))
    assert shown[MUNICIPALITIES] == f"{int((inside & ~ok).sum())} von {inside.sum()}"
    names = set(mun.loc[inside, "name"])
    assert set(sites_table(at)["district_name"]) == {"Erzgebirgskreis"}
    assert set(sites_table(at)["municipality"]) <= names


def test_english_labels(app: AppTest, metrics, open_planung) -> None:
    """``lang=en``: title, KPI labels, notes and table headers in English."""
    app.query_params["lang"] = "en"
    at = open_planung(app)
    assert at.title[0].value == "Planning"
    assert {"Unreached population", "Unreached municipalities"} <= set(metrics(at))
    assert "straight-line distance" in " ".join(c.value for c in at.caption)
    assert [s.value for s in at.main.subheader] == [
        "Recommended event locations",
        "Unreached by district",
        "Unreached by settlement type",
    ]
    assert at.slider(key="plan_radius").label == "Radius R (km, straight line)"
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["List as CSV"]


def test_sites_csv_for_excel(con) -> None:
    """The download: UTF-8 BOM, ``;``, translated headers, one row per site."""
    f = Filters()
    result = planning.plan(
        q.planning_municipalities(con, f),
        q.planning_points(con, f, "initiative"),
        q.planning_points(con, f, "event").iloc[0:0],
        planning.PlanSettings(k=4),
    )
    body = planning.sites_csv(result.sites, 15, lambda k: t(k, lang="de"))
    assert body.startswith(BOM)
    table = pd.read_csv(io.BytesIO(body), sep=";", decimal=",", encoding="utf-8-sig")
    assert len(table) == 4
    assert list(table.columns[:3]) == ["Rang", "Gemeindeschlüssel", "Gemeinde"]
    assert set(table["Siedlungstyp"]) <= {"städtisch", "mittel", "ländlich"}
    assert (table["Radius (km, Luftlinie)"] == 15).all()


def test_planning_map_escapes_and_stays_local(con) -> None:
    """Status layer, R-circles, legend; names escaped; maxZoom; nothing external."""
    f = Filters()
    mun = q.planning_municipalities(con, f)
    mun.loc[0, "name"] = NASTY
    result = planning.plan(
        mun,
        q.planning_points(con, f, "initiative"),
        q.planning_points(con, f, "event").iloc[0:0],
        planning.PlanSettings(k=3, planned=(mun.loc[0, "ags"],)),
    )
    base = map_data(con, f, ("municipality",))
    values = result.municipalities.rename(columns={"ags": "key"})
    md = MapData(
        [AreaLayer("municipality", values, base.areas[0].geometries)],
        base.context,
        base.bounds,
        base.initiatives,
        None,
        base.district_outlines,
    )
    sites = result.sites.assign(badge=result.sites["rank"].astype(str))
    planned = values.iloc[[0]].assign(badge="+")
    html = build_planning_map(md, MapOptions(), R_M, sites, planned).get_root().render()
    # JSON in the script escapes '&' as \u0026: the tooltip holds "&lt;script&gt;".
    assert NASTY not in html and "\\u0026lt;script\\u0026gt;alert(1)" in html
    assert html.count("sinn-site-ring") == 4 and '"radius": 15000.0' in html
    assert '"maxZoom": 18' in html
    for text in ("nicht erreicht: weiter als 15 km", "Vorschlag (Rang)", "Luftlinie"):
        assert text in html
    assert "cdn" not in html.lower() and "jquery" not in html.lower()


@pytest.fixture(scope="module")
def server(demo_db: Path, tmp_path_factory: pytest.TempPathFactory):
    """Base URL of a `streamlit run` of the app on the demo database."""
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    with serve(demo_db, log) as (url, _proc):
        yield url


@pytest.mark.browser
def test_browser_map_visible_and_csv_download(server: str, page) -> None:
    """Headless Chromium: 419 areas and 5 R-circles shown; the CSV has 5 rows."""
    page.goto(f"{server}/planung")
    frame_el, frame = wait_for_map(page, 419 + 5)  # the circles are paths as well
    settle(page)
    assert frame_el.bounding_box()["height"] > 300
    assert frame.locator(".leaflet-container").bounding_box()["height"] > 300
    assert frame.locator("path.sinn-site-ring").count() == 5
    assert frame.locator(".sinn-site").count() == 5
    assert frame.locator(".marker-cluster").count() > 0
    legend = frame.locator(".sinn-legend").filter(has_text="Erreichbarkeit")
    assert "Luftlinie, R = 15 km" in legend.inner_text()
    with page.expect_download() as download:
        page.get_by_role("button", name="Liste als CSV").click()
    body = Path(download.value.path()).read_bytes()
    assert body.startswith(BOM)
    table = pd.read_csv(io.BytesIO(body), sep=";", decimal=",", encoding="utf-8-sig")
    assert list(table["Rang"]) == [1, 2, 3, 4, 5]
    assert table["Kumuliert"].is_monotonic_increasing
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "planung_map.png"), full_page=True)
    assert page.locator(ERRORS).count() == 0, page.locator(ERRORS).all_inner_texts()
    assert page.recorder.errors == [] and page.recorder.external() == []
