"""Coverage, unreached population and the event-location recommender."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from pyproj import Geod

from etl.reference import build_reference
from geo.coverage import (
    coverage_problem,
    covered_mask,
    exact_best_sites,
    gap_weights,
    nearest_distances,
    recent_mask,
    recommend_sites,
    unreached_by,
    unreached_population,
    what_if,
)
from sinn.config import mirror_dir
from sinn.db import connect

SAXONY_TOTAL = 4_038_131
DRESDEN, LEIPZIG = "14612000", "14713000"

# Five points, R = 10 m, where greedy is not optimal: the centre z (index 0)
# covers the most alone, but l2 and r2 (or l1 and r2) together cover everyone.
#   l1 (-10, 10)          r1 (10, 10)
#   l2 (-10,  0)  z (0,0)  r2 (10,  0)
FIVE_X = np.array([0.0, -10.0, -10.0, 10.0, 10.0])
FIVE_Y = np.array([0.0, 10.0, 0.0, 10.0, 0.0])
FIVE_POP = np.array([1, 2, 3, 2, 3])
FIVE = coverage_problem(FIVE_X, FIVE_Y, FIVE_POP, 10.0)

# 3 x 3 grid, 1 km apart, 100 people each, R = 1 km (diagonals are out of reach).
GRID_X = np.tile([0.0, 1000.0, 2000.0], 3)
GRID_Y = np.repeat([0.0, 1000.0, 2000.0], 3)
GRID_POP = np.full(9, 100)
GRID = coverage_problem(GRID_X, GRID_Y, GRID_POP, 1000.0)


@pytest.fixture(scope="module")
def saxony() -> pd.DataFrame:
    """All 419 municipalities from the real reference tables, ordered by AGS."""
    con = connect()
    build_reference(con, mirror_dir())
    return con.execute(
        """
        SELECT ags, district_ars, degurba_label, population,
               centroid_x, centroid_y, centroid_lon, centroid_lat
        FROM municipalities ORDER BY ags
        """
    ).df()


def _xyp(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (
        frame["centroid_x"].to_numpy(),
        frame["centroid_y"].to_numpy(),
        frame["population"].to_numpy(),
    )


def _row(frame: pd.DataFrame, ags: str) -> int:
    return int(np.flatnonzero(frame["ags"].to_numpy() == ags)[0])


# --- hand-built cases -------------------------------------------------------


def test_nearest_distances_exact_values() -> None:
    d = nearest_distances([0.0, 3.0, 10.0], [0.0, 4.0, 0.0], [0.0, 10.0], [0.0, 2.0])
    np.testing.assert_allclose(d, [0.0, 5.0, 2.0])


def test_nearest_distances_without_points_is_infinite() -> None:
    d = nearest_distances([0.0, 1.0], [0.0, 1.0], [], [])
    assert np.isinf(d).all() and d.shape == (2,)


def test_recent_mask_calendar_months_and_missing_dates() -> None:
    dates = ["2025-01-01", "2024-06-30", "2024-06-29", None, "2025-07-01"]
    mask = recent_mask(dates, dt.date(2025, 6, 30), 12)
    assert mask.tolist() == [True, True, False, False, False]


def test_recent_events_feed_nearest_distance() -> None:
    ex, ey = np.array([0.0, 100.0]), np.array([0.0, 0.0])
    recent = recent_mask(["2020-01-01", "2025-05-01"], "2025-06-30", 12)
    d = nearest_distances([0.0], [0.0], ex[recent], ey[recent])
    assert d.tolist() == [100.0]


def test_covered_mask_includes_the_radius() -> None:
    mask = covered_mask(GRID_X, GRID_Y, [0.0], [0.0], 1000.0)
    assert np.flatnonzero(mask).tolist() == [0, 1, 3]


def test_unreached_population_and_grouping() -> None:
    nearest = np.array([0.0, 15_000.0, 15_000.1, np.inf])
    pop = [10, 20, 30, 40]
    assert unreached_population(pop, nearest, 15_000.0) == 70
    out = unreached_by(pop, nearest, ["a", "b", "a", "b"], 15_000.0)
    assert out.index.tolist() == ["a", "b"]
    assert out["population"].tolist() == [40, 60]
    assert out["unreached_population"].tolist() == [30, 40]
    assert out["unreached_municipalities"].tolist() == [1, 1]
    assert out["unreached_share"].tolist() == pytest.approx([0.75, 40 / 60])


def test_gap_weights() -> None:
    w = gap_weights([0.0, 0.05, 0.5, 2.0, np.nan])
    np.testing.assert_allclose(w, [10.0, 10.0, 2.0, 0.5, 10.0])


def test_greedy_best_single_site() -> None:
    plan = recommend_sites(FIVE, k=1)
    assert plan.sites.tolist() == [0]
    assert plan.population.tolist() == [7]
    assert plan.baseline_population == 0


def test_greedy_is_not_optimal_but_exact_is() -> None:
    greedy = recommend_sites(FIVE, k=2)
    exact = exact_best_sites(FIVE, k=2)
    # After z, l1/l2/r1/r2 each add 2 people: the lowest index (l1) wins the tie.
    assert greedy.sites.tolist() == [0, 1]
    assert greedy.population.tolist() == [7, 2]
    # (1, 4), (2, 3) and (2, 4) all cover 11; the smallest combination wins.
    assert exact.sites.tolist() == [1, 4]
    assert exact.population.tolist() == [5, 6]
    assert exact.total_population == 11
    assert greedy.total_demand >= (1 - 1 / math.e) * exact.total_demand


def test_greedy_stops_early_when_everyone_is_covered() -> None:
    plan = recommend_sites(FIVE, k=5)
    assert plan.sites.tolist() == [0, 1, 3]
    frame = plan.to_frame()
    assert frame["cumulative_population"].tolist() == [7, 9, 11]
    assert frame["rank"].tolist() == [1, 2, 3]


def test_covered_demand_and_excluded_candidates() -> None:
    covered = np.array([True, False, False, False, False])
    problem = coverage_problem(FIVE_X, FIVE_Y, FIVE_POP, 10.0, covered=covered)
    plan = recommend_sites(problem, k=5)
    # z's own people count as met, so the site z now adds only l2 + r2 = 6.
    assert plan.sites.tolist() == [0, 1, 3]
    assert plan.population.tolist() == [6, 2, 2]
    assert plan.baseline_population == 1

    excluded = np.array([True, False, False, False, False])
    problem = coverage_problem(FIVE_X, FIVE_Y, FIVE_POP, 10.0, excluded=excluded)
    plan = recommend_sites(problem, k=5)
    assert plan.sites.tolist() == [2, 3]
    assert plan.population.tolist() == [6, 5]


def test_weights_change_the_choice() -> None:
    weights = np.array([1.0, 10.0, 1.0, 1.0, 1.0])
    problem = coverage_problem(FIVE_X, FIVE_Y, FIVE_POP, 10.0, weights=weights)
    plan = recommend_sites(problem, k=1)
    # l2 covers z, l1, l2: 1 + 20 + 3 = 24 weighted demand, 6 people.
    assert plan.sites.tolist() == [2]
    assert plan.demand.tolist() == [24.0]
    assert plan.population.tolist() == [6]


def test_grid_ties_go_to_the_lowest_index() -> None:
    greedy = recommend_sites(GRID, k=2)
    assert greedy.sites.tolist() == [4, 1]
    assert greedy.population.tolist() == [500, 200]
    exact = exact_best_sites(GRID, k=2)
    # Corner 0 covers {0, 1, 3}, edge 5 covers {2, 4, 5, 8}: disjoint, 700.
    assert exact.sites.tolist() == [0, 5]
    assert exact.total_population == 700


def test_exact_returns_all_useful_sites_when_fewer_than_k() -> None:
    x, y = np.array([0.0, 1e6]), np.array([0.0, 0.0])
    plan = exact_best_sites(coverage_problem(x, y, [5, 0], 10.0), k=2)
    assert plan.sites.tolist() == [0]
    assert plan.population.tolist() == [5]


def test_what_if() -> None:
    covered = np.zeros(9, dtype=bool)
    covered[0] = True
    problem = coverage_problem(GRID_X, GRID_Y, GRID_POP, 1000.0, covered=covered)
    result = what_if(problem, [8])
    assert np.flatnonzero(result.newly_covered).tolist() == [5, 7, 8]
    assert result.newly_covered_population == 300
    assert np.flatnonzero(result.unreached).tolist() == [1, 2, 3, 4, 6]
    assert result.unreached_population == 500
    nothing = what_if(GRID, [])
    assert nothing.newly_covered_population == 0
    assert nothing.unreached_population == 900


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: nearest_distances([0.0, 1.0], [0.0], [], []), "x and y"),
        (lambda: nearest_distances([np.nan], [0.0], [], []), "x contains NaN"),
        (lambda: nearest_distances([0.0], [0.0], [1.0], [np.inf]), "py contains"),
        (lambda: covered_mask([0.0], [0.0], [], [], -1.0), "radius_m"),
        (lambda: recommend_sites(FIVE, k=0), "k must"),
        (lambda: exact_best_sites(FIVE, k=1.5), "k must"),
        (lambda: recommend_sites((FIVE_X, FIVE_Y), k=1), "problem must"),
        (lambda: coverage_problem(FIVE_X, FIVE_Y, FIVE_POP, -5.0), "radius_m"),
        (lambda: coverage_problem(FIVE_X, FIVE_Y, FIVE_POP, np.nan), "radius_m"),
        (lambda: coverage_problem(FIVE_X, FIVE_Y, FIVE_POP[:3]), "population"),
        (lambda: coverage_problem(FIVE_X, FIVE_Y, -FIVE_POP), "population"),
        (lambda: coverage_problem(FIVE_X, FIVE_Y, FIVE_POP, weights=[1.0]), "weights"),
        (
            lambda: coverage_problem(FIVE_X, FIVE_Y, FIVE_POP, covered=np.ones(5)),
            "covered",
        ),
        (
            lambda: coverage_problem(FIVE_X, FIVE_Y, FIVE_POP, excluded=[True]),
            "excluded",
        ),
        (lambda: what_if(FIVE, [5]), "planned"),
        (lambda: what_if(FIVE, [0.5]), "planned"),
        (lambda: recent_mask(["2025-01-01"], "2025-06-30", 0), "months"),
        (lambda: recent_mask(["2025-01-01"], None, 12), "reference"),
        (lambda: unreached_population([1, 2], [0.0, np.nan]), "nearest_m"),
        (lambda: unreached_by([1, 2], [0.0, 1.0], ["a"]), "keys"),
        (lambda: gap_weights([-1.0]), "lq"),
        (lambda: gap_weights([1.0], floor=0.0), "floor"),
        (
            lambda: exact_best_sites(GRID, k=3, max_combinations=10),
            "max_combinations",
        ),
    ],
)
def test_argument_errors_name_the_argument(call, message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        call()


# --- real reference data ----------------------------------------------------


def test_dresden_leipzig_distance_matches_geodesic(saxony: pd.DataFrame) -> None:
    x, y, _ = _xyp(saxony)
    d, le = _row(saxony, DRESDEN), _row(saxony, LEIPZIG)
    metres = nearest_distances(x[[d]], y[[d]], x[[le]], y[[le]])[0]
    lon, lat = saxony["centroid_lon"], saxony["centroid_lat"]
    geodesic = Geod(ellps="GRS80").inv(lon[d], lat[d], lon[le], lat[le])[2]
    assert metres == pytest.approx(103_063.2, abs=1.0)
    assert geodesic == pytest.approx(103_080.7, abs=1.0)
    assert metres == pytest.approx(geodesic, rel=0.01)


def test_unreached_without_initiatives_is_all_of_saxony(saxony: pd.DataFrame) -> None:
    x, y, pop = _xyp(saxony)
    nearest = nearest_distances(x, y, [], [])
    assert unreached_population(pop, nearest) == SAXONY_TOTAL
    by_type = unreached_by(pop, nearest, saxony["degurba_label"])
    assert by_type["unreached_population"].sum() == SAXONY_TOTAL
    assert (by_type["unreached_share"] == 1.0).all()


def test_unreached_with_one_initiative_in_dresden(saxony: pd.DataFrame) -> None:
    x, y, pop = _xyp(saxony)
    d = _row(saxony, DRESDEN)
    nearest = nearest_distances(x, y, x[[d]], y[[d]])
    # Independent brute force over all 419 centroid distances.
    brute = np.sqrt((x - x[d]) ** 2 + (y - y[d]) ** 2)
    np.testing.assert_allclose(nearest, brute)
    assert int(pop[brute > 15_000].sum()) == 3_315_570
    assert unreached_population(pop, nearest, 15_000) == 3_315_570
    assert int((brute <= 15_000).sum()) == 13
    by_district = unreached_by(pop, nearest, saxony["district_ars"], 15_000)
    assert by_district.loc["14612", "unreached_population"] == 0
    assert by_district["unreached_population"].sum() == 3_315_570


def test_real_recommendations_grow_monotonically(saxony: pd.DataFrame) -> None:
    x, y, pop = _xyp(saxony)
    problem = coverage_problem(x, y, pop, 15_000)
    plan = recommend_sites(problem, k=10)
    assert len(plan.sites) == 10
    assert len(set(plan.sites.tolist())) == 10
    assert (plan.population > 0).all()
    assert (np.diff(plan.to_frame()["cumulative_population"]) > 0).all()
    # Greedy gains never increase from one pick to the next.
    assert (np.diff(plan.demand) <= 0).all()
    totals = [recommend_sites(problem, k=k).total_population for k in (1, 5)]
    assert totals[0] < totals[1] < plan.total_population
    # The plan's reach agrees with an independent what-if of the same sites.
    check = what_if(problem, plan.sites)
    assert check.newly_covered_population == plan.total_population
    assert check.unreached_population == SAXONY_TOTAL - plan.total_population


def test_real_greedy_reaches_the_guarantee(saxony: pd.DataFrame) -> None:
    x, y, pop = _xyp(saxony)
    problem = coverage_problem(x, y, pop, 15_000)
    greedy = recommend_sites(problem, k=2)
    exact = exact_best_sites(problem, k=2)
    assert exact.total_population == 1_463_497
    assert greedy.total_demand >= (1 - 1 / math.e) * exact.total_demand
    assert greedy.total_demand <= exact.total_demand


def test_real_plan_skips_what_initiatives_already_cover(saxony: pd.DataFrame) -> None:
    x, y, pop = _xyp(saxony)
    cities = [_row(saxony, DRESDEN), _row(saxony, LEIPZIG)]
    covered = covered_mask(x, y, x[cities], y[cities], 15_000)
    problem = coverage_problem(x, y, pop, 15_000, covered=covered, excluded=covered)
    plan = recommend_sites(problem, k=3)
    assert plan.baseline_population == int(pop[covered].sum())
    assert not covered[plan.sites].any()
    check = what_if(problem, plan.sites)
    assert check.newly_covered_population == plan.total_population
