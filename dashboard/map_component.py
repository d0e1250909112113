"""``st_folium`` split in two: render a map once, show the rendered map cheaply.

``st_folium`` renders the whole folium tree on every script run (two renders
and a Jinja compile per element: about 0.4 s for the municipality map). The
rendered parts are plain strings, so the Karte page caches them per parameter
set and only hands them to the component. ``render`` uses streamlit-folium
0.27.4's own helpers (pinned in pyproject.toml). ``show`` hands the parts to a
small frontend of ours (``map_frontend/index.html``) instead of st_folium's: its
225 KB React bundle, the scripts it loads one after another and the value it
sends back after every first draw (a rerun per visitor) cost more than the rest
of the map view (bench/bench_dashboard.py). It returns the same objects, under
the same names, as st_folium.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import folium
import streamlit as st
import streamlit.components.v1 as components
import streamlit_folium as sf

__all__ = ["COMPONENT", "RenderedMap", "View", "moved_view", "render", "show"]

_frontend = components.declare_component(
    "sinn_map", path=str(Path(__file__).parent / "map_frontend")
)
#: the component's name (also the title of its iframe)
COMPONENT = f"{__name__}.sinn_map"

View = tuple[tuple[float, float], float]  # (lat, lon), zoom


@dataclass(frozen=True)
class RenderedMap:
    """What the map frontend needs of one map, as strings."""

    script: str
    header: str
    html: str
    css_links: tuple[str, ...]
    js_links: tuple[str, ...]


def _urls(element, kind: str) -> Iterator[str]:
    """``default_js``/``default_css`` URLs of ``element`` and its children, in order."""
    yield from (url for _key, url in getattr(element, f"default_{kind}", []))
    for child in element._children.values():
        yield from _urls(child, kind)


def _links(m: folium.Map, kind: str) -> tuple[str, ...]:
    """Deduplicated asset URLs of ``m`` (``kind`` "js" or "css")."""
    return tuple(dict.fromkeys(_urls(m, kind)))


def render(m: folium.Map) -> RenderedMap:
    """Render ``m`` the way ``st_folium`` does (no Streamlit call)."""
    m.get_root().render()
    m.render()
    html, header = sf._get_html(m), sf._get_header(m)
    return RenderedMap(
        script=_compact(sf._get_map_string(m)),
        header=header,
        html=html,
        css_links=_links(m, "css"),
        js_links=_links(m, "js"),
    )


def _compact(script: str) -> str:
    """``script`` without the templates' indentation and blank lines.

    Lines inside a template literal (between backticks) are kept as they are.
    The map's script travels in every map view: this is a tenth of it.
    """
    lines, literal = [], False
    for line in script.splitlines():
        kept = line if literal else line.strip()
        if kept:
            lines.append(kept)
        literal ^= line.count("`") % 2 == 1
    return "\n".join(lines)


def show(
    rendered: RenderedMap,
    key: str,
    height: int,
    returned_objects: Iterable[str],
    center: tuple[float, float] | None = None,
    zoom: int | None = None,
    announce: bool = False,
    reveal: bool = False,
) -> dict | None:
    """Show a rendered map (full container width); the returned objects or None.

    A map opens at ``center``/``zoom`` (``None``: its own view) and keeps that
    view while it stays on the page: new values would make the frontend call
    ``setView`` and pull the map back while the user moves it. With
    ``announce`` a newly mounted map reruns the page once it is drawn (its
    value then holds ``drawn``; see ``dashboard.first_view``). With ``reveal``
    a newly mounted map out of sight scrolls itself into view.
    """
    returned = list(returned_objects)
    hash_key = sf.generate_js_hash(rendered.script, key, False)
    defaults = dict.fromkeys(returned)
    mount = st.session_state.get(_mount_key(key))
    if hash_key not in st.session_state or (mount or {}).get("hash") != hash_key:
        mount = {
            "hash": hash_key,
            "view": (center, zoom),
            "announce": announce,
            "reveal": reveal,
        }
        st.session_state[_mount_key(key)] = mount  # a newly mounted map
    # what the map was mounted with: the same arguments keep it as it is
    center, zoom = mount["view"]

    def on_change() -> None:
        st.session_state[key] = st.session_state.get(hash_key, {})

    return _frontend(
        script=rendered.script,
        header=rendered.header,
        html=rendered.html,
        key=hash_key,
        height=height,
        returned_objects=returned,
        default=defaults,
        zoom=zoom,
        center=center,
        announce=mount["announce"],
        reveal=mount["reveal"],
        css_links=list(rendered.css_links),
        js_links=list(rendered.js_links),
        on_change=on_change,
    )


def _mount_key(key: str) -> str:
    """Session-state key of what the map shown under ``key`` was mounted with."""
    return f"_{key}_mount"


def moved_view(result: dict | None) -> View | None:
    """The view the user moved the map to, else ``None`` (nothing reported yet).

    The frontend reports only the user's moves, never the view a map opens at.
    """
    center, zoom = (result or {}).get("center"), (result or {}).get("zoom")
    if not center or zoom is None:
        return None
    return (float(center["lat"]), float(center["lng"])), float(zoom)
