"""Grid subdivision of polygons used by the point-in-polygon lookup."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from geo.subdivide import grid_pieces


def test_pieces_cover_the_polygon_exactly():
    square = shapely.box(0, 0, 10, 10)
    ring = shapely.box(20, 0, 30, 10).difference(shapely.box(22, 2, 28, 8))
    source, pieces = grid_pieces(np.array([square, ring]), cell=4)
    assert shapely.area(shapely.union_all(pieces[source == 0])) == pytest.approx(100)
    assert shapely.area(shapely.union_all(pieces[source == 1])) == pytest.approx(64)
    assert (source == 0).sum() == 9  # 10x10 over 4-unit cells starting at 0: 3x3
    assert all(
        shapely.within(p, shapely.box(0, 0, 10, 10)) for p in pieces[source == 0]
    )


def test_point_on_cell_edge_still_intersects_a_piece():
    _, pieces = grid_pieces(np.array([shapely.box(0, 0, 10, 10)]), cell=5)
    edge = shapely.Point(5, 3)
    assert not any(shapely.contains(pieces, edge))  # why the join uses ST_Intersects
    assert shapely.intersects(pieces, edge).sum() == 2


def test_argument_errors():
    with pytest.raises(ValueError, match="cell must be > 0"):
        grid_pieces(np.array([shapely.box(0, 0, 1, 1)]), cell=0)
    with pytest.raises(TypeError, match="geoms must hold only Polygon"):
        grid_pieces(np.array([shapely.Point(0, 0)]), cell=1)
    source, pieces = grid_pieces(np.array([], dtype=object), cell=1)
    assert source.size == pieces.size == 0
