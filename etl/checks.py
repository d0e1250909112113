"""Declared data checks (unique, not null, accepted values, relationships, counts)."""

from __future__ import annotations

import duckdb

from etl.schema import (
    GEOCODE_METHODS,
    OPERATION_FUNDS,
    OPERATION_PRECISIONS,
    PRECISIONS,
    REJECT_REASONS,
)
from sinn.vocab import EVENT_TYPES, PARTNERS, STAGES, THEMES

EXPECTED_DISTRICTS = 13


class CheckFailed(RuntimeError):
    """One or more data checks found violations; the build must not publish."""


def _unique(table: str, column: str) -> tuple[str, str, list]:
    return (
        f"unique {table}.{column}",
        f"SELECT count(*) - count(DISTINCT {column}) FROM {table}",
        [],
    )


def _not_null(table: str, column: str) -> tuple[str, str, list]:
    return (
        f"not_null {table}.{column}",
        f"SELECT count(*) FROM {table} WHERE {column} IS NULL",
        [],
    )


def _accepted(table: str, column: str, values: tuple) -> tuple[str, str, list]:
    return (
        f"accepted_values {table}.{column}",
        f"SELECT count(*) FROM {table} WHERE {column} NOT IN (SELECT unnest(?))",
        [list(values)],
    )


def _relationship(
    table: str, column: str, parent: str, key: str
) -> tuple[str, str, list]:
    return (
        f"relationship {table}.{column} -> {parent}.{key}",
        f"SELECT count(*) FROM {table} "
        f"WHERE {column} NOT IN (SELECT {key} FROM {parent})",
        [],
    )


def _mart_checks() -> list[tuple[str, str, list]]:
    """The fact tables sum exactly to the public rows they were built from."""
    totals = (
        ("initiative_facts", "initiatives", "initiatives", "count(*)"),
        ("event_facts", "events", "events", "count(*)"),
        ("event_facts", "participants", "events", "coalesce(sum(participants), 0)"),
    )
    return [
        (
            f"{mart}.{column} sums the public {table}",
            f"SELECT abs((SELECT coalesce(sum({column}), 0) FROM {mart}) "
            f"- (SELECT {total} FROM {table} WHERE public))",
            [],
        )
        for mart, column, table, total in totals
    ]


def declared_checks() -> list[tuple[str, str, list]]:
    """Every check as (name, SQL returning the number of violations, parameters)."""
    checks = [
        _unique("municipalities", "ags"),
        _unique("districts", "ars"),
        _unique("initiatives", "id"),
        _unique("events", "id"),
        _unique("municipality_stats", "ags"),
        _unique("district_stats", "ars"),
        _accepted("municipalities", "degurba", (1, 2, 3)),
        _accepted("districts", "kind", ("Kreisfreie Stadt", "Landkreis")),
        _accepted("initiatives", "theme", THEMES),
        _accepted("initiatives", "partner", PARTNERS),
        _accepted("initiatives", "stage", STAGES),
        _accepted("events", "type", EVENT_TYPES),
        _accepted("events", "theme", THEMES),
        _accepted("events", "partner", PARTNERS),
        _accepted("rejects", "reason", REJECT_REASONS),
        _relationship("municipalities", "district_ars", "districts", "ars"),
        _relationship("postal_codes", "ags", "municipalities", "ags"),
        _relationship("districts", "seat_ags", "municipalities", "ags"),
        (
            "district count",
            "SELECT abs(count(*) - ?) FROM districts",
            [EXPECTED_DISTRICTS],
        ),
        (
            "municipality_stats covers every municipality",
            "SELECT (SELECT count(*) FROM municipalities) - count(*) "
            "FROM municipality_stats",
            [],
        ),
    ]
    checks += _mart_checks()
    for table in ("municipalities", "districts"):
        checks += [_not_null(table, c) for c in ("name", "geom", "geom_web")]
    checks.append(_not_null("districts", "population"))
    for table in ("initiatives", "events"):
        checks += [_not_null(table, c) for c in ("id", "name", "ags", "district_ars")]
        checks.append(_accepted(table, "geocode_method", GEOCODE_METHODS))
        checks.append(_accepted(table, "location_precision", PRECISIONS))
        checks.append(_relationship(table, "ags", "municipalities", "ags"))
        checks.append(_relationship(table, "district_ars", "districts", "ars"))
    return checks + operation_checks()


def operation_checks() -> list[tuple[str, str, list]]:
    """Checks of ``operations`` and its marts: keys, vocabularies, consistency."""
    return [
        _unique("operations", "operation_id"),
        *(_not_null("operations", c) for c in ("eligible_eur", "fund", "source_file")),
        _accepted("operations", "location_precision", OPERATION_PRECISIONS),
        _accepted("operations", "fund", OPERATION_FUNDS),
        _relationship("operations", "ags", "municipalities", "ags"),
        _relationship("operations", "district_ars", "districts", "ars"),
        _relationship("operations", "source_file", "operation_sources", "source_file"),
        (
            "operations: ags exactly at municipality precision, district unless state",
            "SELECT count(*) FROM operations WHERE (ags IS NOT NULL) "
            "<> (location_precision = 'municipality') "
            "OR (district_ars IS NULL) <> (location_precision = 'state')",
            [],
        ),
        (
            "operations: municipality lies in its district",
            "SELECT count(*) FROM operations o JOIN municipalities m USING (ags) "
            "WHERE m.district_ars <> o.district_ars",
            [],
        ),
        (
            "funding_facts sums to operations",
            "SELECT (SELECT count(*) FROM operations) - coalesce(sum(operations), 0) "
            "+ abs((SELECT coalesce(sum(eligible_eur), 0) FROM operations) "
            "- coalesce(sum(eligible_eur), 0)) FROM funding_facts",
            [],
        ),
        (
            "operation_sources rows = operations + rejected operation rows",
            "SELECT abs(coalesce(sum(rows), 0) - (SELECT count(*) FROM operations) "
            "- (SELECT count(*) FROM rejects WHERE kind = 'operation')) "
            "FROM operation_sources",
            [],
        ),
    ]


def run_checks(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Run every check; raise :class:`CheckFailed` on failures, else return names."""
    failures, passed = [], []
    declared = declared_checks()
    # One query with a scalar subquery per check: one round trip, run in parallel.
    counts = con.execute(
        "SELECT " + ", ".join(f"({sql})" for _, sql, _ in declared),
        [value for _, _, params in declared for value in params],
    ).fetchone()
    for (name, _, _), violations in zip(declared, counts, strict=True):
        (failures if violations else passed).append(
            f"{name}: {violations} violation(s)"
        )
    if failures:
        raise CheckFailed("data checks failed: " + "; ".join(failures))
    return passed
