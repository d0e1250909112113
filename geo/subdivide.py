"""Split polygons along a regular grid so point-in-polygon tests touch few vertices."""

from __future__ import annotations

import numpy as np
import shapely
from numpy.typing import NDArray

__all__ = ["grid_pieces"]


def grid_pieces(
    geoms: NDArray[np.object_], cell: float
) -> tuple[NDArray[np.intp], NDArray[np.object_]]:
    """Cut every polygon into its intersections with square grid cells.

    Like PostGIS ``ST_Subdivide``: a point lies in a polygon exactly when it lies
    in one of its pieces, but each piece has a small bounding box and few
    vertices, which makes spatial joins against many points faster.

    Parameters
    ----------
    geoms
        Array of shapely polygons (any CRS; ``cell`` is in its units).
    cell
        Grid cell size, > 0.

    Returns
    -------
    index, pieces
        For each non-empty piece, the position of its source polygon in
        ``geoms``, and the piece itself.
    """
    geoms = np.asarray(geoms, dtype=object)
    if not cell > 0:
        raise ValueError(f"cell must be > 0, got {cell}")
    if geoms.size == 0:
        return np.empty(0, dtype=np.intp), np.empty(0, dtype=object)
    if not all(isinstance(g, shapely.Polygon | shapely.MultiPolygon) for g in geoms):
        raise TypeError("geoms must hold only Polygon or MultiPolygon geometries")
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    xs = np.arange(np.floor(xmin / cell) * cell, xmax, cell)
    ys = np.arange(np.floor(ymin / cell) * cell, ymax, cell)
    gx, gy = (a.ravel() for a in np.meshgrid(xs, ys))
    boxes = shapely.box(gx, gy, gx + cell, gy + cell)
    source, box = shapely.STRtree(boxes).query(geoms, predicate="intersects")
    pieces = shapely.intersection(geoms[source], boxes[box])
    keep = ~shapely.is_empty(pieces) & (shapely.area(pieces) > 0)
    return source[keep], pieces[keep]
