"""Texts of the funding page and the district report (German, English) from TOML.

No Streamlit here: ``dashboard.i18n`` adds them to the UI's table and the
district report, which must not import Streamlit, reads them directly.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

__all__ = ["LANGUAGES", "TEXT", "t"]

LANGUAGES = ("de", "en")
TEXTS_FILE = Path(__file__).with_name("funding_texts.toml")


def _load(path: Path) -> dict[str, tuple[str, str]]:
    """key -> (German, English); an entry lacking a language raises ``KeyError``."""
    table = tomllib.loads(path.read_text(encoding="utf-8"))
    return {key: (entry["de"], entry["en"]) for key, entry in table.items()}


TEXT = _load(TEXTS_FILE)


def t(key: str, lang: str, **values: object) -> str:
    """Text of ``key`` in ``lang`` with its placeholders filled."""
    text = TEXT[key][LANGUAGES.index(lang)]
    return text.format(**values) if values else text
