"""Import schema: canonical columns, their aliases, vocabularies and table DDL."""

from __future__ import annotations

import re
import unicodedata

from sinn.vocab import EVENT_TYPES

# Canonical column -> accepted header spellings, compared after normalise_header
# (so case, umlauts, spaces, punctuation and numbered prefixes do not matter).
# Within one field the earlier spelling wins when a file has several of them.
# fmt: off
LOCATION_ALIASES: dict[str, tuple[str, ...]] = {
    "street": ("street", "straße", "straße und hausnummer", "straße/hausnummer",
               "straße, hausnummer", "str", "anschrift", "adresse", "address",
               "street address", "hausanschrift", "postanschrift"),
    "postal_code": ("postal_code", "plz", "postleitzahl", "zip", "zip code", "postcode",
                    "post code", "plz des durchführungsorts"),
    "city": ("city", "ort", "stadt", "place", "ortsname", "wohnort", "standort",
             "veranstaltungsort", "ort der veranstaltung", "stadt/ort", "sitz"),
    "municipality": ("municipality", "gemeinde", "kommune", "gemeindename",
                     "durchführungsort", "ort der durchführung", "stadt/gemeinde",
                     "gemeinde/stadt"),
    "district": ("district", "landkreis", "kreis", "landkreis/kreisfreie stadt",
                 "kreisfreie stadt/landkreis", "county"),
    "ags": ("ags", "gemeindeschlüssel", "gemeindeschlussel",
            "amtlicher gemeindeschlüssel", "gemeindekennziffer", "ars",
            "regionalschlüssel", "amtlicher regionalschlüssel"),
    "lat": ("lat", "latitude", "breitengrad", "breite", "geo_lat", "y_wgs84"),
    "lon": ("lon", "lng", "long", "longitude", "längengrad", "länge", "geo_lon",
            "x_wgs84"),
}
#: Visibility: a row is public unless this column says otherwise (see sinn_public).
VISIBILITY_ALIASES: dict[str, tuple[str, ...]] = {
    "public": ("public", "öffentlich", "is_public", "öffentlich?",
               "öffentlich (ja/nein)", "public (yes/no)", "öffentlich sichtbar",
               "sichtbarkeit", "sichtbar",
               "veröffentlichen", "veröffentlicht", "veröffentlichung", "visibility",
               "visible", "published", "publish", "freigabe", "freigegeben",
               "auf karte anzeigen", "online anzeigen"),
}
_NAME = ("name", "titel", "title", "bezeichnung", "veranstaltung",
         "veranstaltungstitel", "veranstaltungsname", "name der veranstaltung",
         "projekt", "projektname", "projekttitel", "projektbezeichnung",
         "name des projekts", "initiativname", "name der initiative", "vorhaben",
         "bezeichnung des vorhabens", "name des vorhabens", "vorhabensbezeichnung",
         "titel der maßnahme", "maßnahme", "event", "event name", "event title")
COMMON_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "kennung", "nr", "nr.", "nummer", "lfd. nr.", "laufende nummer",
           "kennziffer", "projektnummer", "vorhabennummer", "identifier"),
    "name": _NAME,
    "partner": ("partner", "sinn_partner", "sinn-partner", "sinn partner",
                "netzwerkpartner", "partnerorganisation"),
    "theme": ("theme", "thema", "themenfeld", "themenbereich", "topic",
              "schwerpunkt", "handlungsfeld"),
    "url": ("url", "website", "webseite", "homepage", "internetseite", "link", "web"),
    "description": ("description", "beschreibung", "kurzbeschreibung",
                    "projektbeschreibung", "zusammenfassung", "summary", "inhalt"),
    "contact_name": ("contact_name", "contact", "kontakt", "kontaktperson",
                     "ansprechperson", "ansprechpartner", "ansprechpartnerin",
                     "ansprechpartner:in"),
    "contact_email": ("contact_email", "email", "e-mail", "mail", "e-mail-adresse",
                      "kontakt_email", "kontakt e-mail"),
    "contact_phone": ("contact_phone", "phone", "telefon", "tel", "tel.",
                      "telefonnummer", "kontakt_telefon"),
    **VISIBILITY_ALIASES,
    **LOCATION_ALIASES,
}
INITIATIVE_ALIASES: dict[str, tuple[str, ...]] = {
    **COMMON_ALIASES,
    "name": (*_NAME, "initiative"),
    "organisation": ("organisation", "organization", "träger", "traeger", "verein",
                     "einrichtung", "name des begünstigten", "begünstigter",
                     "beneficiary", "organisator", "projektträger"),
    "stage": ("stage", "phase", "projektphase", "entwicklungsphase", "reifegrad"),
    "start_year": ("start_year", "gründungsjahr", "gruendungsjahr", "start_date",
                   "startjahr", "gründung", "projektbeginn", "beginn",
                   "datum des beginns", "start", "seit"),
    "funding_eur": ("funding_eur", "fördersumme", "foerdersumme", "funding",
                    "förderbetrag", "fördermittel", "fördersumme in eur",
                    "fördersumme (eur)", "zuschuss"),
}
EVENT_ALIASES: dict[str, tuple[str, ...]] = {
    **COMMON_ALIASES,
    "type": ("type", "typ", "format", "art", "veranstaltungsart",
             "veranstaltungsformat", "veranstaltungstyp", "eventtyp", "event type"),
    "date": ("date", "datum", "termin", "beginn", "datum des beginns", "startdatum",
             "veranstaltungsdatum", "start", "start_date"),
    "participants": ("participants", "teilnehmende", "teilnehmer", "teilnehmerzahl",
                     "teilnehmendenzahl", "tn", "anzahl teilnehmende",
                     "anzahl teilnehmer", "anzahl der teilnehmenden", "besucher"),
    "initiative_id": ("initiative_id", "initiative", "initiative id", "initiativ-id"),
}
# fmt: on
#: Fields that place a row on their own (lat and lon count only together).
LOCATING_FIELDS = ("ags", "postal_code", "city", "municipality")

# EU list of operations (Reg. (EU) 1303/2013 Annex XII; 2021/1060 Art. 49(3)).
OPERATION_ALIASES: dict[str, tuple[str, ...]] = {
    "beneficiary": (
        "beneficiary",
        "name des begünstigten",
        "name des beguenstigten",
        "begünstigter",
        "beguenstigter",
        "name of beneficiary",
        "beneficiary name",
        "zuwendungsempfänger",
        "name des begünstigten (nur juristische personen)",
    ),
    "name": (
        "operation_name",
        "bezeichnung des vorhabens",
        "name des vorhabens",
        "vorhaben",
        "vorhabenbezeichnung",
        "operation name",
        "name of operation",
        "projektname",
        "projekttitel",
    ),
    "summary": (
        "summary",
        "zusammenfassung des vorhabens",
        "zusammenfassung",
        "kurzbeschreibung",
        "operation summary",
        "vorhabenbeschreibung",
        "zweck des vorhabens und seine erwarteten oder tatsächlichen ergebnisse",
        "zweck des vorhabens",
    ),
    "start_date": (
        "start_date",
        "datum des beginns des vorhabens",
        "beginn des vorhabens",
        "datum des beginns",
        "beginn",
        "startdatum",
        "operation start date",
    ),
    "end_date": (
        "end_date",
        "datum des endes des vorhabens",
        "ende des vorhabens",
        "datum des endes",
        "voraussichtliches datum des abschlusses",
        "voraussichtliches datum des abschlusses oder tatsächliches datum "
        "des abschlusses",
        "datum des abschlusses",
        "ende",
        "enddatum",
        "operation end date",
    ),
    "eligible_eur": (
        "eligible_eur",
        "gesamtbetrag der förderfähigen ausgaben des vorhabens",
        "gesamtbetrag der förderfähigen ausgaben",
        "gesamtbetrag der foerderfaehigen ausgaben des vorhabens",
        "förderfähige gesamtkosten",
        "förderfähige ausgaben",
        "gesamtkosten des vorhabens",
        "total eligible expenditure",
        "total eligible cost",
        "gesamtkosten",
    ),
    "eu_rate": (
        "eu_rate",
        "unions-kofinanzierungssatz pro prioritätsachse",
        "unions-kofinanzierungssatz",
        "kofinanzierungssatz der union",
        "eu-kofinanzierungssatz",
        "kofinanzierungssatz",
        "union co-financing rate",
    ),
    "place": (
        "place",
        "durchführungsort des vorhabens",
        "durchführungsort",
        "durchfuehrungsort des vorhabens",
        "durchfuehrungsort",
        "standort des vorhabens",
        "ort des vorhabens",
        "location of operation",
        "standortindikator oder georeferenzierung für den standort",
        "standortindikator",
        "standort",
        "gemeinde",
        "ort",
    ),
    "postal_code": (
        "postal_code",
        "postleitzahl des vorhabens",
        "postleitzahl",
        "plz",
        "operation postcode",
    ),
    "district": (
        "district",
        "landkreis",
        "kreis",
        "landkreis/kreisfreie stadt",
        "nuts 3",
        "nuts-3",
    ),
    "country": ("country", "land", "staat"),
    "category": (
        "category",
        "bezeichnung der interventionskategorie für das vorhaben",
        "interventionskategorie",
        "bezeichnung der interventionskategorie",
        "category of intervention",
    ),
    "guideline": ("guideline", "förderrichtlinie", "foerderrichtlinie", "richtlinie"),
    "item": ("item", "fördergegenstand", "foerdergegenstand"),
    "fund": ("fund", "fonds", "eu-fonds", "betroffener fonds"),
}
OPERATION_FUNDS = ("ESF", "ERDF", "ESF Plus")
OPERATION_PRECISIONS = ("municipality", "district", "state")

REJECT_REASONS = (
    "missing_name",
    "no_location",
    "outside_saxony",
    "ambiguous_postal_code",
    "ambiguous_municipality",
    "duplicate_id",
    "unparseable_value",
)
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
    "gesundheit": "Gesundheit",
    "health": "Gesundheit",
    "pflege": "Pflege",
    "care": "Pflege",
    "bildung": "Bildung",
    "education": "Bildung",
    "inklusion": "Inklusion",
    "inclusion": "Inklusion",
    "familie": "Familie",
    "family": "Familie",
    "migration & integration": "Migration & Integration",
    "migration": "Migration & Integration",
    "integration": "Migration & Integration",
    "migration und integration": "Migration & Integration",
    "teilhabe & demokratie": "Teilhabe & Demokratie",
    "teilhabe": "Teilhabe & Demokratie",
    "demokratie": "Teilhabe & Demokratie",
    "participation": "Teilhabe & Demokratie",
    "democracy": "Teilhabe & Demokratie",
    "teilhabe und demokratie": "Teilhabe & Demokratie",
    "wohnen": "Wohnen",
    "housing": "Wohnen",
    "alter": "Alter",
    "ageing": "Alter",
    "aging": "Alter",
    "senioren": "Alter",
    "arbeit": "Arbeit",
    "work": "Arbeit",
    "employment": "Arbeit",
    "katastrophenschutz": "Katastrophenschutz",
    "civil protection": "Katastrophenschutz",
    "disaster relief": "Katastrophenschutz",
}
PARTNER_SYNONYMS: dict[str, str] = {
    "caritas": "Caritas",
    "caritas dresden-meissen": "Caritas",
    "caritasverband dresden-meissen": "Caritas",
    "drk": "DRK",
    "drk sachsen": "DRK",
    "deutsches rotes kreuz": "DRK",
    "impact hub dresden": "Impact Hub Dresden",
    "impact hub leipzig": "Impact Hub Leipzig",
    "parikom": "parikom",
    "startnext": "Startnext",
}
EVENT_TYPE_SYNONYMS: dict[str, str] = {
    **{t.lower(): t for t in EVENT_TYPES},
    "study trip": "Bildungsreise",
    "networking": "Netzwerktreffen",
    "networking event": "Netzwerktreffen",
    "conference": "Konferenz",
}
STAGE_SYNONYMS: dict[str, str] = {
    "idee": "Idee",
    "idea": "Idee",
    "aufbau": "Aufbau",
    "gründung": "Aufbau",
    "start-up": "Aufbau",
    "startup": "Aufbau",
    "wachstum": "Wachstum",
    "growth": "Wachstum",
    "verstetigung": "Verstetigung",
    "etabliert": "Verstetigung",
    "established": "Verstetigung",
}


_PREFIX = re.compile(r"^(?:\d+(?:\.\d+)*[.):]?\s+|\d+[.):]\s*|[a-z][.)]\s+)+")
_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def normalise_header(header: str) -> str:
    """Comparable key: lower-case ASCII letters and digits, numbered prefix dropped."""
    text = unicodedata.normalize("NFKC", str(header)).strip().lower()
    text = _PREFIX.sub("", text) or text
    text = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return re.sub(r"[^a-z0-9]", "", text.encode("ascii", "ignore").decode())


def alias_lookup(aliases: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Map every normalised spelling to its canonical column."""
    return {
        normalise_header(a): col
        for col, names in reversed(aliases.items())
        for a in names
    }


def alias_rank(aliases: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """Position of each normalised spelling within its field (0 = preferred)."""
    return {
        normalise_header(a): i
        for names in aliases.values()
        for i, a in enumerate(names)
    }


def header_score(headers: list[str], aliases: dict[str, tuple[str, ...]]) -> int:
    """Number of distinct canonical fields recognised among ``headers``."""
    lookup = alias_lookup(aliases)
    found = {lookup.get(normalise_header(h)) for h in headers if h is not None}
    return len(found - {None})


# Text columns whose kind of values is known get their compression named: DuckDB
# then skips trying every method on each row group while writing (half a second
# for a million rows) and picks what it would pick anyway (same file size).
_KEYS = "VARCHAR USING COMPRESSION dictionary"  # few distinct values
_UNIQUE = "VARCHAR USING COMPRESSION fsst"  # (nearly) every value distinct
_LOCATION_DDL = f"""
    street VARCHAR, postal_code VARCHAR, city VARCHAR,
    ags {_KEYS} NOT NULL, district_ars {_KEYS} NOT NULL,
    lon DOUBLE NOT NULL, lat DOUBLE NOT NULL, x DOUBLE NOT NULL, y DOUBLE NOT NULL,
    geocode_method {_KEYS} NOT NULL, location_precision {_KEYS} NOT NULL,
    coords_repaired BOOLEAN NOT NULL,
    url VARCHAR, description VARCHAR,
    contact_name VARCHAR, contact_email VARCHAR, contact_phone VARCHAR,
    public BOOLEAN NOT NULL, extra VARCHAR, is_demo BOOLEAN NOT NULL,
    source_file {_KEYS} NOT NULL, source_row BIGINT NOT NULL
"""
TABLE_DDL: dict[str, str] = {
    "initiatives": f"""
        CREATE TABLE initiatives (
            id {_UNIQUE} NOT NULL, name {_UNIQUE} NOT NULL, organisation VARCHAR,
            partner {_KEYS} NOT NULL, partner_raw VARCHAR,
            theme {_KEYS} NOT NULL, theme_raw VARCHAR, stage {_KEYS} NOT NULL,
            start_year INTEGER, funding_eur DOUBLE, {_LOCATION_DDL})""",
    "events": f"""
        CREATE TABLE events (
            id {_UNIQUE} NOT NULL, name {_UNIQUE} NOT NULL,
            type {_KEYS} NOT NULL, type_raw VARCHAR, date DATE, participants INTEGER,
            partner {_KEYS} NOT NULL, partner_raw VARCHAR,
            theme {_KEYS} NOT NULL, theme_raw VARCHAR, initiative_id VARCHAR,
            {_LOCATION_DDL})""",
    "operations": """
        CREATE TABLE operations (
            operation_id VARCHAR NOT NULL, name VARCHAR, beneficiary VARCHAR,
            summary VARCHAR, start_date DATE, end_date DATE,
            eligible_eur DECIMAL(18,2) NOT NULL, eu_rate DOUBLE, category VARCHAR,
            guideline VARCHAR, item VARCHAR, fund VARCHAR NOT NULL, place_raw VARCHAR,
            district_raw VARCHAR, ags VARCHAR, district_ars VARCHAR,
            location_precision VARCHAR NOT NULL, source_file VARCHAR NOT NULL,
            row_number BIGINT NOT NULL)""",
    "operation_sources": """
        CREATE TABLE operation_sources (
            source_file VARCHAR NOT NULL, fund VARCHAR NOT NULL, programme VARCHAR,
            as_of DATE, citation VARCHAR NOT NULL, rows BIGINT NOT NULL,
            sha256 VARCHAR NOT NULL)""",
    "rejects": f"""
        CREATE TABLE rejects (
            kind {_KEYS} NOT NULL, source_file {_KEYS} NOT NULL,
            source_row BIGINT NOT NULL, reason {_KEYS} NOT NULL, detail {_UNIQUE},
            raw {_UNIQUE} NOT NULL)""",
}
