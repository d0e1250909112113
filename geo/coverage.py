"""Distances, unreached population and event-location planning (maximal covering).

All coordinates are EPSG:25833 metres and all distances are straight-line
(Euclidean in the projected CRS), not travel distances: no routing engine is
available offline. Demand points and candidate sites are the same municipality
centroids; a demand point is *covered* by a site or initiative at distance
``<= radius_m`` and *unreached* when the nearest one is farther than that.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import sparse
from scipy.spatial import cKDTree

__all__ = [
    "DEFAULT_RADIUS_M",
    "CoverageProblem",
    "SitePlan",
    "WhatIf",
    "nearest_distances",
    "recent_mask",
    "covered_mask",
    "unreached_population",
    "unreached_by",
    "gap_weights",
    "coverage_problem",
    "recommend_sites",
    "exact_best_sites",
    "what_if",
]

#: Default reach of an initiative or event (15 km, DESIGN.md).
DEFAULT_RADIUS_M = 15_000.0
# Exhaustive search beyond this many combinations would take minutes, not seconds.
_MAX_COMBINATIONS = 2_000_000
_CHUNK = 8192


@dataclass(frozen=True)
class SitePlan:
    """Chosen sites in order with what each one newly covers.

    Attributes
    ----------
    sites
        Candidate (municipality) indices in the order they were chosen.
    demand
        Weighted demand newly covered by each site.
    population
        Population newly covered by each site.
    baseline_population
        Population already covered before any site was chosen.
    """

    sites: NDArray[np.intp]
    demand: NDArray[np.float64]
    population: NDArray[np.int64]
    baseline_population: int

    @property
    def total_demand(self) -> float:
        """Weighted demand covered by all chosen sites together."""
        return float(self.demand.sum())

    @property
    def total_population(self) -> int:
        """Population newly covered by all chosen sites together."""
        return int(self.population.sum())

    def to_frame(self) -> pd.DataFrame:
        """One row per site: rank, index, newly covered and cumulative figures."""
        return pd.DataFrame(
            {
                "rank": np.arange(1, len(self.sites) + 1),
                "site": self.sites,
                "demand": self.demand,
                "population": self.population,
                "cumulative_demand": np.cumsum(self.demand),
                "cumulative_population": np.cumsum(self.population),
            }
        )


@dataclass(frozen=True)
class WhatIf:
    """Effect of planned sites on top of the existing coverage.

    Attributes
    ----------
    newly_covered
        Municipalities unreached before and covered by a planned site.
    newly_covered_population
        Their population.
    unreached
        Municipalities still unreached with the planned sites.
    unreached_population
        Their population.
    """

    newly_covered: NDArray[np.bool_]
    newly_covered_population: int
    unreached: NDArray[np.bool_]
    unreached_population: int


def _coords(x: ArrayLike, y: ArrayLike, names: tuple[str, str]) -> NDArray:
    """Return an ``(n, 2)`` float array, checking shape and finiteness."""
    xs = np.asarray(x, dtype=float)
    ys = np.asarray(y, dtype=float)
    for arr, name in ((xs, names[0]), (ys, names[1])):
        if arr.ndim != 1:
            raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
        if not np.isfinite(arr).all():
            raise ValueError(f"{name} contains NaN or infinite coordinates")
    if xs.shape != ys.shape:
        raise ValueError(
            f"{names[0]} and {names[1]} differ in shape: {xs.shape} vs {ys.shape}"
        )
    return np.column_stack([xs, ys])


def _per_point(values: ArrayLike, n: int, name: str) -> NDArray[np.float64]:
    """Return ``values`` as a finite, non-negative float array of length ``n``."""
    arr = np.asarray(values, dtype=float)
    if arr.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), got {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    if (arr < 0).any():
        raise ValueError(f"{name} must be >= 0")
    return arr


def _mask(values: ArrayLike | None, n: int, name: str) -> NDArray[np.bool_]:
    """Return a boolean mask of length ``n`` (all False when ``values`` is None)."""
    if values is None:
        return np.zeros(n, dtype=bool)
    arr = np.asarray(values)
    if arr.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), got {arr.shape}")
    if arr.dtype != bool:
        raise TypeError(f"{name} must be a boolean mask, got dtype {arr.dtype}")
    return arr


def _radius(radius_m: float) -> float:
    """Return ``radius_m`` as float after checking it is finite and >= 0."""
    r = float(radius_m)
    if not math.isfinite(r) or r < 0:
        raise ValueError(f"radius_m must be a finite number >= 0, got {radius_m}")
    return r


def _count(value: int, name: str = "k") -> int:
    """Return ``value`` after checking it is an integer >= 1."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    return int(value)


def nearest_distances(
    x: ArrayLike, y: ArrayLike, px: ArrayLike, py: ArrayLike
) -> NDArray[np.float64]:
    """Distance in metres from each centroid to the nearest of a set of points.

    Straight-line distance in EPSG:25833 (no routing engine offline), found with
    a k-d tree rather than all pairs.

    Parameters
    ----------
    x, y
        Municipality centroids, EPSG:25833 metres.
    px, py
        Points (initiatives or events), EPSG:25833 metres; may be empty. Filter
        events by date first with :func:`recent_mask`.

    Returns
    -------
    numpy.ndarray
        One distance per centroid; ``inf`` everywhere when there are no points.
    """
    centroids = _coords(x, y, ("x", "y"))
    points = _coords(px, py, ("px", "py"))
    if len(points) == 0:
        return np.full(len(centroids), np.inf)
    # An unbalanced, non-compacted tree builds about twice as fast for a million
    # points and finds the same nearest neighbours (only the splits differ).
    tree = cKDTree(points, balanced_tree=False, compact_nodes=False)
    distances, _ = tree.query(centroids, k=1)
    return np.asarray(distances, dtype=float)


def recent_mask(dates: ArrayLike, reference: object, months: int) -> NDArray[np.bool_]:
    """Mark dates that fall in the ``months`` months up to ``reference``.

    An event counts when ``reference - months <= date <= reference`` (calendar
    months); later (planned) events and missing dates do not count.

    Parameters
    ----------
    dates
        Event dates (``datetime64``, ``date``, strings or ``None``/``NaT``).
    reference
        The reference date, e.g. the day of the ETL run.
    months
        Look-back window in calendar months, >= 1.

    Returns
    -------
    numpy.ndarray
        Boolean mask aligned with ``dates``; index the event coordinates with it
        before calling :func:`nearest_distances`.
    """
    window = _count(months, "months")
    ref = pd.Timestamp(reference)
    if pd.isna(ref):
        raise ValueError("reference must be a date, got a missing value")
    parsed = pd.DatetimeIndex(pd.to_datetime(pd.Index(dates)))
    start = ref - pd.DateOffset(months=window)
    return np.asarray((parsed >= start) & (parsed <= ref), dtype=bool)


def covered_mask(
    x: ArrayLike, y: ArrayLike, px: ArrayLike, py: ArrayLike, radius_m: float
) -> NDArray[np.bool_]:
    """Mark centroids within ``radius_m`` metres (straight line) of any point.

    Combine masks with ``|`` to build the ``covered`` input of
    :func:`recommend_sites` (e.g. initiatives or recent events).

    Parameters
    ----------
    x, y
        Municipality centroids, EPSG:25833 metres.
    px, py
        Points (initiatives or events), EPSG:25833 metres; may be empty.
    radius_m
        Reach in metres, >= 0.
    """
    r = _radius(radius_m)
    return nearest_distances(x, y, px, py) <= r


def unreached_population(
    population: ArrayLike, nearest_m: ArrayLike, radius_m: float = DEFAULT_RADIUS_M
) -> int:
    """Population of municipalities whose nearest initiative is farther than R.

    Parameters
    ----------
    population
        Population per municipality.
    nearest_m
        Straight-line distance in metres to the nearest initiative, as returned
        by :func:`nearest_distances` (``inf`` when there is none).
    radius_m
        Reach R in metres, >= 0.
    """
    pop, far = _unreached(population, nearest_m, radius_m)
    return int(pop[far].sum())


def _unreached(
    population: ArrayLike, nearest_m: ArrayLike, radius_m: float
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Checked population and the mask of municipalities farther than R."""
    r = _radius(radius_m)
    dist = np.asarray(nearest_m, dtype=float)
    if dist.ndim != 1:
        raise ValueError(f"nearest_m must be one-dimensional, got shape {dist.shape}")
    if np.isnan(dist).any():
        raise ValueError("nearest_m contains NaN")
    pop = _per_point(population, len(dist), "population")
    return pop, dist > r


def unreached_by(
    population: ArrayLike,
    nearest_m: ArrayLike,
    keys: ArrayLike,
    radius_m: float = DEFAULT_RADIUS_M,
) -> pd.DataFrame:
    """Unreached population grouped by a key such as district or settlement type.

    Parameters
    ----------
    population
        Population per municipality.
    nearest_m
        Straight-line distance in metres to the nearest initiative.
    keys
        Group key per municipality (e.g. ``district_ars`` or ``degurba_label``).
    radius_m
        Reach R in metres, >= 0.

    Returns
    -------
    pandas.DataFrame
        Indexed by key (sorted) with columns ``municipalities``, ``population``,
        ``unreached_municipalities``, ``unreached_population`` and
        ``unreached_share`` (of the group's population, 0 for an empty group).
    """
    pop, far = _unreached(population, nearest_m, radius_m)
    key_arr = np.asarray(keys, dtype=object)
    if key_arr.shape != pop.shape:
        raise ValueError(f"keys must have shape {pop.shape}, got {key_arr.shape}")
    frame = pd.DataFrame(
        {
            "key": key_arr,
            "municipalities": 1,
            "population": pop.astype(np.int64),
            "unreached_municipalities": far.astype(np.int64),
            "unreached_population": np.where(far, pop, 0).astype(np.int64),
        }
    )
    out = frame.groupby("key", sort=True).sum()
    total = out["population"].to_numpy(dtype=float)
    unreached = out["unreached_population"].to_numpy(dtype=float)
    out["unreached_share"] = np.divide(
        unreached, total, out=np.zeros_like(total), where=total > 0
    )
    return out


def gap_weights(lq: ArrayLike, floor: float = 0.1) -> NDArray[np.float64]:
    """Demand weight ``1 / max(LQ, floor)``: under-served regions weigh more.

    Parameters
    ----------
    lq
        Location quotient per municipality (or of its district). ``NaN`` (no
        initiatives anywhere, so no share to compare) is treated as 0, a full gap.
    floor
        Lower bound on LQ, > 0; caps the weight at ``1 / floor``.
    """
    if not math.isfinite(floor) or floor <= 0:
        raise ValueError(f"floor must be a finite number > 0, got {floor}")
    arr = np.asarray(lq, dtype=float)
    if arr.ndim != 1:
        raise ValueError(f"lq must be one-dimensional, got shape {arr.shape}")
    if (arr < 0).any() or np.isinf(arr).any():
        raise ValueError("lq must be finite and >= 0 (NaN allowed)")
    return 1.0 / np.maximum(np.nan_to_num(arr, nan=0.0), floor)


@dataclass(frozen=True)
class CoverageProblem:
    """A checked covering problem: who covers whom and what is left to cover.

    Build it with :func:`coverage_problem`; it is reused by
    :func:`recommend_sites`, :func:`exact_best_sites` and :func:`what_if`.

    Attributes
    ----------
    cover
        Sparse boolean matrix, candidate by demand point: within ``radius_m``.
    demand
        Weighted demand per municipality, 0 where already covered.
    population
        Population per municipality.
    covered
        Municipalities already covered before any site is chosen.
    allowed
        Candidates that may be chosen (not excluded).
    radius_m
        Reach R in metres.
    """

    cover: sparse.csr_array
    demand: NDArray[np.float64]
    population: NDArray[np.float64]
    covered: NDArray[np.bool_]
    allowed: NDArray[np.bool_]
    radius_m: float


def coverage_problem(
    x: ArrayLike,
    y: ArrayLike,
    population: ArrayLike,
    radius_m: float = DEFAULT_RADIUS_M,
    *,
    weights: ArrayLike | None = None,
    covered: ArrayLike | None = None,
    excluded: ArrayLike | None = None,
) -> CoverageProblem:
    """Check the inputs and build the sparse coverage of a location problem.

    Candidates and demand points are the same centroids; a candidate covers a
    demand point at straight-line distance ``<= radius_m`` in EPSG:25833 (no
    routing engine offline), found with a k-d tree ball query, not all pairs.

    Parameters
    ----------
    x, y
        Municipality centroids, EPSG:25833 metres.
    population
        Population per municipality.
    radius_m
        Reach R of an event in metres, >= 0.
    weights
        Optional demand weight per municipality (e.g. :func:`gap_weights`);
        demand is ``population * weights``.
    covered
        Optional mask of municipalities already covered (e.g. within R of an
        initiative or a recent event, see :func:`covered_mask`); their demand
        counts as met.
    excluded
        Optional mask of candidates that must not be chosen (e.g. within R of a
        recent event).
    """
    points = _coords(x, y, ("x", "y"))
    n = len(points)
    r = _radius(radius_m)
    pop = _per_point(population, n, "population")
    weight = np.ones(n) if weights is None else _per_point(weights, n, "weights")
    done = _mask(covered, n, "covered")
    allowed = ~_mask(excluded, n, "excluded")
    neighbours = cKDTree(points).query_ball_point(points, r, return_sorted=True)
    lengths = np.fromiter((len(nb) for nb in neighbours), dtype=np.intp, count=n)
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    indices = np.fromiter(itertools.chain.from_iterable(neighbours), dtype=np.intp)
    cover = sparse.csr_array(
        (np.ones(len(indices), dtype=bool), indices, indptr), shape=(n, n)
    )
    demand = np.where(done, 0.0, pop * weight)
    return CoverageProblem(cover, demand, pop, done, allowed, r)


def _reach(problem: CoverageProblem, site: int) -> NDArray[np.intp]:
    """Demand indices within the radius of candidate ``site``."""
    cover = problem.cover
    return cover.indices[cover.indptr[site] : cover.indptr[site + 1]]


def _plan(problem: CoverageProblem, sites: Sequence[int]) -> SitePlan:
    """What each site in order newly covers, given the baseline coverage."""
    done = problem.covered.copy()
    demand, population = [], []
    for site in sites:
        reach = _reach(problem, site)
        new = reach[~done[reach]]
        done[new] = True
        demand.append(problem.demand[new].sum())
        population.append(problem.population[new].sum())
    return SitePlan(
        sites=np.asarray(sites, dtype=np.intp),
        demand=np.asarray(demand, dtype=float),
        population=np.asarray(population, dtype=np.int64),
        baseline_population=int(problem.population[problem.covered].sum()),
    )


def _gains(problem: CoverageProblem, remaining: NDArray[np.float64]) -> NDArray:
    """Demand each allowed candidate would newly cover (``-inf`` if excluded)."""
    gains = problem.cover @ remaining
    return np.where(problem.allowed, gains, -np.inf)


def _check_problem(problem: CoverageProblem) -> None:
    """Raise ``TypeError`` naming ``problem`` unless it is a CoverageProblem."""
    if not isinstance(problem, CoverageProblem):
        raise TypeError(
            "problem must be a CoverageProblem from coverage_problem(), "
            f"got {type(problem).__name__}"
        )


def recommend_sites(problem: CoverageProblem, k: int = 5) -> SitePlan:
    """Greedy maximal-covering location: up to ``k`` event sites in ranked order.

    Each step picks the allowed candidate that newly covers the most remaining
    demand (ties go to the lowest index). Coverage is straight-line distance
    ``<= radius_m`` (see :func:`coverage_problem`). Greedy reaches at least
    ``1 - 1/e`` of the optimum.

    Parameters
    ----------
    problem
        From :func:`coverage_problem`.
    k
        Number of sites wanted, >= 1.

    Returns
    -------
    SitePlan
        Fewer than ``k`` sites when no allowed candidate can newly cover any
        positive demand: the search stops early instead of adding useless sites.
    """
    _check_problem(problem)
    count = _count(k)
    remaining = problem.demand.copy()
    sites: list[int] = []
    for _ in range(count):
        gains = _gains(problem, remaining)
        best = int(np.argmax(gains))
        if not gains[best] > 0:
            break
        sites.append(best)
        remaining[_reach(problem, best)] = 0.0
    return _plan(problem, sites)


def exact_best_sites(
    problem: CoverageProblem, k: int = 2, max_combinations: int = _MAX_COMBINATIONS
) -> SitePlan:
    """Exact optimum of the maximal-covering problem by exhaustive search.

    Tries every combination of ``k`` useful candidates (allowed ones that can
    newly cover positive demand) with vectorised boolean coverage; meant as a
    baseline for small ``k``. Among equal optima the lexicographically smallest
    combination of indices wins.

    Parameters
    ----------
    problem
        From :func:`coverage_problem`.
    k
        Number of sites, >= 1.
    max_combinations
        Refuse (``ValueError``) when more combinations than this would be tried.

    Returns
    -------
    SitePlan
        Sites in ascending index order; all useful candidates (fewer than ``k``)
        when there are no more than ``k`` of them.
    """
    _check_problem(problem)
    count = _count(k)
    useful = np.flatnonzero(_gains(problem, problem.demand) > 0)
    if len(useful) <= count:
        return _plan(problem, useful.tolist())
    combinations = math.comb(len(useful), count)
    if combinations > max_combinations:
        raise ValueError(
            f"k={count} over {len(useful)} candidates needs {combinations:,} "
            f"combinations (max_combinations={max_combinations:,}); "
            "use recommend_sites"
        )
    open_ = np.flatnonzero(problem.demand > 0)
    matrix = problem.cover[useful][:, open_].toarray()
    best = _best_combination(matrix, problem.demand[open_], count)
    return _plan(problem, useful[list(best)].tolist())


def _best_combination(
    matrix: NDArray[np.bool_], weight: NDArray[np.float64], k: int
) -> tuple[int, ...]:
    """Row combination of size ``k`` whose union covers the most ``weight``."""
    combos = itertools.combinations(range(len(matrix)), k)
    best: tuple[int, ...] = tuple(range(k))
    best_value = -np.inf
    while True:
        flat = np.fromiter(
            itertools.chain.from_iterable(itertools.islice(combos, _CHUNK)),
            dtype=np.intp,
        )
        if flat.size == 0:
            return best
        idx = flat.reshape(-1, k)
        union = matrix[idx[:, 0]]
        for col in range(1, k):
            union |= matrix[idx[:, col]]
        values = union @ weight
        top = int(np.argmax(values))
        # Strictly greater keeps the first (lexicographically smallest) optimum.
        if values[top] > best_value:
            best, best_value = tuple(int(i) for i in idx[top]), float(values[top])


def what_if(problem: CoverageProblem, planned: ArrayLike) -> WhatIf:
    """Population newly covered by planned sites and what stays unreached.

    Starts from ``problem.covered`` (existing coverage); planned sites may be
    anywhere, excluded candidates included. Coverage is straight-line distance
    ``<= radius_m`` (see :func:`coverage_problem`).

    Parameters
    ----------
    problem
        From :func:`coverage_problem` (weights play no part here).
    planned
        Indices of the municipalities where events are planned (may be empty).
    """
    _check_problem(problem)
    sites = np.asarray(planned)
    n = len(problem.population)
    if sites.size and (
        sites.ndim != 1
        or not np.issubdtype(sites.dtype, np.integer)
        or sites.min() < 0
        or sites.max() >= n
    ):
        raise ValueError(f"planned must be integer indices in [0, {n}), got {sites}")
    reached = problem.covered.copy()
    for site in sites.astype(np.intp):
        reached[_reach(problem, int(site))] = True
    newly = reached & ~problem.covered
    return WhatIf(
        newly_covered=newly,
        newly_covered_population=int(problem.population[newly].sum()),
        unreached=~reached,
        unreached_population=int(problem.population[~reached].sum()),
    )
