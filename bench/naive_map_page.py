"""Naive baseline map page for ``bench_dashboard.py`` (not part of the app).

The same map builder, but with the unsimplified boundaries at full coordinate
precision (``ST_AsGeoJSON(ST_Transform(geom, ...))``) and ``st_folium`` left at
its default of returning every object, so each pan and zoom reruns the script.
``?level=district`` or ``?level=municipality`` (default).
"""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from dashboard import data
from dashboard.assets import ensure_vendor
from dashboard.choropleth import build_map
from dashboard.map_data import AreaLayer
from dashboard.map_style import MapOptions
from dashboard.queries import Filters
from sinn import config
from sinn.db import connect

FULL = {"district": ("districts", "ars"), "municipality": ("municipalities", "ags")}


@st.cache_data
def full_geometries(level: str) -> dict[str, str]:
    """Area key -> unsimplified boundary as GeoJSON at full precision (the baseline)."""
    table, key = FULL[level]
    geom = "ST_Transform(geom, 'EPSG:25833', 'EPSG:4326', true)"
    with connect(config.db_path(), read_only=True) as con:
        sql = f"SELECT {key}, ST_AsGeoJSON({geom}) FROM {table} ORDER BY {key}"
        return dict(con.execute(sql).fetchall())


ensure_vendor()
level = st.query_params.get("level", "municipality")
if level not in FULL:
    level = "municipality"
f = Filters()
md = data.map_data(f, (), True, False)
md.areas = [AreaLayer(level, data.map_area_values(f, level), full_geometries(level))]
if level == "municipality":
    md.district_outlines = full_geometries("district")
st_folium(build_map(md, MapOptions()), height=560, use_container_width=True)
