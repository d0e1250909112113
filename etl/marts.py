"""Marts: the public fact tables and the metric macros every consumer reads.

Each metric is defined here once, as a persistent DuckDB macro stored in the
published database; the dashboard, the static exports and the reports call the
macros and sum the fact tables instead of re-typing a formula.
"""

from __future__ import annotations

import duckdb

__all__ = ["METRIC_MACROS", "build_facts", "create_metric_macros"]

#: name -> (parameters, SQL body). Ratios are NULL where the denominator is 0.
METRIC_MACROS: dict[str, tuple[str, str]] = {
    # initiatives (or events) per 100,000 inhabitants
    "per_100k": ("n, pop", "n * 1e5 / nullif(pop, 0)"),
    # location quotient as a ratio of sums: (n / n_total) / (pop / pop_total)
    "lq": (
        "n, n_total, pop, pop_total",
        "(n / nullif(n_total, 0)) / nullif(pop / pop_total, 0)",
    ),
    # a part of a whole as a fraction 0..1
    "share": ("part, total", "part / nullif(total, 0)"),
    # an amount (e.g. EUR) per inhabitant
    "per_inhabitant": ("amount, pop", "amount / nullif(pop, 0)"),
    # difference of two shares (fractions) in percentage points
    "gap_pp": ("share_a, share_b", "(share_a - share_b) * 100"),
    # Empirical Bayes (Marshall 1991, method of moments), used as an aggregate
    # over the areas of one region: the variance of the true rates between them,
    # sum(pop * (n/pop - ref_rate)^2) / sum(pop) - ref_rate / mean(pop), >= 0.
    "eb_var": (
        "n, pop, ref_rate",
        "greatest(sum(pop * power(n / nullif(pop, 0) - ref_rate, 2))"
        " / nullif(sum(pop), 0) - ref_rate / nullif(avg(pop), 0), 0)",
    ),
    # Empirical Bayes smoothed rate (per inhabitant): the raw rate n/pop pulled
    # towards the region's rate ref_rate by the weight var / (var + ref_rate/pop);
    # small populations (noisy rates) move most. NULL where pop is 0.
    "eb_rate": (
        "n, pop, ref_rate, var",
        "CASE WHEN pop > 0 THEN ref_rate + coalesce(var / nullif(var + ref_rate"
        " / pop, 0), 0) * (n / pop - ref_rate) END",
    ),
}


def create_metric_macros(
    con: duckdb.DuckDBPyConnection, catalog: str | None = None
) -> None:
    """Create the metric macros, persistent, in ``catalog`` (default: current)."""
    prefix = f"{catalog}.main." if catalog else ""
    for name, (params, body) in METRIC_MACROS.items():
        con.execute(f"CREATE OR REPLACE MACRO {prefix}{name}({params}) AS {body}")


def build_facts(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``initiative_facts`` and ``event_facts`` from the public rows."""
    con.execute(
        """
        CREATE OR REPLACE TABLE initiative_facts AS
        SELECT i.ags, i.district_ars, m.degurba::INTEGER AS degurba, i.theme,
               i.partner, i.stage, i.start_year::INTEGER AS start_year,
               count(*)::BIGINT AS initiatives
        FROM initiatives i JOIN municipalities m ON m.ags = i.ags
        WHERE i.public
        GROUP BY ALL ORDER BY ALL
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TABLE event_facts AS
        SELECT e.ags, e.district_ars, m.degurba::INTEGER AS degurba, e.type,
               e.theme, e.partner, year(e.date)::INTEGER AS year,
               date_trunc('quarter', e.date)::DATE AS quarter_start,
               count(*)::BIGINT AS events,
               coalesce(sum(e.participants), 0)::BIGINT AS participants
        FROM events e JOIN municipalities m ON m.ags = e.ags
        WHERE e.public
        GROUP BY ALL ORDER BY ALL
        """
    )
