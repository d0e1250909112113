"""What a map shows, assembled in one place from the query module."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import duckdb
import pandas as pd

from dashboard import queries as q

__all__ = ["AreaLayer", "MapData", "map_data"]


@dataclass(frozen=True)
class AreaLayer:
    """One choropleth level: values from ``queries.map_area_values`` and geometry."""

    level: str
    values: pd.DataFrame
    geometries: dict[str, str]


@dataclass
class MapData:
    """Everything a map shows, as returned by the query module."""

    areas: list[AreaLayer]
    context: list[tuple[str, str, str]]
    bounds: list[list[float]]
    initiatives: pd.DataFrame | None = None
    events: pd.DataFrame | None = None
    district_outlines: dict[str, str] | None = None
    places: pd.DataFrame | None = None  # town labels (``queries.map_places``)
    #: URL of the shared geometry script (``dashboard.geometry``); ``None``
    #: writes the geometry into the map itself.
    geometry_url: str | None = None
    #: URL of the shared marker script (``dashboard.map_files``); ``None``
    #: writes the marker fields into the map itself.
    labels_url: str | None = None


def map_data(
    con: duckdb.DuckDBPyConnection,
    f: q.Filters,
    levels: Sequence[str],
    markers: bool = True,
    outlines: bool = True,
) -> MapData:
    """Area layers at ``levels``, public markers and background for one map.

    The map keeps all of Saxony: the district filter only highlights, so it is
    left out of values and markers. ``outlines`` adds the district borders.
    """
    everywhere = replace(f, districts=())
    return MapData(
        areas=[
            AreaLayer(
                level,
                q.map_area_values(con, everywhere, level),
                q.map_geometries(con, level),
            )
            for level in levels
        ],
        context=q.map_context(con),
        bounds=q.map_bounds(con),
        initiatives=q.initiatives_public(con, everywhere) if markers else None,
        events=(
            q.events_public(con, everywhere) if markers and f.show_events else None
        ),
        district_outlines=q.map_geometries(con, "district") if outlines else None,
        places=q.map_places(con),
    )
