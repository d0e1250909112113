"""Naive baseline map page for ``bench_dashboard.py`` (not part of the app).

The same map builder, but with the unsimplified boundaries at full coordinate
precision (``ST_AsGeoJSON(ST_Transform(geom, ...))``) and ``st_folium`` left at
its default of returning every object, so each pan and zoom reruns the script.
``?level=district`` or ``?level=municipality`` (default).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[1])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import streamlit as st  # noqa: E402
from streamlit_folium import st_folium  # noqa: E402

from dashboard import data  # noqa: E402
from dashboard.assets import ensure_vendor  # noqa: E402
from dashboard.maps import AreaLayer, MapData, MapOptions, build_map  # noqa: E402
from dashboard.queries import Filters  # noqa: E402

ensure_vendor()
level = st.query_params.get("level", "municipality")
f = Filters()
md = MapData(
    areas=[
        AreaLayer(
            level,
            data.query("map_area_values", f, level),
            data.query("map_geometries", level, True),
        )
    ],
    context=data.query("map_context"),
    bounds=data.query("map_bounds"),
    initiatives=data.query("initiatives_public", f),
    events=data.query("events_public", f),
    district_outlines=(
        data.query("map_geometries", "district", True)
        if level == "municipality"
        else None
    ),
)
st_folium(build_map(md, MapOptions()), height=560, use_container_width=True)
