"""UI texts: every key in both languages, same placeholders, pure lookup."""

from __future__ import annotations

import string
import tomllib

import pytest

from dashboard import texts


def _table() -> dict[str, dict[str, str]]:
    """The raw texts file."""
    with texts.TEXTS_FILE.open("rb") as fh:
        return tomllib.load(fh)


def test_every_key_has_german_and_english() -> None:
    """Each key holds exactly ``de`` and ``en``, both non-empty text."""
    table = _table()
    assert len(table) > 300
    bad = {
        key: sorted(entry)
        for key, entry in table.items()
        if sorted(entry) != ["de", "en"]
        or not all(isinstance(v, str) and v.strip() for v in entry.values())
    }
    assert bad == {}


def test_placeholders_match_between_languages() -> None:
    """``{name}`` placeholders are the same in German and English."""

    def names(text: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(text) if f}

    table = _table()
    differ = [k for k, e in table.items() if names(e["de"]) != names(e["en"])]
    assert differ == []


def test_lookup_is_pure() -> None:
    """``t`` depends only on its arguments; unknown keys come back unchanged."""
    assert texts.t("nav.karte", "de") == "Karte"
    assert texts.t("nav.karte", "en") == "Map"
    assert texts.t("no.such.key", "en") == "no.such.key"
    assert texts.fmt_num(1234.5, 1, "de") == "1.234,5"
    assert texts.fmt_num(1234.5, 1, "en") == "1,234.5"
    with pytest.raises(ValueError):
        texts.t("nav.karte", "fr")


def test_missing_language_is_refused(tmp_path) -> None:
    """A texts file lacking a language for a key does not load."""
    broken = tmp_path / "texts.toml"
    broken.write_text('["a.b"]\nde = "x"\n', encoding="utf-8")
    with pytest.raises(KeyError):
        texts._load(broken)
