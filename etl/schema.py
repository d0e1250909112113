"""Import schema: canonical columns, their aliases, vocabularies and table DDL."""

from __future__ import annotations

import re
import unicodedata

from sinn.vocab import EVENT_TYPES

# Canonical column -> accepted header spellings (compared after normalise_header).
LOCATION_ALIASES: dict[str, tuple[str, ...]] = {
    "street": ("street", "straße", "strasse", "adresse", "address"),
    "postal_code": ("postal_code", "plz", "postleitzahl", "zip", "postcode"),
    "city": ("city", "ort", "stadt", "place"),
    "ags": ("ags", "gemeindeschlüssel", "gemeindeschluessel", "gemeindeschlussel"),
    "municipality": ("municipality", "gemeinde", "kommune"),
    "lat": ("lat", "latitude", "breitengrad", "breite"),
    "lon": ("lon", "lng", "long", "longitude", "längengrad", "laengengrad", "länge"),
}
COMMON_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "kennung", "nr"),
    "name": ("name", "titel", "title", "bezeichnung"),
    "partner": ("partner", "sinn_partner", "sinn-partner"),
    "theme": ("theme", "thema", "themenfeld", "topic"),
    "url": ("url", "website", "webseite", "link"),
    "description": ("description", "beschreibung"),
    "contact_name": ("contact_name", "kontakt", "ansprechperson", "ansprechpartner"),
    "contact_email": ("contact_email", "email", "e-mail", "kontakt_email"),
    "contact_phone": ("contact_phone", "phone", "telefon", "kontakt_telefon"),
    "public": ("public", "öffentlich", "oeffentlich"),
    **LOCATION_ALIASES,
}
INITIATIVE_ALIASES: dict[str, tuple[str, ...]] = {
    **COMMON_ALIASES,
    "organisation": ("organisation", "organization", "träger", "traeger"),
    "stage": ("stage", "phase"),
    "start_year": (
        "start_year",
        "gründungsjahr",
        "gruendungsjahr",
        "start_date",
        "startjahr",
    ),
    "funding_eur": ("funding_eur", "fördersumme", "foerdersumme", "funding"),
}
EVENT_ALIASES: dict[str, tuple[str, ...]] = {
    **COMMON_ALIASES,
    "type": ("type", "typ", "format", "art"),
    "date": ("date", "datum"),
    "participants": ("participants", "teilnehmende", "teilnehmer", "teilnehmerzahl"),
    "initiative_id": ("initiative_id", "initiative"),
}

REJECT_REASONS = (
    "missing_name", "no_location", "outside_saxony", "ambiguous_postal_code",
    "ambiguous_municipality", "duplicate_id", "unparseable_value",
)  # fmt: skip
GEOCODE_METHODS = (
    "coordinates",
    "coordinates_swapped",
    "ags",
    "postal_code",
    "municipality",
)
PRECISIONS = ("exact", "municipality")

# Raw spelling (normalised) -> controlled term; anything else maps to the fallback.
THEME_SYNONYMS: dict[str, str] = {
    "gesundheit": "Gesundheit", "health": "Gesundheit",
    "pflege": "Pflege", "care": "Pflege",
    "bildung": "Bildung", "education": "Bildung",
    "inklusion": "Inklusion", "inclusion": "Inklusion",
    "familie": "Familie", "family": "Familie",
    "migration & integration": "Migration & Integration", "migration": "Migration & Integration",
    "integration": "Migration & Integration", "migration und integration": "Migration & Integration",
    "teilhabe & demokratie": "Teilhabe & Demokratie", "teilhabe": "Teilhabe & Demokratie",
    "demokratie": "Teilhabe & Demokratie", "participation": "Teilhabe & Demokratie",
    "democracy": "Teilhabe & Demokratie", "teilhabe und demokratie": "Teilhabe & Demokratie",
    "wohnen": "Wohnen", "housing": "Wohnen",
    "alter": "Alter", "ageing": "Alter", "aging": "Alter", "senioren": "Alter",
    "arbeit": "Arbeit", "work": "Arbeit", "employment": "Arbeit",
    "katastrophenschutz": "Katastrophenschutz", "civil protection": "Katastrophenschutz",
    "disaster relief": "Katastrophenschutz",
}  # fmt: skip
PARTNER_SYNONYMS: dict[str, str] = {
    "caritas": "Caritas", "caritas dresden-meissen": "Caritas",
    "caritasverband dresden-meissen": "Caritas",
    "drk": "DRK", "drk sachsen": "DRK", "deutsches rotes kreuz": "DRK",
    "impact hub dresden": "Impact Hub Dresden", "impact hub leipzig": "Impact Hub Leipzig",
    "parikom": "parikom", "startnext": "Startnext",
}  # fmt: skip
EVENT_TYPE_SYNONYMS: dict[str, str] = {
    **{t.lower(): t for t in EVENT_TYPES},
    "study trip": "Bildungsreise", "networking": "Netzwerktreffen",
    "networking event": "Netzwerktreffen", "conference": "Konferenz",
}  # fmt: skip
STAGE_SYNONYMS: dict[str, str] = {
    "idee": "Idee", "idea": "Idee", "aufbau": "Aufbau", "gründung": "Aufbau",
    "start-up": "Aufbau", "startup": "Aufbau", "wachstum": "Wachstum", "growth": "Wachstum",
    "verstetigung": "Verstetigung", "etabliert": "Verstetigung", "established": "Verstetigung",
}  # fmt: skip


def normalise_header(header: str) -> str:
    """Lower-case, trimmed header with spaces and dashes folded to underscores."""
    text = unicodedata.normalize("NFC", str(header)).strip().lower()
    return re.sub(r"[\s\-]+", "_", text).replace("e_mail", "e-mail")


def alias_lookup(aliases: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Map every normalised spelling to its canonical column."""
    return {normalise_header(a): col for col, names in aliases.items() for a in names}


_LOCATION_DDL = """
    street VARCHAR, postal_code VARCHAR, city VARCHAR,
    ags VARCHAR NOT NULL, district_ars VARCHAR NOT NULL,
    lon DOUBLE NOT NULL, lat DOUBLE NOT NULL, x DOUBLE NOT NULL, y DOUBLE NOT NULL,
    geocode_method VARCHAR NOT NULL, location_precision VARCHAR NOT NULL,
    coords_repaired BOOLEAN NOT NULL,
    url VARCHAR, description VARCHAR,
    contact_name VARCHAR, contact_email VARCHAR, contact_phone VARCHAR,
    public BOOLEAN NOT NULL, extra VARCHAR, is_demo BOOLEAN NOT NULL,
    source_file VARCHAR NOT NULL, source_row BIGINT NOT NULL
"""
TABLE_DDL: dict[str, str] = {
    "initiatives": f"""
        CREATE TABLE initiatives (
            id VARCHAR NOT NULL, name VARCHAR NOT NULL, organisation VARCHAR,
            partner VARCHAR NOT NULL, partner_raw VARCHAR,
            theme VARCHAR NOT NULL, theme_raw VARCHAR, stage VARCHAR NOT NULL,
            start_year INTEGER, funding_eur DOUBLE, {_LOCATION_DDL})""",
    "events": f"""
        CREATE TABLE events (
            id VARCHAR NOT NULL, name VARCHAR NOT NULL,
            type VARCHAR NOT NULL, type_raw VARCHAR, date DATE, participants INTEGER,
            partner VARCHAR NOT NULL, partner_raw VARCHAR,
            theme VARCHAR NOT NULL, theme_raw VARCHAR, initiative_id VARCHAR,
            {_LOCATION_DDL})""",
    "rejects": """
        CREATE TABLE rejects (
            kind VARCHAR NOT NULL, source_file VARCHAR NOT NULL,
            source_row BIGINT NOT NULL, reason VARCHAR NOT NULL, detail VARCHAR,
            raw VARCHAR NOT NULL)""",
}


def header_score(headers: list[str], aliases: dict[str, tuple[str, ...]]) -> int:
    """Number of distinct canonical fields whose alias matches one of ``headers``."""
    lookup = alias_lookup(aliases)
    return len({lookup[h] for h in map(normalise_header, headers) if h in lookup})
