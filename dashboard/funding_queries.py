"""SQL of the funding views (ESF list of operations), as functions of a connection.

Values reach DuckDB only as bound parameters; no Streamlit here, so the page, the
district report and the tests call the same functions. Money sits in
``funding_facts`` / ``operations`` (published by the ETL); operations known only
at district level count in district figures and never in municipality figures;
state-wide operations count in no area and are reported apart.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import duckdb
import pandas as pd

from dashboard.queries import DISTRICT_LABEL, Filters, district_ranking, where_clause

__all__ = [
    "FundingFilters",
    "funding_by_area",
    "funding_by_kind",
    "funding_by_settlement",
    "funding_loaded",
    "funding_options",
    "funding_sources",
    "funding_state_wide",
    "initiatives_vs_funding",
    "operations_in_view",
    "top_beneficiaries",
    "top_places",
]

LEVELS = ("district", "municipality")
VERSUS_COLUMNS = [
    "name",
    "per_100k",
    "eur_per_inhabitant",
    "initiatives",
    "eligible_eur",
    "operations",
    "population",
    "kind",
    "ars",
]


@dataclass(frozen=True)
class FundingFilters:
    """Filters of the funding page; empty tuples mean "no restriction"."""

    funds: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    guidelines: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    districts: tuple[str, ...] = ()  # 5-digit ARS; empty = all of Saxony


def _where(
    ff: FundingFilters, alias: str, year: str = "start_year"
) -> tuple[str, list]:
    """WHERE clause (without the keyword) and parameters of the thematic filters."""
    lists = [
        (f"{alias}.fund", ff.funds),
        (f"{alias}.category", ff.categories),
        (f"{alias}.guideline", ff.guidelines),
    ]
    return where_clause(lists, f"{alias}.{year}", ff.year_from, ff.year_to)


def _district_where(
    ff: FundingFilters, alias: str, column: str = "district_ars"
) -> tuple[str, list]:
    """Clause restricting rows to the chosen districts (TRUE without a choice)."""
    if not ff.districts:
        return "TRUE", []
    return f"{alias}.{column} IN (SELECT unnest(?))", [list(ff.districts)]


def _check_level(level: str) -> None:
    """Raise ``ValueError`` unless ``level`` is one of ``LEVELS``."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, got {level!r}")


def funding_loaded(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the database holds the published funding tables with any operation."""
    sql = """SELECT count(*) FROM information_schema.tables
             WHERE table_name IN ('operations', 'operation_sources', 'funding_facts')"""
    if con.execute(sql).fetchone()[0] < 3:
        return False
    return bool(con.execute("SELECT EXISTS (SELECT 1 FROM operations)").fetchone()[0])


def funding_sources(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The imported lists of operations: file, fund, programme, date and citation."""
    sql = """SELECT source_file, fund, programme, as_of, citation, rows
             FROM operation_sources ORDER BY as_of, source_file"""
    return con.execute(sql).df()


def funding_options(con: duckdb.DuckDBPyConnection) -> dict:
    """Values offered by the filters: funds, categories, guidelines, start years."""
    out = {}
    for column in ("fund", "category", "guideline"):
        sql = f"""SELECT DISTINCT {column} FROM funding_facts
                  WHERE {column} IS NOT NULL ORDER BY {column}"""
        out[column] = [r[0] for r in con.execute(sql).fetchall()]
    low, high = con.execute(
        "SELECT min(start_year), max(start_year) FROM funding_facts"
    ).fetchone()
    out["year_min"], out["year_max"] = low, high
    return out


def funding_by_area(
    con: duckdb.DuckDBPyConnection, ff: FundingFilters, level: str
) -> pd.DataFrame:
    """Operations and eligible EUR per district (13 rows) or municipality (419 rows).

    District rows include district-precision operations; municipality rows count
    only operations placed in the municipality. Columns ``key, name,
    district_ars, district_name, kind, degurba, population, operations,
    eligible_eur, eur_per_inhabitant, operations_per_100k``.
    """
    _check_level(level)
    where, params = _where(ff, "f")
    if level == "district":
        area = f"""SELECT d.ars AS key, {DISTRICT_LABEL} AS name,
                          d.ars AS district_ars, {DISTRICT_LABEL} AS district_name,
                          d.kind, NULL::INTEGER AS degurba,
                          d.population::BIGINT AS population
                   FROM districts d"""
        match = "f.district_ars = a.key"
    else:
        area = f"""SELECT m.ags AS key, m.name, m.district_ars,
                          {DISTRICT_LABEL} AS district_name, d.kind, m.degurba,
                          m.population
                   FROM municipalities m JOIN districts d ON d.ars = m.district_ars"""
        match = "f.ags = a.key"
    sql = f"""
        WITH a AS ({area}),
        money AS (
            SELECT a.key, sum(f.operations)::BIGINT AS operations,
                   sum(f.eligible_eur)::DECIMAL(18, 2) AS eligible_eur
            FROM a JOIN funding_facts f ON {match}
            WHERE {where} GROUP BY a.key
        )
        SELECT a.*, coalesce(money.operations, 0)::BIGINT AS operations,
               coalesce(money.eligible_eur, 0)::DECIMAL(18, 2) AS eligible_eur,
               per_inhabitant(coalesce(money.eligible_eur, 0)::DOUBLE, a.population)
                   AS eur_per_inhabitant,
               per_100k(coalesce(money.operations, 0), a.population)
                   AS operations_per_100k
        FROM a LEFT JOIN money ON money.key = a.key
        ORDER BY a.key
        """
    return con.execute(sql, params).df()


def funding_state_wide(con: duckdb.DuckDBPyConnection, ff: FundingFilters) -> dict:
    """Operations and eligible EUR without a district (state-wide), never spread."""
    where, params = _where(ff, "f")
    sql = f"""SELECT coalesce(sum(operations), 0)::BIGINT,
                     coalesce(sum(eligible_eur), 0)::DECIMAL(18, 2)
              FROM funding_facts f WHERE f.district_ars IS NULL AND {where}"""
    n, eur = con.execute(sql, params).fetchone()
    return {"operations": n, "eligible_eur": eur}


# group -> (population table, its alias, its district column, join to the money):
# the settlement type is known for municipality-precision money only, the
# district kind for all money with a district.
_GROUPS = {
    "degurba": ("municipalities m", "m", "district_ars", "m.ags = f.ags"),
    "kind": ("districts d", "d", "ars", "d.ars = f.district_ars"),
}


def _money_vs_population(
    con: duckdb.DuckDBPyConnection, ff: FundingFilters, group: str
) -> pd.DataFrame:
    """Money and population per ``group``: shares, gap in pp and EUR per inhabitant."""
    table, alias, district_column, join = _GROUPS[group]
    where, params = _where(ff, "f")
    dwhere, dparams = _district_where(ff, alias, district_column)
    column = f"{alias}.{group}"
    sql = f"""
        WITH pop AS (
            SELECT {column}, sum({alias}.population)::BIGINT AS population
            FROM {table} WHERE {dwhere} GROUP BY {column}
        ),
        money AS (
            SELECT {column}, sum(f.operations)::BIGINT AS operations,
                   sum(f.eligible_eur)::DECIMAL(18, 2) AS eligible_eur
            FROM funding_facts f JOIN {table} ON {join}
            WHERE {where} AND {dwhere} GROUP BY {column}
        ),
        joined AS (
            SELECT pop.{group}, pop.population,
                   coalesce(money.operations, 0)::BIGINT AS operations,
                   coalesce(money.eligible_eur, 0)::DECIMAL(18, 2) AS eligible_eur
            FROM pop LEFT JOIN money USING ({group})
        ),
        shares AS (
            SELECT *,
                   share(population, sum(population) OVER ()) AS population_share,
                   share(eligible_eur::DOUBLE, sum(eligible_eur) OVER ())
                       AS money_share
            FROM joined
        )
        SELECT *, gap_pp(money_share, population_share) AS gap_pp,
               per_inhabitant(eligible_eur::DOUBLE, population) AS eur_per_inhabitant
        FROM shares ORDER BY {group}
        """
    return con.execute(sql, dparams + params + dparams).df()


def funding_by_settlement(
    con: duckdb.DuckDBPyConnection, ff: FundingFilters
) -> pd.DataFrame:
    """Städtisch / mittel / ländlich: share of money against share of population.

    Only municipality-precision operations can be given a settlement type;
    ``gap_pp`` = money share − population share in percentage points.
    """
    return _money_vs_population(con, ff, "degurba")


def funding_by_kind(con: duckdb.DuckDBPyConnection, ff: FundingFilters) -> pd.DataFrame:
    """Kreisfreie Stadt / Landkreis: share of money against share of population.

    District-precision operations count here (the kind is a district property).
    """
    return _money_vs_population(con, ff, "kind")


def _operations_where(ff: FundingFilters, alias: str) -> tuple[str, list]:
    """Thematic and district filters on ``operations`` (start year from the date)."""
    where, params = _where(ff, alias, "start_year")
    dwhere, dparams = _district_where(ff, alias)
    return f"{where} AND {dwhere}", params + dparams


_OPERATIONS = """(SELECT *, year(start_date) AS start_year FROM operations)"""


def top_beneficiaries(
    con: duckdb.DuckDBPyConnection, ff: FundingFilters, limit: int = 10
) -> pd.DataFrame:
    """Beneficiaries with the most eligible EUR in view (state-wide included)."""
    where, params = _operations_where(ff, "o")
    sql = f"""
        SELECT o.beneficiary, sum(o.eligible_eur)::DECIMAL(18, 2) AS eligible_eur,
               count(*) AS operations
        FROM {_OPERATIONS} o WHERE {where}
        GROUP BY o.beneficiary
        ORDER BY eligible_eur DESC, o.beneficiary LIMIT ?
        """
    return con.execute(sql, [*params, limit]).df()


def top_places(
    con: duckdb.DuckDBPyConnection, ff: FundingFilters, limit: int = 10
) -> pd.DataFrame:
    """Municipalities with the most eligible EUR (municipality precision only)."""
    where, params = _operations_where(ff, "o")
    sql = f"""
        SELECT m.name AS municipality,
               sum(o.eligible_eur)::DECIMAL(18, 2) AS eligible_eur,
               per_inhabitant(sum(o.eligible_eur)::DOUBLE, m.population)
                   AS eur_per_inhabitant,
               count(*) AS operations, {DISTRICT_LABEL} AS district, m.population,
               m.ags
        FROM {_OPERATIONS} o JOIN municipalities m ON m.ags = o.ags
        JOIN districts d ON d.ars = m.district_ars
        WHERE {where}
        GROUP BY m.ags, m.name, d.name, d.kind, m.population
        ORDER BY eligible_eur DESC, m.ags LIMIT ?
        """
    return con.execute(sql, [*params, limit]).df()


def operations_in_view(
    con: duckdb.DuckDBPyConnection, ff: FundingFilters, state_wide: bool = True
) -> pd.DataFrame:
    """Every operation under the filters, largest first (state-wide ones optional)."""
    where, params = _operations_where(ff, "o")
    if not state_wide:
        where += " AND o.district_ars IS NOT NULL"
    sql = f"""
        SELECT o.name, o.beneficiary, o.eligible_eur, m.name AS municipality,
               {DISTRICT_LABEL} AS district, o.start_date, o.end_date, o.eu_rate,
               o.fund, o.category, o.guideline, o.place_raw, o.ags, o.district_ars,
               o.location_precision, o.operation_id
        FROM {_OPERATIONS} o
        LEFT JOIN municipalities m ON m.ags = o.ags
        LEFT JOIN districts d ON d.ars = o.district_ars
        WHERE {where}
        ORDER BY o.eligible_eur DESC, o.operation_id
        """
    return con.execute(sql, params).df()


def initiatives_vs_funding(
    con: duckdb.DuckDBPyConnection, f: Filters, ff: FundingFilters
) -> pd.DataFrame:
    """Per district: SINN initiatives per 100k next to ESF EUR per inhabitant."""
    ranking = district_ranking(con, replace(f, districts=()))
    money = funding_by_area(con, replace(ff, districts=()), "district")
    out = ranking[["ars", "name", "kind", "population", "initiatives", "per_100k"]]
    return (
        out.merge(
            money[["key", "operations", "eligible_eur", "eur_per_inhabitant"]],
            left_on="ars",
            right_on="key",
        )
        .drop(columns="key")
        .sort_values("ars", ignore_index=True)
    )[VERSUS_COLUMNS]
