"""Hostile and private input rows for the escaping, injection and privacy tests.

The rows are imported by the real ETL next to the demo data. Hostile text sits in
every free-text field a visitor can see (name, organisation, place, description,
URL); the private values must never reach a public page, download or export.
"""

from __future__ import annotations

from pathlib import Path

from etl.build import build
from tests.etl_helpers import reference_raw, write_csv

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
SVG = '"><svg onload=alert(1)>'
MARKUP = (SCRIPT, IMG, SVG)
JS_URL = "javascript:alert(1)"
# Accepted by the importer (http, no quotes or angle brackets) but not by the
# map's stricter link filter, which also refuses apostrophes.
QUOTE_URL = "https://example.org/?q='x'"
FORMULAS = (
    '=HYPERLINK("http://evil.example","klick")',
    "+cmd|' /C calc'!A0",
    "-1+2",
    "@SUM(1+1)",
)
INJECTION = "'; DROP TABLE initiatives; --"

CONTACT = {
    "contact_name": "Zz-Geheim-Name-4711",
    "contact_email": "geheim4711@example.invalid",
    "contact_phone": "+49 000 4711 4711",
}
PRIVATE_INITIATIVE = "Zz-Intern-Nicht-Oeffentlich"
PRIVATE_EVENT = "Zz-Intern-Veranstaltung-Nicht-Oeffentlich"
PRIVATE_TEXT = {
    "organisation": "Zz-Intern-Traeger-0815",
    "description": "Zz-Intern-Beschreibung-0815",
}
#: Strings that must not appear in any public page, download or export.
SECRETS = (*CONTACT.values(), PRIVATE_INITIATIVE, PRIVATE_EVENT, *PRIVATE_TEXT.values())
#: Municipality of the private rows: Görlitz.
PRIVATE_AGS = "14626110"

# Frauenkirche Dresden, nudged per row so every marker has its own spot.
_LAT, _LON = 51.05189, 13.74183
_INITIATIVE = {
    "id": "",
    "name": "",
    "träger": "",
    "thema": "Bildung",
    "ort": "",
    "gemeinde": "",
    "breitengrad": "",
    "längengrad": "",
    "website": "",
    "beschreibung": "",
    "public": "ja",
    **dict.fromkeys(CONTACT, ""),
}
_EVENT = {
    "id": "",
    "name": "",
    "type": "Workshop",
    "date": "2024-05-01",
    "participants": "12",
    "theme": "Bildung",
    "city": "",
    "municipality": "",
    "lat": "",
    "lon": "",
    "url": "",
    "description": "",
    "public": "ja",
    **dict.fromkeys(CONTACT, ""),
}


def _at(n: int) -> tuple[str, str]:
    """Latitude and longitude of the ``n``-th hostile row (about 300 m apart)."""
    return f"{_LAT + 0.003 * n:.5f}", f"{_LON + 0.004 * n:.5f}"


def initiative_rows() -> list[dict[str, str]]:
    """Hostile, formula, contact and private initiatives (German headers)."""
    rows = []
    hostile = [
        (SCRIPT, IMG, SVG, JS_URL),
        (IMG, SVG, SCRIPT, QUOTE_URL),
        (SVG, SCRIPT, IMG, "JaVaScRiPt:alert(1)"),
        *((f, f, f, "") for f in FORMULAS),
        ("\t=1+1 Tabulator", "\r=1+1", "", "data:text/html,<script>alert(1)</script>"),
    ]
    for n, (name, organisation, place, url) in enumerate(hostile, start=1):
        lat, lon = _at(n)
        rows.append(
            {
                **_INITIATIVE,
                "id": f"=h{n}" if n == 4 else f"h{n}",
                "name": name,
                "träger": organisation,
                "ort": place,
                "breitengrad": lat,
                "längengrad": lon,
                "website": url,
                "beschreibung": f"{name} {organisation} {place} {FORMULAS[0]}",
            }
        )
    lat, lon = _at(len(hostile) + 1)
    rows.append(
        {
            **_INITIATIVE,
            "id": "c1",
            "name": "Zz-Kontakt-Oeffentlich",
            "breitengrad": lat,
            "längengrad": lon,
            "website": "https://example.org/",
            **CONTACT,
        }
    )
    rows.append(
        {
            **_INITIATIVE,
            "id": "p1",
            "name": PRIVATE_INITIATIVE,
            "träger": PRIVATE_TEXT["organisation"],
            "gemeinde": "Görlitz",
            "beschreibung": PRIVATE_TEXT["description"],
            "public": "nein",
            **CONTACT,
        }
    )
    return rows


def event_rows() -> list[dict[str, str]]:
    """Hostile, contact and private events (English headers)."""
    rows = []
    for n, text in enumerate((*MARKUP, FORMULAS[0]), start=1):
        lat, lon = _at(-n)
        rows.append(
            {
                **_EVENT,
                "id": f"he{n}",
                "name": text,
                "city": text,
                "lat": lat,
                "lon": lon,
                "url": JS_URL,
                "description": f"{text} {FORMULAS[1]}",
                **CONTACT,
            }
        )
    rows.append(
        {
            **_EVENT,
            "id": "pe1",
            "name": PRIVATE_EVENT,
            "municipality": "Görlitz",
            "description": PRIVATE_TEXT["description"],
            "public": "nein",
            **CONTACT,
        }
    )
    return rows


def build_hostile_db(folder: Path) -> Path:
    """Build the demo data plus the hostile and private rows into ``folder``."""
    initiatives = write_csv(folder / "hostile.csv", initiative_rows())
    events = write_csv(folder / "hostile_events.csv", event_rows(), delimiter=";")
    db = folder / "sinn.duckdb"
    build(
        db, demo=True, initiatives=[initiatives], events=[events], raw=reference_raw()
    )
    return db
