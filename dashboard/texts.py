"""UI texts (German default, English) from ``texts.toml``, and number formats.

Pure functions of (key or value, language): no Streamlit here, so the static
exports and tests use the same texts; the UI layer (``dashboard.i18n``) binds
the current language.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "TEXT",
    "fmt_date",
    "fmt_num",
    "fmt_pct",
    "t",
]

LANGUAGES = ("de", "en")
DEFAULT_LANGUAGE = "de"
TEXTS_FILE = Path(__file__).with_name("texts.toml")


def _load(path: Path) -> dict[str, tuple[str, ...]]:
    """key -> texts in ``LANGUAGES`` order; a missing language raises ``KeyError``."""
    with path.open("rb") as fh:
        table = tomllib.load(fh)
    return {
        key: tuple(entry[lang] for lang in LANGUAGES) for key, entry in table.items()
    }


TEXT: dict[str, tuple[str, ...]] = _load(TEXTS_FILE)
# the Förderung page and the district report keep their texts in a file of their own
TEXT.update(_load(Path(__file__).with_name("funding_texts.toml")))


def t(key: str, lang: str, **values: object) -> str:
    """Text of ``key`` in ``lang`` (the key itself if the table lacks it)."""
    texts = TEXT.get(key)
    if texts is None:
        return key
    text = texts[LANGUAGES.index(lang)]
    return text.format(**values) if values else text


def fmt_num(value: float | int | None, decimals: int, lang: str) -> str:
    """A number with the language's separators; "–" if missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:,.{decimals}f}"
    if lang == "de":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def fmt_pct(share: float | None, decimals: int, lang: str) -> str:
    """A fraction (0..1) as a percentage, e.g. ``21,5 %``."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "–"
    sep = "\u202f" if lang == "de" else ""
    return f"{fmt_num(share * 100, decimals, lang)}{sep}%"


def fmt_date(value: object, lang: str) -> str:
    """A date as ``31.12.2025`` (German) or ``2025-12-31`` (English)."""
    if value is None or not hasattr(value, "strftime"):
        return "–" if value is None else str(value)
    return value.strftime("%d.%m.%Y" if lang == "de" else "%Y-%m-%d")
