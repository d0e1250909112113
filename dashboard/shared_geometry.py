"""folium elements that take area geometry from the shared ``geo.<hash>.js``.

A layer's features then carry only ``id`` and styles; the browser
adds the geometry from ``window.SINN_GEO`` (see ``dashboard.geometry``).
"""

from __future__ import annotations

import folium
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template

__all__ = ["GEOMETRY_KEY", "GeometryScript", "SharedGeometry"]

#: folium resource key of the geometry script (kept as is by ``self_host``).
GEOMETRY_KEY = "sinn_geo"


class GeometryScript(JSCSSMixin, MacroElement):
    """Loads the shared scripts in the map's page header (before the map script)."""

    _template = Template("")

    def __init__(self, urls: list[str]):
        super().__init__()
        self._name = "GeometryScript"
        self.default_js = [(f"{GEOMETRY_KEY}_{i}", url) for i, url in enumerate(urls)]


class SharedGeometry(MacroElement):
    """Fills the features of ``layer`` with the geometries of ``group`` when added.

    Fixed tooltip facts of the group's areas (``SINN_LABELS``) are added too,
    and the per-view texts given as ``columns`` (name -> one text per feature).

    folium's GeoJson writes ``function <layer>_add(data)`` and calls it with the
    features; a later declaration of the same function in the same script takes
    its place (function declarations are hoisted), so the data goes through the
    join first.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        function {{ this.layer.get_name() }}_add(data) {
            var group = {{ this.group|tojson }}, shapes = window.SINN_GEO[group];
            var labels = (window.SINN_LABELS || {areas: {}}).areas[group] || {};
            var columns = {{ this.columns|tojson }};
            data.features.forEach(function (f, i) {
                f.type = "Feature";
                f.geometry = shapes[f.id];
                Object.assign(f.properties, labels[f.id]);
                Object.keys(columns).forEach(function (name) {
                    f.properties[name] = columns[name][i];
                });
            });
            {{ this.layer.get_name() }}.addData(data);
        }
        {% endmacro %}
        """
    )

    def __init__(
        self,
        layer: folium.GeoJson,
        group: str,
        columns: dict[str, list[str]] | None = None,
    ):
        super().__init__()
        self._name = "SharedGeometry"
        self.layer, self.group = layer, group
        self.columns = columns or {}  # per-view texts, one per feature, in order
