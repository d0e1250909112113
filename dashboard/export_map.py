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
from pathlib import Path

import duckdb

from dashboard import queries as q
from dashboard.choropleth import build_map
from dashboard.map_controls import HtmlControl
from dashboard.map_data import MapData, map_data
from dashboard.map_style import MapOptions
from dashboard.markup import render
from dashboard.texts import LANGUAGES, t
from sinn import config
from sinn.atomic import atomic_write
from sinn.db import connect

__all__ = ["export_map", "main", "public_map_data"]


def public_map_data(
    con: duckdb.DuckDBPyConnection, f: q.Filters | None = None
) -> MapData:
    """District and municipality layers plus public markers for the static map."""
    return map_data(con, f or q.Filters(), q.MAP_LEVELS)


def export_map(
    db_path: Path, out: Path, lang: str = "de", f: q.Filters | None = None
) -> Path:
    """Write the static map of the database at ``db_path`` to ``out``; return it."""
    with connect(db_path, read_only=True) as con:
        md = public_map_data(con, f)
        demo = q.has_demo_rows(con)
        run = q.latest_run(con) or {}
    notice = t("demo.caption", lang) if demo else ""
    opts = MapOptions(lang=lang, assets=None, height="100%", notice=notice)
    m = build_map(md, opts)
    box = render(
        "title_box.html",
        title=t("export.title", lang),
        indicator=t(f"map.legend.{opts.indicator}", lang),
        date=t("share.built", lang, date=str(run.get("finished_at") or "–")[:10]),
        sources=t("export.sources", lang),
    )
    HtmlControl(box, "bottomleft").add_to(m)
    figure = m.get_root()
    figure.title = f"{t('app.title', lang)} – {t('nav.karte', lang)}"
    out = Path(out)
    atomic_write(out, figure.render().encode("utf-8"))
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
