"""Leaflet controls as folium elements: HTML boxes, attribution, scale, switch."""

from __future__ import annotations

from branca.element import MacroElement
from folium.template import Template

__all__ = ["Attribution", "HtmlControl", "LegendSwitch", "MetricScale"]


class HtmlControl(MacroElement):
    """A Leaflet control holding fixed HTML (legends); HTML built from escaped text."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control({position: {{ this.position|tojson }}});
        {{ this.get_name() }}.onAdd = function () {
            var div = L.DomUtil.create('div', 'sinn-control');
            div.innerHTML = {{ this.html|tojson }};
            // Collapsible legends start closed unless the map is large.
            var details = div.querySelector('details');
            var size = {{ this._parent.get_name() }}.getSize();
            if (details && (size.x < 1000 || size.y < 700)) {
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
