"""Planning computations for the page "Planung": white spots, sites, what if.

No Streamlit here: the page passes the query results in and shows what comes
back. Distances are straight lines between EPSG:25833 points (geo.coverage), as
the page says wherever it shows them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard import exports
from geo.coverage import (
    coverage_problem,
    gap_weights,
    nearest_distances,
    recent_mask,
    recommend_sites,
    unreached_by,
    what_if,
)
from sinn.vocab import DEGURBA_LABELS

__all__ = [
    "SITE_COLUMNS",
    "STATUSES",
    "PlanResult",
    "PlanSettings",
    "event_window",
    "plan",
    "sites_csv",
]

#: Map status of a municipality, in legend order.
STATUSES = ("unreached", "new", "covered", "outside")
SITE_COLUMNS = [
    "rank",
    "municipality",
    "district_name",
    "degurba_label",
    "new_population",
    "cumulative_population",
    "nearest_km",
]
CSV_COLUMNS = ["rank", "ags", *SITE_COLUMNS[1:], "lat", "lon", "radius_km"]


@dataclass(frozen=True)
class PlanSettings:
    """The page's choices (radius in km, straight line)."""

    radius_km: float = 15.0
    k: int = 5
    weighted: bool = False
    skip_recent: bool = False
    events_count: bool = True
    planned: tuple[str, ...] = ()  # AGS of municipalities with a planned event


@dataclass(frozen=True)
class PlanResult:
    """Everything the page shows for one set of settings.

    ``municipalities`` holds all rows with ``nearest_km`` (nearest initiative),
    ``reach_m`` (metres to the nearest initiative, counted event or planned
    site) and ``status``; unreached figures count municipalities in the filter scope.
    """

    municipalities: pd.DataFrame
    sites: pd.DataFrame
    radius_km: float
    unreached_population: int
    unreached_municipalities: int
    baseline_population: int
    baseline_municipalities: int
    newly_covered_population: int
    scope_population: int
    scope_municipalities: int

    def _by(self, column: str) -> pd.DataFrame:
        """Unreached municipalities and population in scope, grouped by ``column``."""
        scope = self.municipalities[self.municipalities["in_scope"]]
        table = unreached_by(
            scope["population"], scope["reach_m"], scope[column], self.radius_km * 1000
        )
        table["unreached_share"] = (table["unreached_share"] * 100).round(1)
        return table.rename_axis(column).reset_index()

    def by_district(self) -> pd.DataFrame:
        """Unreached figures per district, most unreached people first."""
        table = self._by("district_name")
        return table.sort_values(
            ["unreached_population", "district_name"], ascending=[False, True]
        ).reset_index(drop=True)

    def by_settlement(self) -> pd.DataFrame:
        """Unreached figures per settlement type (städtisch, mittel, ländlich)."""
        table = self._by("degurba")
        table.insert(0, "degurba_label", table["degurba"].map(DEGURBA_LABELS))
        return table.drop(columns="degurba")


def event_window(events: pd.DataFrame, reference: object, months: int) -> np.ndarray:
    """Boolean mask of the events dated in the ``months`` months up to ``reference``."""
    if events.empty:
        return np.zeros(0, dtype=bool)
    return recent_mask(events["date"].to_numpy("datetime64[D]"), reference, months)


def _nearest(mun: pd.DataFrame, points: pd.DataFrame) -> np.ndarray:
    """Straight-line metres from each centroid to the nearest of ``points``."""
    return nearest_distances(
        mun["centroid_x"], mun["centroid_y"], points["x"], points["y"]
    )


def _km(metres: np.ndarray) -> np.ndarray:
    """Metres as kilometres, ``NaN`` where there is no point at all."""
    return np.where(np.isfinite(metres), metres / 1000, np.nan)


def _sites_frame(mun: pd.DataFrame, chosen, population) -> pd.DataFrame:
    """The ranked site table: rank, place, newly covered and cumulative population."""
    rows = mun.iloc[np.asarray(chosen, dtype=np.intp)].reset_index(drop=True)
    rows.insert(0, "rank", np.arange(1, len(rows) + 1))
    rows["municipality"] = rows["name"]
    rows["nearest_km"] = rows["nearest_km"].round(1)
    rows["new_population"] = np.asarray(population, dtype=np.int64)
    rows["cumulative_population"] = rows["new_population"].cumsum()
    return rows


def plan(
    mun: pd.DataFrame,
    initiatives: pd.DataFrame,
    events: pd.DataFrame,
    settings: PlanSettings,
) -> PlanResult:
    """White spots, recommended sites and the what-if effect of planned events.

    ``mun`` comes from ``queries.planning_municipalities``; ``initiatives`` and
    ``events`` hold ``x``/``y`` (EPSG:25833) of the points that count, events
    already cut to the chosen period. Municipalities outside the filter scope
    are neither demand nor candidates: they count as covered for the solver.
    """
    radius_m = settings.radius_km * 1000
    mun = mun.reset_index(drop=True).copy()
    x, y = mun["centroid_x"], mun["centroid_y"]
    scope = mun["in_scope"].to_numpy(dtype=bool)
    near_ini = _nearest(mun, initiatives)
    near_ev = _nearest(mun, events)
    reach = np.minimum(near_ini, near_ev) if settings.events_count else near_ini
    excluded = ~scope
    if settings.skip_recent:
        excluded = excluded | (near_ev <= radius_m)
    weights = gap_weights(mun["district_lq"]) if settings.weighted else None
    base = coverage_problem(
        x,
        y,
        mun["population"],
        radius_m,
        weights=weights,
        covered=(reach <= radius_m) | ~scope,
        excluded=excluded,
    )
    index = pd.Index(mun["ags"])
    planned = index.get_indexer(list(settings.planned))
    planned = planned[planned >= 0]
    effect = what_if(base, planned)
    after = coverage_problem(
        x,
        y,
        mun["population"],
        radius_m,
        weights=weights,
        covered=~effect.unreached,
        excluded=excluded,
    )
    chosen = recommend_sites(after, settings.k)
    sites = mun.iloc[planned].rename(columns={"centroid_x": "x", "centroid_y": "y"})
    mun["nearest_km"] = _km(near_ini)
    mun["reach_m"] = np.minimum(reach, _nearest(mun, sites))
    status = np.where(effect.newly_covered, "new", "covered")
    status = np.where(effect.unreached, "unreached", status)
    mun["status"] = np.where(scope, status, "outside")
    pop = mun["population"].to_numpy()
    baseline = scope & (reach > radius_m)
    return PlanResult(
        municipalities=mun,
        sites=_sites_frame(mun, chosen.sites, chosen.population),
        radius_km=settings.radius_km,
        unreached_population=effect.unreached_population,
        unreached_municipalities=int(effect.unreached.sum()),
        baseline_population=int(pop[baseline].sum()),
        baseline_municipalities=int(baseline.sum()),
        newly_covered_population=effect.newly_covered_population,
        scope_population=int(pop[scope].sum()),
        scope_municipalities=int(scope.sum()),
    )


def sites_csv(
    sites: pd.DataFrame, radius_km: float, translate: Callable[[str], str]
) -> bytes:
    """The ranked list for Excel (house CSV: BOM, ``;``, formulas neutralised)."""
    out = sites.assign(radius_km=radius_km)[CSV_COLUMNS]
    names = {
        label: translate(f"degurba.{code}") for code, label in DEGURBA_LABELS.items()
    }
    out["degurba_label"] = out["degurba_label"].map(names)
    out = out.rename(columns={c: translate(f"col.{c}") for c in CSV_COLUMNS})
    return exports.to_csv(out)
