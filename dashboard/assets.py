"""Self-hosted map assets: Leaflet and Leaflet.markercluster from XStatic packages.

folium points every map at public CDNs by default. Offline that leaves the map
blank, and for a public website it hands each visitor's IP address to third
parties, so the live app serves the files itself (Streamlit static serving at
``/app/static/vendor/...``) and the static export inlines them. jQuery,
Bootstrap and the awesome-markers/Font-Awesome assets are not needed because
the maps use only GeoJSON layers, DivIcon markers and plain Leaflet popups.
"""

from __future__ import annotations

import base64
import hashlib
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import branca.element
import folium
import xstatic.pkg.leaflet
import xstatic.pkg.leaflet_markercluster

from dashboard.shared_geometry import GEOMETRY_KEY

__all__ = [
    "GEO_DIR",
    "VENDOR_DIR",
    "ensure_vendor",
    "hashed_files",
    "inline_bundle",
    "self_host",
    "served_urls",
]

STATIC_DIR = Path(__file__).resolve().parent / "static"
VENDOR_DIR = STATIC_DIR / "vendor"
#: Generated map geometry (``dashboard.geometry``), also git-ignored.
GEO_DIR = STATIC_DIR / "geo"
#: URL of ``dashboard/static`` under Streamlit's static file serving.
SERVED_STATIC = "/app/static"
SERVED_BASE = f"{SERVED_STATIC}/vendor"


@dataclass(frozen=True)
class Asset:
    """One vendored file: where it comes from and under which name it is served."""

    key: str
    source: Path
    target: str
    kind: str  # "js" or "css"


STYLES_DIR = Path(__file__).resolve().parent / "styles"
_LEAFLET = Path(xstatic.pkg.leaflet.BASE_DIR)
_CLUSTER = Path(xstatic.pkg.leaflet_markercluster.BASE_DIR)
ASSETS: tuple[Asset, ...] = (
    Asset("leaflet", _LEAFLET / "leaflet.js", "leaflet/leaflet.js", "js"),
    Asset("leaflet_css", _LEAFLET / "leaflet.css", "leaflet/leaflet.css", "css"),
    Asset(
        "markerclusterjs",
        _CLUSTER / "leaflet.markercluster.js",
        "markercluster/leaflet.markercluster.js",
        "js",
    ),
    Asset(
        "markerclustercss",
        _CLUSTER / "MarkerCluster.css",
        "markercluster/MarkerCluster.css",
        "css",
    ),
    Asset(
        "markerclusterdefaultcss",
        _CLUSTER / "MarkerCluster.Default.css",
        "markercluster/MarkerCluster.Default.css",
        "css",
    ),
    # The app's own map styles (legends, markers, popups), after Leaflet's.
    Asset("sinn_css", STYLES_DIR / "sinn.css", "sinn/sinn.css", "css"),
)
_BY_KEY = {a.key: a for a in ASSETS}
# folium's default assets that these maps never use; they are dropped, not served.
_UNUSED = frozenset(
    {
        "jquery",
        "bootstrap",
        "awesome_markers",
        "bootstrap_css",
        "glyphicons_css",
        "awesome_markers_font_css",
        "awesome_markers_css",
        "awesome_rotate_css",
    }
)
_CSS_URL = re.compile(r"url\((?!['\"]?(?:#|data:))['\"]?([^'\")]+)['\"]?\)")


def _digest(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def ensure_vendor(target: Path = VENDOR_DIR) -> Path:
    """Copy the assets (and Leaflet's images) into ``target`` unless already current."""
    files = [(a.source, target / a.target) for a in ASSETS]
    files += [
        (image, target / "leaflet" / "images" / image.name)
        for image in sorted((_LEAFLET / "images").glob("*.png"))
    ]
    for source, dest in files:
        if dest.exists() and _digest(dest) == _digest(source):
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        # Copy then rename, so a concurrent reader never sees half a file.
        partial = dest.with_name(dest.name + ".part")
        shutil.copyfile(source, partial)
        partial.replace(dest)
    return target


def served_urls(base: str = SERVED_BASE) -> dict[str, str]:
    """Asset key -> URL below ``base`` (the live app's static route)."""
    return {a.key: f"{base.rstrip('/')}/{a.target}" for a in ASSETS}


def _inline_css(asset: Asset) -> str:
    """CSS text with relative image URLs replaced by data URIs."""

    def embed(match: re.Match) -> str:
        image = asset.source.parent / match.group(1)
        if not image.is_file():
            raise FileNotFoundError(f"{asset.source.name} references missing {image}")
        data = base64.b64encode(image.read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    return _CSS_URL.sub(embed, asset.source.read_text(encoding="utf-8"))


def inline_bundle() -> tuple[str, str]:
    """All JavaScript and all CSS as two strings, ready to inline into one page."""
    js = "\n;\n".join(
        a.source.read_text(encoding="utf-8") for a in ASSETS if a.kind == "js"
    )
    css = "\n".join(_inline_css(a) for a in ASSETS if a.kind == "css")
    # A literal "</script" or "</style" would end the inline element early.
    return js.replace("</script", "<\\/script"), css.replace("</style", "<\\/style")


def _elements(root: branca.element.Element):
    """``root`` and all its descendants."""
    yield root
    for child in root._children.values():
        yield from _elements(child)


def _relink(links: list[tuple[str, str]], urls: dict[str, str] | None) -> list:
    """Replace CDN links by local URLs (or drop them when inlining)."""
    out = []
    for key, url in links:
        if key in _UNUSED:
            continue
        if key.startswith(GEOMETRY_KEY):  # already one of our own files
            out.append((key, url))
            continue
        if key not in _BY_KEY:
            raise ValueError(f"no self-hosted asset for folium resource {key!r}")
        if urls is not None:
            out.append((key, urls[key]))
    return out


def hashed_files() -> dict[str, tuple[str, bytes]]:
    """Asset key -> (file name with a content hash, bytes); CSS images inlined."""
    out = {}
    for a in ASSETS:
        text = _inline_css(a) if a.kind == "css" else a.source.read_text("utf-8")
        payload = text.encode("utf-8")
        stem = Path(a.target).stem
        digest = hashlib.sha256(payload).hexdigest()[:16]
        out[a.key] = (f"{stem}.{digest}.{a.kind}", payload)
    return out


def self_host(
    m: folium.Map, base: str | Mapping[str, str] | None = SERVED_BASE
) -> folium.Map:
    """Point ``m`` and its children at local assets; ``base=None`` inlines them.

    ``base`` is the URL prefix of the served files, or asset key -> URL.

    The lists are set per instance, so folium's class-level defaults stay
    untouched for any other map in the process. Call after all children are
    added. With ``base=None`` the JavaScript and CSS are written into the
    figure's header, giving a page that needs no server at all.
    """
    urls = base if base is None or isinstance(base, Mapping) else served_urls(base)
    for element in _elements(m):
        if isinstance(element, folium.elements.JSCSSMixin):
            element.default_js = _relink(element.default_js, urls)
            element.default_css = _relink(element.default_css, urls)
    if base is None:
        js, css = inline_bundle()
        header = m.get_root().header
        header.add_child(branca.element.Element(f"<style>{css}</style>"), "vendor_css")
        header.add_child(branca.element.Element(f"<script>{js}</script>"), "vendor_js")
    return m
