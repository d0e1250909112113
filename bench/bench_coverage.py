"""Benchmark the event-location recommender on Saxony's 419 municipalities.

Times the greedy maximal-covering recommender (k = 10, R = 15 km, demand =
population) against the exhaustive exact search for k = 2 in the same process,
and checks greedy k = 2 against the (1 - 1/e) guarantee. Run from the project
root: ``.venv/bin/python -m bench.bench_coverage`` (target: k = 10 under 1 s).
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from etl.reference import build_reference
from geo.coverage import (
    coverage_problem,
    exact_best_sites,
    recommend_sites,
)
from sinn.config import mirror_dir
from sinn.db import connect

ROOT = Path(__file__).resolve().parents[1]

RADIUS_M = 15_000.0
RUNS = 7


def median_seconds(func: Callable[[], object], runs: int = RUNS) -> float:
    """Median wall time of ``runs`` calls of ``func``."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    """Load the reference tables in memory, time both searches and print figures."""
    con = connect()
    build_reference(con, mirror_dir())
    x, y, pop = (
        con.execute(
            "SELECT centroid_x, centroid_y, population FROM municipalities ORDER BY ags"
        )
        .df()
        .to_numpy()
        .T
    )
    # Timed end to end: building the coverage is part of every dashboard request.
    greedy_s = median_seconds(
        lambda: recommend_sites(coverage_problem(x, y, pop, RADIUS_M), k=10)
    )
    exact_s = median_seconds(
        lambda: exact_best_sites(coverage_problem(x, y, pop, RADIUS_M), k=2), 3
    )
    problem = coverage_problem(x, y, pop, RADIUS_M)
    greedy2 = recommend_sites(problem, k=2).total_demand
    exact2 = exact_best_sites(problem, k=2).total_demand
    fraction = greedy2 / exact2
    bound = 1 - 1 / math.e
    print(f"candidates: {len(x)}, R = {RADIUS_M / 1000:.0f} km, demand = population")
    print(f"greedy k=10 (median of {RUNS}): {greedy_s * 1000:.2f} ms")
    print(
        f"exact  k=2  (median of 3, {math.comb(len(x), 2):,} pairs): "
        f"{exact_s * 1000:.1f} ms"
    )
    print(f"ratio exact k=2 / greedy k=10: {exact_s / greedy_s:.1f}x")
    print(f"greedy k=10 under 1 s: {greedy_s < 1.0}")
    print(
        f"greedy k=2 covers {greedy2:,.0f} of exact {exact2:,.0f} "
        f"= {fraction:.4f}; >= 1 - 1/e ({bound:.4f}): {fraction >= bound}"
    )


if __name__ == "__main__":
    main()
