"""Coordinate reference systems used by SINN-Atlas and checked conversions."""

from __future__ import annotations

import geopandas as gpd

__all__ = ["METRIC_CRS", "WEB_CRS", "to_metric", "to_web", "require_crs"]

#: Saxony's official metric CRS (UTM zone 33N); all areas and distances use it.
METRIC_CRS = "EPSG:25833"
#: Longitude/latitude for the browser and GeoJSON.
WEB_CRS = "EPSG:4326"


def require_crs(gdf: gpd.GeoDataFrame, name: str = "gdf") -> None:
    """Raise an error naming ``name`` unless ``gdf`` is a GeoDataFrame with a CRS."""
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise TypeError(f"{name} must be a GeoDataFrame, got {type(gdf).__name__}")
    if gdf.crs is None:
        raise ValueError(f"{name} has no CRS; set it before reprojecting")


def to_metric(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return ``gdf`` reprojected to EPSG:25833 (metres)."""
    require_crs(gdf)
    return gdf.to_crs(METRIC_CRS)


def to_web(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return ``gdf`` reprojected to EPSG:4326 (lon/lat)."""
    require_crs(gdf)
    return gdf.to_crs(WEB_CRS)
