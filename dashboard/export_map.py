"""Self-contained static HTML map for the SINN website.

The map carries a title box (title, indicator, data date, sources) as well as
the legends, so a copy found later still says what it shows and from when.

``python -m dashboard.export_map [--db PATH] [--lang de|en] [--out PATH]``: one
file with Leaflet, the marker-cluster plugin, the data and the legends inlined;
no server, no CDN, no tile server. Public rows and fields only. A read-only
consumer of the published database; it does not import Streamlit.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from html import escape
from pathlib import Path

import duckdb
import folium
from branca.element import Element

from dashboard import queries as q
from dashboard.choropleth import build_map
from dashboard.citation import citation, data_version
from dashboard.map_controls import Attribution, HtmlControl
from dashboard.map_data import MapData, map_data
from dashboard.map_style import MapOptions
from dashboard.markup import render
from dashboard.texts import LANGUAGES, t
from sinn import config
from sinn.atomic import atomic_write
from sinn.db import connect

__all__ = ["add_title_box", "export_map", "main", "public_map", "public_map_data"]


def public_map_data(
    con: duckdb.DuckDBPyConnection, f: q.Filters | None = None
) -> MapData:
    """District and municipality layers plus public markers for the static map."""
    return map_data(con, f or q.Filters(), q.MAP_LEVELS)


def public_map(
    con: duckdb.DuckDBPyConnection,
    opts: MapOptions,
    f: q.Filters | None = None,
    **shared: str,
) -> folium.Map:
    """The public map of a full page: both levels, demo notice and page title.

    ``shared`` sets ``MapData.geometry_url``/``labels_url`` (shared scripts).
    """
    lang = opts.lang
    md = replace(public_map_data(con, f), **shared)
    notice = t("demo.caption", lang) if q.has_demo_rows(con) else ""
    m = build_map(md, replace(opts, height="100%", notice=notice))
    m.get_root().title = f"{t('app.title', lang)} – {t('nav.karte', lang)}"
    # the data version: build time in the map, checksums and citation in the head
    run = q.latest_run(con)
    Attribution(data_version(run, lang).split(";")[0]).add_to(m)
    for name, text in (
        ("citation", citation(run, lang)),
        ("data-version", data_version(run, lang, full=True)),
    ):
        m.get_root().header.add_child(
            Element(f'<meta name="sinn:{name}" content="{escape(text)}">')
        )
    return m


def add_title_box(m: folium.Map, opts: MapOptions, run: dict) -> None:
    """Add the box naming title, indicator, data date and sources to ``m``."""
    lang, indicator = opts.lang, opts.indicator
    box = render(
        "title_box.html",
        title=t("export.title", lang),
        indicator=t(f"map.legend.{indicator}", lang),
        date=t("share.built", lang, date=str(run.get("finished_at") or "–")[:10]),
        sources=t("export.sources", lang),
    )
    HtmlControl(box, "bottomleft").add_to(m)


def export_map(
    db_path: Path, out: Path, lang: str = "de", f: q.Filters | None = None
) -> Path:
    """Write the static map of the database at ``db_path`` to ``out``; return it."""
    with connect(db_path, read_only=True) as con:
        opts = MapOptions(lang=lang, assets=None)
        m = public_map(con, opts, f)
        add_title_box(m, opts, q.latest_run(con) or {})
    out = Path(out)
    atomic_write(out, m.get_root().render().encode("utf-8"))
    return out


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m dashboard.export_map``."""
    parser = argparse.ArgumentParser(
        prog="python -m dashboard.export_map", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--db", type=Path, help="database path (default SINN_DB)")
    parser.add_argument("--lang", choices=LANGUAGES, default="de")
    parser.add_argument(
        "--out", type=Path, help="output HTML (default data/processed/embed/map.html)"
    )
    args = parser.parse_args(argv)
    db = args.db or config.db_path()
    if not Path(db).is_file():
        print(f"error: database {db} not found; run `python -m etl build`")
        return 2
    out = export_map(
        db, args.out or config.processed_dir() / "embed" / "map.html", args.lang
    )
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
