"""Share the Karte view: a PNG of the map and the <iframe> code of its embed view."""

from __future__ import annotations

import html
from collections.abc import Mapping
from urllib.parse import urlencode, urlsplit, urlunsplit

import streamlit as st

from dashboard import data
from dashboard.i18n import t
from dashboard.map_data import MapData
from dashboard.map_png import map_png
from dashboard.map_style import MapOptions

__all__ = ["embed_snippet", "embed_url", "render_share"]

EMBED_HEIGHT = 600


def embed_url(page_url: str, params: Mapping[str, str]) -> str:
    """URL of the embed view (``view=embed``) with the page's other parameters."""
    parts = urlsplit(page_url)
    query = {k: v for k, v in params.items() if k not in ("view", "embed")}
    query |= {"embed": "true", "view": "embed"}
    return urlunsplit((parts.scheme, parts.netloc, "/", urlencode(query), ""))


def embed_snippet(url: str, title: str, height: int = EMBED_HEIGHT) -> str:
    """The ``<iframe>`` HTML for ``url`` (URL and title escaped as attributes)."""
    return (
        f'<iframe src="{html.escape(url)}" title="{html.escape(title)}" '
        f'width="100%" height="{int(height)}" style="border:0" loading="lazy" '
        'referrerpolicy="no-referrer"></iframe>'
    )


def _subtitle(level: str, opts: MapOptions) -> str:
    """Level, classification and data date under the PNG's title."""
    run = data.latest_run() or {}
    built = str(run.get("finished_at") or "")[:10]
    parts = [t(f"map.level.{level}"), t(f"map.scheme.{opts.scheme}")]
    if built:
        parts.append(t("share.built", date=built))
    return " · ".join(parts)


def render_share(md: MapData, opts: MapOptions, level: str) -> None:
    """PNG download of the shown map and the embed code of the current view."""
    left, right = st.columns([1, 2])
    subtitle = _subtitle(level, opts)
    left.download_button(
        t("share.png"),
        data=lambda: map_png(md, opts, subtitle),  # drawn only when clicked
        file_name=f"sinn_karte_{level}_{opts.indicator}.png",
        mime="image/png",
        help=t("share.png_help"),
        key="map_png",
    )
    with right.expander(t("share.embed")):
        url = embed_url(st.context.url or "", dict(st.query_params))
        # a text area, not st.code: the code highlighter's first load costs the
        # browser 0.2-0.3 s of main thread before the map frame appears
        st.text_area(
            t("share.embed_code"), embed_snippet(url, t("app.title")), height=110
        )
        st.caption(t("share.embed_help"))
