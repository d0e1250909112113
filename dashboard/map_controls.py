"""Leaflet controls as folium elements: HTML boxes, attribution, scale, switch."""

from __future__ import annotations

from branca.element import MacroElement
from folium.template import Template

__all__ = ["Attribution", "HtmlControl", "LegendSwitch", "MetricScale", "PlaceLabels"]

#: Map width (px) from which collapsible legends start open (phones: closed).
OPEN_FROM_PX = 600


class HtmlControl(MacroElement):
    """A Leaflet control holding fixed HTML (legends); HTML built from escaped text."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control({position: {{ this.position|tojson }}});
        {{ this.get_name() }}.onAdd = function () {
            var div = L.DomUtil.create('div', 'sinn-control');
            div.innerHTML = {{ this.html|tojson }};
            // Collapsible legends start open on wide maps, closed on phones.
            var details = div.querySelector('details');
            var size = {{ this._parent.get_name() }}.getSize();
            if (details && size.x < {{ this.open_from }}) {
                details.removeAttribute('open');
            }
            {%- if this.layer_key %}
            div.setAttribute('data-sinn-layer', {{ this.layer_key|tojson }});
            {%- endif %}
            L.DomEvent.disableClickPropagation(div);
            L.DomEvent.disableScrollPropagation(div);
            return div;
        };
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(
        self, html_text: str, position: str = "bottomright", layer_key: str = ""
    ):
        super().__init__()
        self._name = "HtmlControl"
        self.html, self.position, self.layer_key = html_text, position, layer_key
        self.open_from = OPEN_FROM_PX


class Attribution(MacroElement):
    """Adds the data attribution to the map's attribution control."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.attributionControl.addAttribution(
            {{ this.text|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, text: str):
        super().__init__()
        self._name = "Attribution"
        self.text = text


class MetricScale(MacroElement):
    """A metric-only scale bar (folium's ``control_scale`` adds miles too)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.control.scale({imperial: false}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self):
        super().__init__()
        self._name = "MetricScale"


class LegendSwitch(MacroElement):
    """Shows only the legend of the visible area layer (static export)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map) {
            function show(name) {
                document.querySelectorAll('[data-sinn-layer]').forEach(function (el) {
                    el.style.display = el.getAttribute('data-sinn-layer') === name
                        ? '' : 'none';
                });
            }
            map.on('baselayerchange', function (e) { show(e.name); });
            show({{ this.first|tojson }});
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, first: str):
        super().__init__()
        self._name = "LegendSwitch"
        self.first = first


class PlaceLabels(MacroElement):
    """Non-interactive text labels at points, in a pane above areas and borders.

    ``rows`` are ``[lat, lon, text, major]``; minor labels show from
    ``minor_zoom`` on. Text is set with ``textContent`` (never parsed as HTML).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map) {
            if (!map.getPane('sinnLabels')) {
                var pane = map.createPane('sinnLabels');
                pane.style.zIndex = 460;
                pane.style.pointerEvents = 'none';
            }
            var minor = [];
            {{ this.rows|tojson }}.forEach(function (row) {
                var span = document.createElement('span');
                span.textContent = row[2];
                var marker = L.marker([row[0], row[1]], {
                    icon: L.divIcon({className: {{ this.css|tojson }}
                        + (row[3] ? ' sinn-major' : ' sinn-minor'),
                        html: span, iconSize: null}),
                    interactive: false, keyboard: false, pane: 'sinnLabels'});
                marker.addTo(map);
                if (!row[3]) { minor.push(marker); }
            });
            function toggle() {
                var show = map.getZoom() >= {{ this.minor_zoom }};
                minor.forEach(function (m) {
                    m.getElement().style.display = show ? '' : 'none';
                });
            }
            map.on('zoomend', toggle);
            toggle();
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, rows: list[list], css: str = "sinn-place", minor_zoom=9):
        super().__init__()
        self._name = "PlaceLabels"
        self.rows, self.css, self.minor_zoom = rows, css, minor_zoom
