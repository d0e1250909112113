"""Every SQL statement of the dashboard, as functions of (connection, filters).

Values from widgets and URL parameters only ever reach DuckDB as bound
parameters; this module does not import Streamlit so it can be tested alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Filters:
    """The sidebar filter state; empty tuples mean "no restriction"."""

    themes: tuple[str, ...] = ()
    partners: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    degurba: tuple[int, ...] = ()  # 1 städtisch, 2 mittel, 3 ländlich
    districts: tuple[str, ...] = ()  # 5-digit ARS
    show_events: bool = True
    public_only: bool = True  # public/embed mode: rows with public = false excluded
    extra: dict = field(default_factory=dict, compare=False, hash=False)


def initiative_where(f: Filters, alias: str = "i") -> tuple[str, list]:
    """WHERE clause (without the keyword) and parameters for initiatives."""
    clauses, params = ["TRUE"], []
    if f.public_only:
        clauses.append(f"{alias}.public")
    for column, values in (
        ("theme", f.themes),
        ("partner", f.partners),
        ("stage", f.stages),
    ):
        if values:
            clauses.append(f"{alias}.{column} IN (SELECT unnest(?))")
            params.append(list(values))
    if f.year_from is not None:
        clauses.append(f"{alias}.start_year >= ?")
        params.append(f.year_from)
    if f.year_to is not None:
        clauses.append(f"{alias}.start_year <= ?")
        params.append(f.year_to)
    clauses_geo, params_geo = _region_where(f, alias)
    return " AND ".join(clauses + clauses_geo), params + params_geo


def event_where(f: Filters, alias: str = "e") -> tuple[str, list]:
    """WHERE clause and parameters for events (theme, partner, year, region)."""
    clauses, params = ["TRUE"], []
    if f.public_only:
        clauses.append(f"{alias}.public")
    for column, values in (("theme", f.themes), ("partner", f.partners)):
        if values:
            clauses.append(f"{alias}.{column} IN (SELECT unnest(?))")
            params.append(list(values))
    if f.year_from is not None:
        clauses.append(f"year({alias}.date) >= ?")
        params.append(f.year_from)
    if f.year_to is not None:
        clauses.append(f"year({alias}.date) <= ?")
        params.append(f.year_to)
    clauses_geo, params_geo = _region_where(f, alias)
    return " AND ".join(clauses + clauses_geo), params + params_geo


def _region_where(f: Filters, alias: str) -> tuple[list[str], list]:
    """Clauses restricting rows by district and settlement type of their municipality."""
    clauses, params = [], []
    if f.districts:
        clauses.append(f"{alias}.district_ars IN (SELECT unnest(?))")
        params.append(list(f.districts))
    if f.degurba:
        clauses.append(
            f"{alias}.ags IN (SELECT ags FROM municipalities WHERE degurba IN (SELECT unnest(?)))"
        )
        params.append(list(f.degurba))
    return clauses, params
