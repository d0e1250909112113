"""HTML from Jinja2 templates with autoescape; escaping and link checks."""

from __future__ import annotations

import html
from urllib.parse import urlsplit

import jinja2
import pandas as pd

__all__ = ["esc", "missing", "render", "safe_url"]

# Autoescape everywhere: every value reaches the browser as text.
_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("dashboard", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=False,
)


def render(template: str, **context: object) -> str:
    """``templates/<template>`` rendered with ``context`` (all text escaped)."""
    return _ENV.get_template(template).render(**context).strip()


def missing(value: object) -> bool:
    """Whether a cell is empty (``None``, NaN, NaT or "")."""
    if value is None or (isinstance(value, str) and value == ""):
        return True
    return not isinstance(value, str) and bool(pd.isna(value))


def esc(value: object) -> str:
    """HTML-escaped text of ``value`` ("" for missing), for GeoJSON tooltips."""
    return "" if missing(value) else html.escape(str(value), quote=True)


def safe_url(url: object) -> str | None:
    """``url`` if it is an absolute http(s) URL with a host, else ``None``."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    if any(c.isspace() or c in "<>\"'`" for c in url):
        return None
    return url
