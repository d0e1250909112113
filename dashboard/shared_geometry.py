"""folium elements that take area geometry from the shared ``geo.<hash>.js``.

A layer then sends only what differs per view, as compact columns: its keys
(none when it holds every area of its group), per-view tooltip texts and fill
styles. The browser builds the features from them, ``window.SINN_GEO`` and the
fixed facts of ``window.SINN_LABELS`` (see ``dashboard.map_files``).
"""

from __future__ import annotations

import json
from collections.abc import Collection

import folium
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template

__all__ = ["GEOMETRY_KEY", "GeometryScript", "SharedGeometry", "script_json"]

#: folium resource key of the geometry script (kept as is by ``self_host``).
GEOMETRY_KEY = "sinn_geo"


def script_json(value: object) -> str:
    """Compact JSON of ``value`` that is safe inside an inline ``<script>``.

    No ``<`` stays raw (so no ``</script>`` or ``<!--``); other characters are
    kept as they are: the map's script travels in every view, and each escape
    costs bytes twice (once here, once in the websocket's JSON).
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c")


class GeometryScript(JSCSSMixin, MacroElement):
    """Loads the shared scripts (page header) and defines the join, once per map.

    ``sinnShared(layer, group, view)`` adds a layer's features: keys
    ``view.k`` (none: every key of the group, sorted), per-view tooltip texts
    ``view.c`` (name -> [distinct texts, one index per feature]; a layer with
    texts also gets the fixed facts of ``SINN_LABELS``) and fill styles
    ``view.s`` ([distinct styles, one index per feature]).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        function sinnShared(layer, group, view) {
            var shapes = window.SINN_GEO[group];
            var keys = view.k || Object.keys(shapes).sort();
            var columns = view.c || {}, labels = {};  // outlines: no tooltip facts
            if (view.c && window.SINN_LABELS) {
                labels = window.SINN_LABELS.areas[group] || {};
            }
            var styles = {};
            if (view.s) {
                keys.forEach(function (k, i) { styles[k] = view.s[0][view.s[1][i]]; });
                layer.options.style = function (f) { return styles[f.id]; };
            }
            layer.addData({type: "FeatureCollection", features: keys.map(
                function (k, i) {
                    var p = Object.assign({}, labels[k]);
                    Object.keys(columns).forEach(function (name) {
                        p[name] = columns[name][0][columns[name][1][i]];
                    });
                    return {type: "Feature", id: k, geometry: shapes[k], properties: p};
                })});
        }
        {% endmacro %}
        """
    )

    def __init__(self, urls: list[str]):
        super().__init__()
        self._name = "GeometryScript"
        self.default_js = [(f"{GEOMETRY_KEY}_{i}", url) for i, url in enumerate(urls)]


def _coded(items: list) -> list:
    """``items`` as [distinct items, index of each item] (repeats sent once)."""
    distinct = list(dict.fromkeys(items))
    position = {item: i for i, item in enumerate(distinct)}
    return [distinct, [position[item] for item in items]]


class SharedGeometry(MacroElement):
    """Fills the features of ``layer`` with the geometries of ``group`` when added.

    Fixed tooltip facts of the group's areas (``SINN_LABELS``) are added too,
    and the per-view texts given as ``columns`` (name -> one text per feature).
    ``group_keys``: every key of the group in the shared script; a layer that
    holds all of them sends none.

    The layer keeps only its first feature: folium checks the tooltip fields on
    it and writes the style switch from it. The other features, their styles
    (``layer.style_function`` per feature) and texts go as compact columns in
    key order. folium's GeoJson writes ``function <layer>_add(data)`` and calls
    it; a later declaration of the same function in the same script takes its
    place (function declarations are hoisted), so the features come from here.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        function {{ this.layer.get_name() }}_add() {
            sinnShared({{ this.layer.get_name() }}, {{ this.group|tojson }},
                {{ this.view }});
        }
        {% endmacro %}
        """
    )

    def __init__(
        self,
        layer: folium.GeoJson,
        group: str,
        columns: dict[str, list[str]] | None = None,
        group_keys: Collection[str] = (),
    ):
        super().__init__()
        self._name = "SharedGeometry"
        self.layer, self.group = layer, group
        features = layer.data["features"]
        order = sorted(range(len(features)), key=lambda i: features[i]["id"])
        keys = [features[i]["id"] for i in order]
        view: dict[str, object] = {}
        if keys != sorted(group_keys):
            view["k"] = keys
        if columns:
            view["c"] = {
                name: _coded([texts[i] for i in order])
                for name, texts in columns.items()
            }
        style = getattr(layer, "style_function", None)
        if style is not None and features:
            styles = _coded([script_json(style(features[i])) for i in order])
            if len(styles[0]) > 1:
                view["s"] = [[json.loads(s) for s in styles[0]], styles[1]]
        self.view = script_json(view)
        layer.data = {"type": "FeatureCollection", "features": features[:1]}
