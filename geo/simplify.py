"""Browser-friendly geometry: topology-preserving simplification and rounding."""

from __future__ import annotations

import geopandas as gpd
import shapely

from geo.crs import METRIC_CRS, WEB_CRS, require_crs

__all__ = ["simplify_for_web"]


def simplify_for_web(
    gdf: gpd.GeoDataFrame, tolerance_m: float = 150.0, decimals: int = 5
) -> gpd.GeoDataFrame:
    """Return ``gdf`` in EPSG:4326, simplified as a coverage and rounded.

    Neighbouring polygons keep a shared border (``shapely.coverage_simplify``),
    so no gaps or slivers appear between municipalities after simplification.

    Parameters
    ----------
    gdf
        Polygons forming a coverage (e.g. all municipalities of a Land).
    tolerance_m
        Simplification tolerance in metres, applied in EPSG:25833.
    decimals
        Decimal places kept for lon/lat (5 ≈ 1 m).
    """
    require_crs(gdf)
    if tolerance_m < 0:
        raise ValueError(f"tolerance_m must be >= 0, got {tolerance_m}")
    metric = gdf.to_crs(METRIC_CRS)
    geoms = shapely.coverage_simplify(metric.geometry.values, tolerance_m)
    web = gpd.GeoSeries(geoms, crs=METRIC_CRS, index=gdf.index).to_crs(WEB_CRS)
    rounded = shapely.set_precision(web.values, 10.0 ** (-decimals))
    out = gdf.copy()
    out = out.set_geometry(gpd.GeoSeries(rounded, crs=WEB_CRS, index=gdf.index))
    return out
