"""Statistics per municipality and district over all accepted rows (ETL report)."""

from __future__ import annotations

import duckdb
import numpy as np

from geo.coverage import nearest_distances, recent_mask


def build_stats(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``municipality_stats`` and ``district_stats`` (all rows, public or not).

    The pages read the public marts instead; the metrics are the same macros.
    """
    con.execute(
        """
        CREATE OR REPLACE TABLE municipality_stats AS
        WITH i AS (SELECT ags, count(*) AS n FROM initiatives GROUP BY ags),
        e AS (SELECT ags, count(*) AS n, sum(participants) AS p FROM events
              GROUP BY ags),
        tot AS (SELECT (SELECT count(*) FROM initiatives) AS ti,
                       (SELECT sum(population) FROM municipalities) AS tp)
        SELECT m.ags, m.name, m.district_ars, d.name AS district_name,
               d.kind AS district_kind, m.degurba, m.degurba_label, m.population,
               coalesce(i.n, 0)::BIGINT AS initiatives,
               coalesce(e.n, 0)::BIGINT AS events,
               coalesce(e.p, 0)::BIGINT AS participants,
               round(per_100k(coalesce(i.n, 0), m.population), 2) AS per_100k,
               round(per_100k(coalesce(e.n, 0), m.population), 2) AS events_per_100k,
               round(lq(coalesce(i.n, 0), tot.ti, m.population, tot.tp), 3) AS lq
        FROM municipalities m CROSS JOIN tot
        JOIN districts d ON d.ars = m.district_ars
        LEFT JOIN i USING (ags) LEFT JOIN e USING (ags)
        ORDER BY m.ags
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TABLE district_stats AS
        WITH agg AS (
            SELECT district_ars AS ars, sum(initiatives) AS initiatives,
                   sum(events) AS events, sum(participants) AS participants,
                   count(*) FILTER (WHERE initiatives > 0) AS municipalities_reached,
                   count(*) AS municipalities
            FROM municipality_stats GROUP BY district_ars
        ), tot AS (SELECT sum(initiatives) AS ti, sum(population) AS tp
                   FROM municipality_stats)
        SELECT d.ars, d.name, d.kind, d.population,
               a.initiatives::BIGINT AS initiatives, a.events::BIGINT AS events,
               a.participants::BIGINT AS participants,
               a.municipalities_reached, a.municipalities,
               round(per_100k(a.initiatives, d.population), 2) AS per_100k,
               round(per_100k(a.events, d.population), 2) AS events_per_100k,
               round(lq(a.initiatives, tot.ti, d.population, tot.tp), 3) AS lq
        FROM districts d JOIN agg a USING (ars) CROSS JOIN tot
        ORDER BY d.ars
        """
    )


def add_distances(
    con: duckdb.DuckDBPyConnection, radius_m: float = 15_000.0, recent_months: int = 12
) -> None:
    """Add nearest initiative/event distances (straight line) to the stats."""
    mun = con.execute(
        "SELECT m.ags, m.centroid_x, m.centroid_y FROM municipality_stats s "
        "JOIN municipalities m USING (ags) ORDER BY s.ags"
    ).df()
    ini = con.execute("SELECT x, y FROM initiatives").df()
    ev = con.execute("SELECT x, y, date FROM events").df()
    mx, my = mun["centroid_x"].to_numpy(), mun["centroid_y"].to_numpy()
    today = np.datetime64("today", "D")
    recent = recent_mask(ev["date"].to_numpy("datetime64[D]"), today, recent_months)
    ex, ey = ev["x"].to_numpy(), ev["y"].to_numpy()
    metres = {
        "nearest_initiative_km": nearest_distances(mx, my, ini["x"], ini["y"]),
        "nearest_event_km": nearest_distances(mx, my, ex, ey),
        "nearest_recent_event_km": nearest_distances(mx, my, ex[recent], ey[recent]),
    }
    for name, values in metres.items():
        mun[name] = np.where(np.isfinite(values), np.round(values / 1000, 3), np.nan)
    mun["within_15km"] = metres["nearest_initiative_km"] <= radius_m
    frame = mun.drop(columns=["centroid_x", "centroid_y"])
    con.register("dist_df", frame)
    con.execute(
        """
        CREATE OR REPLACE TABLE municipality_stats AS
        SELECT s.*, d.nearest_initiative_km, d.nearest_event_km,
               d.nearest_recent_event_km, d.within_15km
        FROM municipality_stats s JOIN dist_df d USING (ags) ORDER BY s.ags
        """
    )
    con.unregister("dist_df")
