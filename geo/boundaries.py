"""Readers for BKG "ebenen" boundary archives (VG5000 or VG250, any edition)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import geopandas as gpd

__all__ = ["LEVELS", "find_layer", "read_level"]

#: BKG layer codes: state, Länder, districts, municipal associations, municipalities.
LEVELS = ("STA", "LAN", "KRS", "VWG", "GEM")
# GF 1/2 are water areas in VG250; land is 3/4 (VG250) or 9 (VG5000).
_WATER_GF = {1, 2}


def find_layer(zip_path: str | Path, level: str) -> str:
    """Return the member path of the ``level`` shapefile inside a BKG zip.

    Parameters
    ----------
    zip_path
        A BKG "ebenen" archive (``vg5000_*.shape.ebenen.zip`` or ``vg250_*``).
    level
        One of :data:`LEVELS`.
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, got {level!r}")
    pattern = re.compile(rf"(^|/)VG(5000|250)_{level}\.shp$", re.IGNORECASE)
    with zipfile.ZipFile(zip_path) as zf:
        members = [n for n in zf.namelist() if pattern.search(n)]
    if not members:
        raise ValueError(f"zip_path {zip_path} has no VG5000/VG250 {level} layer")
    return members[0]


def read_level(
    zip_path: str | Path, level: str, land: str | None = "14"
) -> gpd.GeoDataFrame:
    """Read one BKG layer, land areas only, optionally limited to one Land.

    Returns the source CRS (EPSG:31467 for VG5000 GK3, EPSG:25832 for VG250
    UTM32) with columns ``ars``, ``ags``, ``name``, ``bez`` and ``geometry``;
    parts sharing an ARS are dissolved into one row.
    """
    member = find_layer(zip_path, level)
    gdf = gpd.read_file(f"zip://{Path(zip_path).resolve()}!{member}", engine="pyogrio")
    if gdf.crs is None:
        raise ValueError(f"zip_path {zip_path}: layer {level} has no CRS")
    if "GF" in gdf.columns:
        gdf = gdf[~gdf["GF"].astype(int).isin(_WATER_GF)]
    if land is not None:
        gdf = gdf[gdf["ARS"].astype(str).str[:2] == land]
    out = gdf.rename(columns={"ARS": "ars", "AGS": "ags", "GEN": "name", "BEZ": "bez"})
    out = out[["ars", "ags", "name", "bez", "geometry"]]
    out = out.dissolve(by="ars", as_index=False, aggfunc="first")
    return out.sort_values("ars").reset_index(drop=True)
