"""Static public map site for the SINN website: CDN-ready, no Python per visitor.

``python -m dashboard.export_site --out DIR [--db PATH]`` writes, for each
language and indicator, a page with the map (both levels, public markers,
legend) and a switch between the indicators and languages; ``index.html`` is
the German map of initiatives per 100,000 inhabitants, the page the website
embeds in an ``<iframe>``. Leaflet, the styles, the geometry and the marker
popups are shared files under ``assets/`` with a content hash in their names
(cache them for a year); every text file has ``.gz`` and ``.br`` siblings. A
read-only consumer of the published database; it does not import Streamlit.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import duckdb

from dashboard.assets import hashed_files, self_host
from dashboard.export_map import public_map
from dashboard.map_controls import HtmlControl
from dashboard.map_files import write_compressed, write_geometry, write_labels
from dashboard.map_style import INDICATORS, MapOptions
from dashboard.markup import render
from dashboard.texts import DEFAULT_LANGUAGE, LANGUAGES, t
from sinn import config
from sinn.db import connect

__all__ = ["export_site", "main", "page_name"]

ASSETS = "assets"
DEFAULT_INDICATOR = "per_100k"


def page_name(lang: str, indicator: str) -> str:
    """File name of the page of ``lang`` and ``indicator`` (the default: index)."""
    if (lang, indicator) == (DEFAULT_LANGUAGE, DEFAULT_INDICATOR):
        return "index.html"
    return f"{lang}-{indicator}.html"


def _switch(lang: str, indicator: str) -> str:
    """HTML of the indicator and language switch (all text escaped)."""
    other = next(x for x in LANGUAGES if x != lang)
    links = [
        (t(f"ind.{ind}", lang), page_name(lang, ind), ind == indicator)
        for ind in INDICATORS
    ]
    return render(
        "site_switch.html",
        label=t("site.switch", lang),
        links=links,
        other_href=page_name(other, indicator),
        other_lang=other,
        other_text=t("site.other_language", lang),
    )


def _assets(con: duckdb.DuckDBPyConnection, folder: Path) -> dict[str, str]:
    """Write the shared files into ``folder``; key -> URL relative to the site."""
    urls = {}
    for key, (name, payload) in hashed_files().items():
        write_compressed(folder / name, payload)
        urls[key] = f"{ASSETS}/{name}"
    urls["geometry_url"] = f"{ASSETS}/{write_geometry(con, folder)}"
    for lang in LANGUAGES:
        urls[f"labels_{lang}"] = f"{ASSETS}/{write_labels(con, folder, lang)}"
    return urls


def export_site(db_path: Path, out: Path) -> list[Path]:
    """Write the site for the database at ``db_path`` into ``out``; the pages.

    The site is written beside ``out`` and then moved into place, so a failure
    leaves an existing site untouched.
    """
    out = Path(out)
    staging = out.with_name(f".{out.name}.part")
    shutil.rmtree(staging, ignore_errors=True)
    pages = []
    with connect(db_path, read_only=True) as con:
        urls = _assets(con, staging / ASSETS)
        for lang in LANGUAGES:
            for indicator in INDICATORS:
                opts = MapOptions(indicator=indicator, lang=lang, assets=ASSETS)
                m = public_map(
                    con,
                    opts,
                    geometry_url=urls["geometry_url"],
                    labels_url=urls[f"labels_{lang}"],
                )
                HtmlControl(_switch(lang, indicator), "topleft").add_to(m)
                page = staging / page_name(lang, indicator)
                html = self_host(m, urls).get_root().render()
                write_compressed(page, html.encode("utf-8"))
                pages.append(out / page.name)
    if out.exists():
        shutil.rmtree(out)
    staging.replace(out)
    return pages


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m dashboard.export_site``."""
    parser = argparse.ArgumentParser(
        prog="python -m dashboard.export_site", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--out", type=Path, required=True, help="site folder")
    parser.add_argument("--db", type=Path, help="database path (default SINN_DB)")
    args = parser.parse_args(argv)
    db = args.db or config.db_path()
    if not Path(db).is_file():
        print(f"error: database {db} not found; run `python -m etl build`")
        return 2
    pages = export_site(db, args.out)
    print(f"wrote {len(pages)} pages to {args.out} (embed {args.out / 'index.html'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
