"""Every SQL statement of the dashboard, as functions of (connection, filters).

Values from widgets and URL parameters only ever reach DuckDB as bound
parameters; this module does not import Streamlit so it can be tested alone.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import PurePath
from typing import Literal

import duckdb
import numpy as np
import pandas as pd

from geo.coverage import nearest_distances


@dataclass(frozen=True)
class Filters:
    """The sidebar filter state; empty tuples mean "no restriction".

    Every figure is computed from public rows only (the published marts hold
    nothing else), so there is no switch for non-public rows.
    """

    themes: tuple[str, ...] = ()
    partners: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    degurba: tuple[int, ...] = ()  # 1 städtisch, 2 mittel, 3 ländlich
    districts: tuple[str, ...] = ()  # 5-digit ARS
    show_events: bool = True


Kind = Literal["initiative", "event"]
#: Fact table, year column and list filters of each kind of row.
_KINDS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "initiative": ("initiative_facts", "start_year", ("themes", "partners", "stages")),
    "event": ("event_facts", "year", ("themes", "partners")),
}
_COLUMN = {"themes": "theme", "partners": "partner", "stages": "stage"}


def _where(
    f: Filters, kind: Kind, year: str, region: tuple[str, str] | None, alias: str
) -> tuple[str, list]:
    """WHERE clause (without the keyword) and bound parameters for one row kind.

    ``region`` names the district and settlement-type expressions, or is
    ``None`` to leave the region filters out.
    """
    lists = [(f"{alias}.{_COLUMN[name]}", getattr(f, name)) for name in _KINDS[kind][2]]
    if region:
        lists += [(region[0], f.districts), (region[1], f.degurba)]
    return where_clause(lists, year, f.year_from, f.year_to)


def where_clause(
    lists: Iterable[tuple[str, Sequence]],
    year: str,
    year_from: int | None,
    year_to: int | None,
) -> tuple[str, list]:
    """WHERE clause (without the keyword) and bound parameters.

    Each expression in ``lists`` must be in its list (an empty list restricts
    nothing); ``year`` must lie in ``year_from``..``year_to`` where given.
    """
    clauses, params = ["TRUE"], []
    for column, values in lists:
        if values:
            clauses.append(f"{column} IN (SELECT unnest(?))")
            params.append(list(values))
    for op, value in ((">=", year_from), ("<=", year_to)):
        if value is not None:
            clauses.append(f"{year} {op} ?")
            params.append(value)
    return " AND ".join(clauses), params


def facts_where(
    f: Filters, kind: Kind, alias: str = "x", region: bool = True
) -> tuple[str, list]:
    """WHERE clause and parameters on ``initiative_facts`` or ``event_facts``."""
    year = f"{alias}.{_KINDS[kind][1]}"
    regions = (f"{alias}.district_ars", f"{alias}.degurba") if region else None
    return _where(f, kind, year, regions, alias)


def rows_where(f: Filters, kind: Kind, alias: str = "x") -> tuple[str, list]:
    """WHERE clause and parameters on the public rows of ``initiatives``/``events``."""
    year = f"{alias}.start_year" if kind == "initiative" else f"year({alias}.date)"
    degurba = f"(SELECT degurba FROM municipalities WHERE ags = {alias}.ags)"
    where, params = _where(f, kind, year, (f"{alias}.district_ars", degurba), alias)
    return f"{alias}.public AND {where}", params


def _thematic(f: Filters) -> Filters:
    """The filters without the region part (district, settlement type)."""
    return replace(f, districts=(), degurba=())


# --- shared SQL fragments ----------------------------------------------------------

# 14713 Leipzig (Kreisfreie Stadt) and 14729 Leipzig (Landkreis) share a name.
DISTRICT_LABEL = """CASE WHEN d.kind = 'Landkreis' AND d.name IN
    (SELECT name FROM districts WHERE kind = 'Kreisfreie Stadt')
    THEN 'Landkreis ' || d.name ELSE d.name END"""


def _counts_cte(f: Filters) -> tuple[str, list]:
    """One row per municipality with initiative/event counts (thematic filters)."""
    iw, ip = facts_where(f, "initiative", "i", region=False)
    ew, ep = facts_where(f, "event", "e", region=False)
    sql = f"""
        counts AS (
            SELECT m.ags, m.name, m.district_ars, m.degurba, m.degurba_label,
                   m.population,
                   coalesce(i.n, 0)::BIGINT AS initiatives,
                   coalesce(e.n, 0)::BIGINT AS events,
                   coalesce(e.participants, 0)::BIGINT AS participants
            FROM municipalities m
            LEFT JOIN (SELECT i.ags, sum(i.initiatives) AS n FROM initiative_facts i
                       WHERE {iw} GROUP BY i.ags) i ON i.ags = m.ags
            LEFT JOIN (SELECT e.ags, sum(e.events) AS n,
                              sum(e.participants) AS participants
                       FROM event_facts e WHERE {ew} GROUP BY e.ags) e ON e.ags = m.ags
        )"""
    return sql, ip + ep


def _scope(f: Filters, districts: bool = True) -> tuple[str, list]:
    """Condition on ``counts``: settlement type always, districts when asked."""
    clauses, params = ["TRUE"], []
    if f.degurba:
        clauses.append("degurba IN (SELECT unnest(?))")
        params.append(list(f.degurba))
    if districts and f.districts:
        clauses.append("district_ars IN (SELECT unnest(?))")
        params.append(list(f.districts))
    return " AND ".join(clauses), params


def _records(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[dict]:
    """Rows of a query as dictionaries keyed by column name."""
    cur = con.execute(sql, params)
    names = [c[0] for c in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _frame(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> pd.DataFrame:
    """A query result as a DataFrame."""
    return con.execute(sql, params).df()


# --- key figures -----------------------------------------------------------------


def kpis(con: duckdb.DuckDBPyConnection, f: Filters) -> dict:
    """Key figures of the filtered scope (districts ∩ settlement types).

    Municipalities and population "reached" count municipalities with at least one
    initiative; shares are fractions (0..1), ``None`` when undefined.
    """
    cte, params = _counts_cte(f)
    where, wparams = _scope(f)
    sql = f"""
        WITH {cte}
        SELECT sum(initiatives)::BIGINT AS initiatives,
               sum(events)::BIGINT AS events,
               sum(participants)::BIGINT AS participants,
               count(*) FILTER (WHERE initiatives > 0) AS municipalities_reached,
               count(*) AS municipalities_total,
               count(DISTINCT district_ars) FILTER (WHERE initiatives > 0)
                   AS districts_reached,
               count(DISTINCT district_ars) AS districts_total,
               coalesce(sum(population) FILTER (WHERE initiatives > 0), 0)::BIGINT
                   AS population_reached,
               sum(population)::BIGINT AS population_total,
               per_100k(sum(initiatives), sum(population)) AS per_100k,
               per_100k(sum(events), sum(population)) AS events_per_100k,
               share(sum(initiatives) FILTER (WHERE degurba = 3), sum(initiatives))
                   AS rural_share_initiatives,
               share(coalesce(sum(population) FILTER (WHERE degurba = 3), 0),
                     sum(population)) AS rural_share_population
        FROM counts WHERE {where}
        """
    row = _records(con, sql, params + wparams)[0]
    for key in ("initiatives", "events", "participants", "population_total"):
        row[key] = row[key] or 0
    if row["rural_share_initiatives"] is None and row["initiatives"]:
        row["rural_share_initiatives"] = 0.0
    row["rural_share_gap"] = (
        None
        if row["rural_share_initiatives"] is None
        or row["rural_share_population"] is None
        else row["rural_share_initiatives"] - row["rural_share_population"]
    )
    return row


def region_profile(
    con: duckdb.DuckDBPyConnection, f: Filters, ars: str
) -> pd.DataFrame:
    """Key figures of one district next to Saxony's (same thematic/type filters).

    Columns ``metric``, ``region``, ``saxony``; the LQ row compares the shares.
    """
    region = kpis(con, replace(f, districts=(ars,)))
    saxony = kpis(con, replace(f, districts=()))
    keys = (
        "initiatives",
        "events",
        "participants",
        "population_total",
        "municipalities_reached",
        "municipalities_total",
        "population_reached",
        "per_100k",
        "events_per_100k",
        "rural_share_initiatives",
        "rural_share_population",
    )
    rows = [(k, region[k], saxony[k]) for k in keys]
    lq = con.execute(
        "SELECT lq(?, ?, ?, ?)",
        [
            region["initiatives"],
            saxony["initiatives"],
            region["population_total"],
            saxony["population_total"],
        ],
    ).fetchone()[0]
    rows.append(("lq", lq, 1.0 if saxony["initiatives"] else None))
    return pd.DataFrame(rows, columns=["metric", "region", "saxony"])


# --- regions ---------------------------------------------------------------------


def _district_rows(
    con: duckdb.DuckDBPyConnection, f: Filters, all_districts: bool
) -> pd.DataFrame:
    """Per-district indicators; the settlement-type filter defines the population."""
    cte, params = _counts_cte(f)
    ref, ref_params = _scope(f, districts=False)
    shown = "TRUE"
    shown_params: list = []
    if f.districts and not all_districts:
        shown = "ind.ars IN (SELECT unnest(?))"
        shown_params = [list(f.districts)]
    sql = f"""
        WITH {cte},
        agg AS (
            SELECT district_ars AS ars, sum(population)::BIGINT AS population,
                   sum(initiatives)::BIGINT AS initiatives,
                   sum(events)::BIGINT AS events,
                   sum(participants)::BIGINT AS participants
            FROM counts WHERE {ref} GROUP BY district_ars
        ),
        ind AS (
            SELECT agg.*,
                   per_100k(initiatives, population) AS per_100k,
                   per_100k(events, population) AS events_per_100k,
                   lq(initiatives, sum(initiatives) OVER (), population,
                      sum(population) OVER ()) AS lq
            FROM agg
        )
        SELECT ind.ars, {DISTRICT_LABEL} AS name, d.kind, ind.population,
               ind.initiatives, ind.events, ind.participants, ind.per_100k,
               ind.events_per_100k, ind.lq,
               coalesce(ind.ars IN (SELECT unnest(?)), FALSE) AS selected
        FROM ind JOIN districts d ON d.ars = ind.ars
        WHERE {shown}
        ORDER BY ind.per_100k DESC NULLS LAST, ind.ars
        """
    return _frame(con, sql, params + ref_params + [list(f.districts)] + shown_params)


def district_ranking(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """All 13 districts ranked by initiatives per 100k; ``selected``: filtered."""
    return _district_rows(con, f, all_districts=True)


def district_statistics(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Per-district indicators of the filtered districts (for export)."""
    return _district_rows(con, f, all_districts=False).drop(columns="selected")


def saxony_average(con: duckdb.DuckDBPyConnection, f: Filters) -> dict:
    """Saxony's reference values (settlement-type and thematic filters applied)."""
    k = kpis(con, replace(f, districts=()))
    return {
        "per_100k": k["per_100k"],
        "events_per_100k": k["events_per_100k"],
        "lq": 1.0,
        "initiatives_per_district": k["initiatives"] / max(k["districts_total"], 1),
        "events_per_district": k["events"] / max(k["districts_total"], 1),
    }


def settlement_comparison(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Städtisch/mittel/ländlich: shares of population, initiatives and events.

    All settlement types of the chosen districts are listed (``selected`` marks the
    settlement-type filter), so the comparison stays a comparison.
    """
    cte, params = _counts_cte(f)
    where, wparams = _scope(replace(f, degurba=()))
    sql = f"""
        WITH {cte},
        agg AS (
            SELECT degurba, degurba_label, sum(population)::BIGINT AS population,
                   sum(initiatives)::BIGINT AS initiatives,
                   sum(events)::BIGINT AS events,
                   sum(participants)::BIGINT AS participants
            FROM counts WHERE {where} GROUP BY degurba, degurba_label
        )
        SELECT *,
               share(population, sum(population) OVER ()) AS population_share,
               share(initiatives, sum(initiatives) OVER ()) AS initiative_share,
               share(events, sum(events) OVER ()) AS event_share,
               per_100k(initiatives, population) AS per_100k,
               per_100k(events, population) AS events_per_100k,
               coalesce(degurba IN (SELECT unnest(?)), FALSE) AS selected
        FROM agg ORDER BY degurba
        """
    return _frame(con, sql, params + wparams + [list(f.degurba)])


def municipality_statistics(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Per-municipality indicators of the filtered scope; LQ against Saxony."""
    cte, params = _counts_cte(f)
    ref, ref_params = _scope(f, districts=False)
    where, wparams = _scope(f)
    sql = f"""
        WITH {cte},
        ref AS (SELECT sum(initiatives) AS initiatives, sum(population) AS population
                FROM counts WHERE {ref})
        SELECT c.ags, c.name, c.district_ars, {DISTRICT_LABEL} AS district_name,
               c.degurba, c.degurba_label, c.population, c.initiatives, c.events,
               c.participants,
               per_100k(c.initiatives, c.population) AS per_100k,
               per_100k(c.events, c.population) AS events_per_100k,
               lq(c.initiatives, ref.initiatives, c.population, ref.population) AS lq
        FROM counts c CROSS JOIN ref JOIN districts d ON d.ars = c.district_ars
        WHERE {where}
        ORDER BY c.ags
        """
    return _frame(con, sql, params + ref_params + wparams)


def districts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The 13 districts with their display label, kind and population."""
    sql = f"""SELECT d.ars, {DISTRICT_LABEL} AS name, d.kind,
                     d.population::BIGINT AS population
              FROM districts d ORDER BY d.ars"""
    return _frame(con, sql, [])


# --- time --------------------------------------------------------------------------


def initiatives_per_year(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Initiatives started per year and settlement type (unknown years left out)."""
    where, params = facts_where(f, "initiative", "i")
    sql = f"""
        SELECT i.start_year AS year, m.degurba, m.degurba_label,
               sum(i.initiatives)::BIGINT AS initiatives
        FROM initiative_facts i JOIN municipalities m ON m.ags = i.ags
        WHERE {where} AND i.start_year IS NOT NULL
        GROUP BY ALL ORDER BY year, m.degurba
        """
    return _frame(con, sql, params)


def events_per_quarter(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Events and participants per calendar quarter and settlement type."""
    where, params = facts_where(f, "event", "e")
    sql = f"""
        SELECT e.quarter_start,
               year(e.quarter_start) || '-Q' || quarter(e.quarter_start) AS quarter,
               m.degurba, m.degurba_label, sum(e.events)::BIGINT AS events,
               sum(e.participants)::BIGINT AS participants
        FROM event_facts e JOIN municipalities m ON m.ags = e.ags
        WHERE {where} AND e.quarter_start IS NOT NULL
        GROUP BY ALL ORDER BY quarter_start, m.degurba
        """
    return _frame(con, sql, params)


def coverage_by_year(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Cumulative municipalities, districts and population reached up to each year.

    Only initiatives with a known start year count here.
    """
    where, params = facts_where(f, "initiative", "i")
    sql = f"""
        WITH first AS (
            SELECT i.ags, min(i.start_year) AS first_year FROM initiative_facts i
            WHERE {where} AND i.start_year IS NOT NULL GROUP BY i.ags
        ),
        years AS (
            SELECT unnest(range(min(first_year), max(first_year) + 1)) AS year
            FROM first
        )
        SELECT y.year, count(m.ags) AS municipalities_reached,
               count(DISTINCT m.district_ars) AS districts_reached,
               coalesce(sum(m.population), 0)::BIGINT AS population_reached
        FROM years y
        LEFT JOIN first ON first.first_year <= y.year
        LEFT JOIN municipalities m ON m.ags = first.ags
        GROUP BY y.year ORDER BY y.year
        """
    return _frame(con, sql, params)


def newly_reached(
    con: duckdb.DuckDBPyConnection, f: Filters, since_year: int
) -> pd.DataFrame:
    """Municipalities whose first initiative (known start year) began after a year."""
    where, params = facts_where(f, "initiative", "i")
    sql = f"""
        WITH first AS (
            SELECT i.ags, min(i.start_year) AS first_year,
                   sum(i.initiatives)::BIGINT AS initiatives
            FROM initiative_facts i WHERE {where} AND i.start_year IS NOT NULL
            GROUP BY i.ags
        )
        SELECT m.ags, m.name, {DISTRICT_LABEL} AS district_name, m.degurba_label,
               m.population, first.first_year, first.initiatives
        FROM first JOIN municipalities m ON m.ags = first.ags
        JOIN districts d ON d.ars = m.district_ars
        WHERE first.first_year > ?
        ORDER BY first.first_year, m.population DESC
        """
    return _frame(con, sql, [*params, since_year])


# --- public tables -----------------------------------------------------------------

_PLACE_COLUMNS = f"""x.postal_code, x.city, m.name AS municipality, x.ags,
    {DISTRICT_LABEL} AS district, x.district_ars, m.degurba_label,
    x.lon, x.lat, x.location_precision, x.url, x.description, x.is_demo"""


def initiatives_public(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Filtered initiatives, public rows and public fields only (no contact data)."""
    where, params = rows_where(f, "initiative")
    sql = f"""
        SELECT x.id, x.name, x.organisation, x.partner, x.theme, x.stage,
               x.start_year, x.funding_eur, {_PLACE_COLUMNS}
        FROM initiatives x JOIN municipalities m ON m.ags = x.ags
        JOIN districts d ON d.ars = x.district_ars
        WHERE {where} ORDER BY x.name, x.id
        """
    return _frame(con, sql, params)


def events_public(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Filtered events, public rows and public fields only (no contact data)."""
    where, params = rows_where(f, "event")
    sql = f"""
        SELECT x.id, x.name, x.type, x.date, x.participants, x.partner, x.theme,
               x.initiative_id, {_PLACE_COLUMNS}
        FROM events x JOIN municipalities m ON m.ags = x.ags
        JOIN districts d ON d.ars = x.district_ars
        WHERE {where} ORDER BY x.date DESC NULLS LAST, x.name, x.id
        """
    return _frame(con, sql, params)


# --- data state and ETL report -------------------------------------------------------


def has_demo_rows(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether any demo initiative or event is loaded."""
    sql = """SELECT EXISTS (SELECT 1 FROM initiatives WHERE is_demo)
                 OR EXISTS (SELECT 1 FROM events WHERE is_demo)"""
    return bool(con.execute(sql).fetchone()[0])


def filter_options(con: duckdb.DuckDBPyConnection) -> dict:
    """Year range of the public data (start and event years) for the filter widgets."""
    sql = """
        SELECT min(y), max(y) FROM (
            SELECT start_year AS y FROM initiative_facts
            UNION ALL SELECT year FROM event_facts)
        """
    year_min, year_max = con.execute(sql).fetchone()
    return {"year_min": year_min, "year_max": year_max}


def latest_run(con: duckdb.DuckDBPyConnection) -> dict | None:
    """The most recent ``etl_runs`` row, JSON columns decoded; ``None`` if none."""
    # via pandas: fetchall() would need pytz for TIMESTAMPTZ columns
    frame = _frame(con, "SELECT * FROM etl_runs ORDER BY started_at DESC LIMIT 1", [])
    if frame.empty:
        return None
    run = frame.iloc[0].to_dict()
    for key in (
        "inputs",
        "accepted",
        "rejected_by_reason",
        "unmatched_keys",
        "sources",
    ):
        if isinstance(run.get(key), str):
            run[key] = json.loads(run[key])
    for item in run.get("inputs") or []:
        # demo inputs live in a temporary folder: the file name is what matters
        item["file"] = PurePath(str(item.get("path", ""))).name
    return run


def rejects_by_reason(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Rejected input rows counted by kind and reason."""
    sql = """SELECT kind, reason, count(*) AS rows FROM rejects
             GROUP BY kind, reason ORDER BY kind, rows DESC, reason"""
    return _frame(con, sql, [])


def data_state(con: duckdb.DuckDBPyConnection) -> dict:
    """Counts of the loaded data and date ranges of its public rows (Methodik)."""
    sql = """
        SELECT (SELECT count(*) FROM initiatives) AS initiatives,
               (SELECT count(*) FROM initiatives WHERE public) AS initiatives_public,
               (SELECT count(*) FROM events) AS events,
               (SELECT count(*) FROM events WHERE public) AS events_public,
               (SELECT count(*) FROM initiatives WHERE is_demo)
                 + (SELECT count(*) FROM events WHERE is_demo) AS demo_rows,
               (SELECT min(start_year) FROM initiative_facts) AS first_start_year,
               (SELECT max(start_year) FROM initiative_facts) AS last_start_year,
               (SELECT min(date) FROM events WHERE public) AS first_event_date,
               (SELECT max(date) FROM events WHERE public) AS last_event_date,
               (SELECT count(*) FROM municipalities) AS municipalities,
               (SELECT count(*) FROM districts) AS districts,
               (SELECT sum(population) FROM municipalities)::BIGINT AS population
        """
    return _records(con, sql, [])[0]


# --- map: choropleth values, geometries, background and search --------------------

MAP_LEVELS = ("district", "municipality")
# German umlaut folding (ä -> ae), so "Goerlitz" finds "Görlitz" as well.
_FOLD = (
    "replace(replace(replace(replace(lower({0}), 'ä', 'ae'), 'ö', 'oe'), "
    "'ü', 'ue'), 'ß', 'ss')"
)
_PLAIN = "strip_accents(lower({0}))"


def _check_level(level: str) -> None:
    """Raise ``ValueError`` unless ``level`` is one of ``MAP_LEVELS``."""
    if level not in MAP_LEVELS:
        raise ValueError(f"level must be one of {MAP_LEVELS}, got {level!r}")


def nearest_km(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.Series:
    """km from each municipality centroid (by AGS) to the nearest public initiative.

    Thematic filters only; ``NaN`` everywhere when no initiative matches.
    """
    where, params = rows_where(_thematic(f), "initiative")
    points = _frame(con, f"SELECT x.x, x.y FROM initiatives x WHERE {where}", params)
    centroids = _frame(
        con, "SELECT ags, centroid_x, centroid_y FROM municipalities ORDER BY ags", []
    )
    metres = nearest_distances(
        centroids["centroid_x"], centroids["centroid_y"], points["x"], points["y"]
    )
    km = np.where(np.isfinite(metres), metres / 1000, np.nan)
    return pd.Series(km, index=centroids["ags"], name="nearest_km")


def map_municipality_values(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """All 419 municipalities with the map indicators.

    Counts use the thematic filters; the settlement-type filter defines the LQ
    reference (as on the Regionen page) and ``in_filter``. The district filter is
    left out: the map keeps all of Saxony and highlights the chosen districts.
    """
    cte, params = _counts_cte(f)
    ref, ref_params = _scope(f, districts=False)
    inside, inside_params = ref, list(ref_params)
    sql = f"""
        WITH {cte},
        ref AS (SELECT sum(initiatives) AS initiatives, sum(population) AS population
                FROM counts WHERE {ref}),
        region AS (SELECT district_ars, sum(initiatives) / sum(population) AS rate
                   FROM counts WHERE {ref} GROUP BY district_ars),
        district_prior AS (SELECT c.district_ars, r.rate,
                         eb_var(c.initiatives, c.population, r.rate) AS var
                  FROM counts c JOIN region r USING (district_ars)
                  WHERE {ref} GROUP BY c.district_ars, r.rate),
        smooth AS (SELECT c.*, eb_rate(c.initiatives, c.population, p.rate, p.var)
                              * c.population AS smoothed
                   FROM counts c LEFT JOIN district_prior p USING (district_ars))
        SELECT c.ags AS key, c.name, c.district_ars, {DISTRICT_LABEL} AS district_name,
               c.degurba, c.degurba_label AS settlement, c.population,
               c.initiatives, c.events, c.participants,
               per_100k(c.initiatives, c.population) AS per_100k,
               lq(c.initiatives, ref.initiatives, c.population, ref.population) AS lq,
               per_100k(c.smoothed, c.population) AS per_100k_eb,
               lq(c.smoothed, ref.initiatives, c.population, ref.population) AS lq_eb,
               ({inside}) AS in_filter
        FROM smooth c CROSS JOIN ref JOIN districts d ON d.ars = c.district_ars
        ORDER BY c.ags
        """
    args = params + ref_params + ref_params + ref_params + inside_params
    frame = _frame(con, sql, args)
    frame.insert(12, "nearest_km", frame["key"].map(nearest_km(con, f)))
    return frame


def map_area_values(
    con: duckdb.DuckDBPyConnection, f: Filters, level: str
) -> pd.DataFrame:
    """Map indicators per district (13 rows) or municipality (419 rows).

    Columns ``key, name, district_ars, district_name, degurba, settlement, population,
    initiatives, events, participants, per_100k, lq, per_100k_eb, lq_eb, nearest_km,
    in_filter``. ``*_eb`` are empirical-Bayes smoothed towards the district rate
    (macros ``eb_var``/``eb_rate``; at district level equal to the raw values).
    ``in_filter`` marks the settlement-type scope (districts: population in it); at
    district level ``nearest_km`` is the population-weighted mean of the
    municipalities in that scope.
    """
    _check_level(level)
    municipalities = map_municipality_values(con, f)
    if level == "municipality":
        return municipalities
    ranking = district_ranking(con, f).rename(
        columns={"ars": "key", "kind": "settlement"}
    )
    # Districts without population in the settlement-type scope (the cities
    # under "ländlich") stay on the map, marked as outside the filter.
    everything = districts(con).rename(columns={"ars": "key", "kind": "settlement"})
    missing = everything[~everything["key"].isin(ranking["key"])]
    ranking = pd.concat([ranking.assign(in_filter=True), missing], ignore_index=True)
    ranking["in_filter"] = ranking["in_filter"].eq(True)
    # Smoothing is a municipality option: districts rest on enough people.
    ranking["per_100k_eb"], ranking["lq_eb"] = ranking["per_100k"], ranking["lq"]
    scope = municipalities
    if f.degurba:
        scope = municipalities[municipalities["degurba"].isin(f.degurba)]
    weighted = (
        (scope["nearest_km"] * scope["population"]).groupby(scope["district_ars"]).sum()
        / scope.groupby("district_ars")["population"].sum()
    ).rename("nearest_km")
    out = ranking.merge(weighted, left_on="key", right_index=True, how="left")
    out["district_ars"], out["district_name"] = out["key"], out["name"]
    out["degurba"] = pd.NA
    columns = list(municipalities.columns)
    return out[columns].sort_values("key", ignore_index=True)


def map_geometries(con: duckdb.DuckDBPyConnection, level: str) -> dict[str, str]:
    """Area key -> GeoJSON text of the simplified web geometry (``geom_web``)."""
    _check_level(level)
    table, key = (
        ("districts", "ars") if level == "district" else ("municipalities", "ags")
    )
    sql = f"SELECT {key}, ST_AsGeoJSON(geom_web) FROM {table} ORDER BY {key}"
    return dict(con.execute(sql).fetchall())


def map_context(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    """(kind, name, GeoJSON) of the vector background: German states, then Saxony."""
    sql = """SELECT kind, name, ST_AsGeoJSON(geom_web) FROM context_areas
             ORDER BY kind = 'saxony', key"""
    return con.execute(sql).fetchall()


def map_bounds(con: duckdb.DuckDBPyConnection) -> list[list[float]]:
    """[[south, west], [north, east]] of Saxony in EPSG:4326."""
    sql = """SELECT ST_YMin(g), ST_XMin(g), ST_YMax(g), ST_XMax(g)
             FROM (SELECT ST_Extent_Agg(geom_web) AS g FROM districts)"""
    south, west, north, east = con.execute(sql).fetchone()
    return [[south, west], [north, east]]


def map_places(
    con: duckdb.DuckDBPyConnection, min_population: int = 20_000
) -> pd.DataFrame:
    """Town labels: each district's seat and every larger town.

    Columns ``name, lat, lon, population, district_ars, seat``; ``seat`` marks
    the Kreissitz of each Landkreis and each Kreisfreie Stadt (``districts.
    seat_ags``, from the ETL's seats table), the others have at least
    ``min_population`` inhabitants. Largest first.
    """
    sql = """
        SELECT m.name, m.centroid_lat AS lat, m.centroid_lon AS lon, m.population,
               m.district_ars, d.ars IS NOT NULL AS seat
        FROM municipalities m
        LEFT JOIN districts d ON d.seat_ags = m.ags
        WHERE d.ars IS NOT NULL OR m.population >= ?
        ORDER BY m.population DESC, m.name
        """
    return _frame(con, sql, [min_population])


def map_search(
    con: duckdb.DuckDBPyConnection, text: str, limit: int = 10
) -> pd.DataFrame:
    """Municipalities and public initiatives whose name contains ``text``.

    Case- and umlaut-insensitive: "görlitz", "Goerlitz" and "GORLITZ" all find
    Görlitz. Columns ``kind`` ('municipality'|'initiative'), ``key``, ``name``,
    ``detail``, ``lat``, ``lon``; municipalities first, shorter names first.
    """
    needle = text.strip()
    match = (
        f"(contains({_FOLD.format('{0}')}, {_FOLD.format('?')}) "
        f"OR contains({_PLAIN.format('{0}')}, {_PLAIN.format('?')}))"
    )
    sql = f"""
        SELECT * FROM (
            SELECT 'municipality' AS kind, m.ags AS key, m.name,
                   {DISTRICT_LABEL} AS detail, m.centroid_lat AS lat,
                   m.centroid_lon AS lon
            FROM municipalities m JOIN districts d ON d.ars = m.district_ars
            WHERE {match.format("m.name")}
            UNION ALL
            SELECT 'initiative', i.id, i.name, i.city, i.lat, i.lon
            FROM initiatives i
            WHERE i.public AND {match.format("i.name")}
        )
        WHERE ? <> ''
        ORDER BY kind DESC, length(name), name
        LIMIT ?
        """
    params = [needle, needle, needle, needle, needle, limit]
    return _frame(con, sql, params)


# --- planning: white spots and event locations -------------------------------------

PLANNING_POINTS = ("initiative", "event")


def planning_municipalities(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """All 419 municipalities with centroids, district LQ and the filter scope.

    ``in_scope`` marks the district and settlement-type filters; ``district_lq``
    is the LQ of the municipality's district under the filters (as on Regionen).
    """
    scope, params = _scope(f)
    sql = f"""
        SELECT m.ags, m.name, m.district_ars, {DISTRICT_LABEL} AS district_name,
               m.degurba, m.degurba_label, m.population, m.centroid_x, m.centroid_y,
               m.centroid_lat AS lat, m.centroid_lon AS lon, ({scope}) AS in_scope
        FROM municipalities m JOIN districts d ON d.ars = m.district_ars
        ORDER BY m.ags
        """
    frame = _frame(con, sql, params)
    lq = district_ranking(con, f).set_index("ars")["lq"]
    frame["district_lq"] = frame["district_ars"].map(lq).astype(float)
    return frame


def planning_points(
    con: duckdb.DuckDBPyConnection, f: Filters, kind: str
) -> pd.DataFrame:
    """EPSG:25833 positions of the filtered initiatives or events, all of Saxony.

    Thematic filters only (as the Karte distance): a white spot near a district
    border may well be reached from the neighbouring district.
    """
    if kind not in PLANNING_POINTS:
        raise ValueError(f"kind must be one of {PLANNING_POINTS}, got {kind!r}")
    where, params = rows_where(_thematic(f), kind, "p")
    table, date = (
        ("initiatives", "NULL::DATE") if kind == "initiative" else ("events", "p.date")
    )
    sql = f"""SELECT p.id, p.x, p.y, {date} AS date FROM {table} p
              WHERE {where} ORDER BY p.id"""
    return _frame(con, sql, params)


def latest_event_date(con: duckdb.DuckDBPyConnection) -> object:
    """Date of the latest public event (``None`` without dated public events)."""
    return con.execute("SELECT max(date) FROM events WHERE public").fetchone()[0]
