"""Self-contained static HTML map for the SINN website (``python -m etl export-map``).

One file with Leaflet, the marker-cluster plugin, the data and the legends
inlined: no server, no CDN, no tile server. Public rows and fields only.
"""

from __future__ import annotations

import os
from pathlib import Path

from dashboard import queries as q
from dashboard.i18n import t
from dashboard.maps import AreaLayer, MapData, MapOptions, build_map
from sinn.db import connect

__all__ = ["export_map", "public_map_data"]


def public_map_data(con, f: q.Filters | None = None) -> MapData:
    """District and municipality layers plus public markers for the static map."""
    f = q.Filters(public_only=True) if f is None else f
    areas = [
        AreaLayer(level, q.map_area_values(con, f, level), q.map_geometries(con, level))
        for level in q.MAP_LEVELS
    ]
    return MapData(
        areas=areas,
        context=q.map_context(con),
        bounds=q.map_bounds(con),
        initiatives=q.initiatives_public(con, f),
        events=q.events_public(con, f) if f.show_events else None,
        district_outlines=q.map_geometries(con, "district"),
    )


def export_map(db_path: Path, out: Path, lang: str = "de") -> Path:
    """Write the static map of the database at ``db_path`` to ``out``; return it."""
    con = connect(db_path, read_only=True)
    try:
        md = public_map_data(con)
        demo = q.has_demo_rows(con)
    finally:
        con.close()
    notice = t("demo.caption", lang=lang) if demo else ""
    opts = MapOptions(lang=lang, assets=None, height="100%", notice=notice)
    m = build_map(md, opts)
    figure = m.get_root()
    figure.title = f"{t('app.title', lang=lang)} – {t('nav.karte', lang=lang)}"
    html = figure.render()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".part")
    partial.write_text(html, encoding="utf-8")
    os.replace(partial, out)
    return out
