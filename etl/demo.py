"""Seeded demo data: realistic, clearly fake initiatives and events for Saxony.

The files go through the normal import schema (German headers for initiatives,
English for events), so a demo build exercises the same aliases, geocoding rules
and vocabularies as a real export. Contact data is fake (example.org, 000 phones).
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import random
import re
import tomllib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import shapely
from pyproj import Transformer

from geo.crs import METRIC_CRS, WEB_CRS

__all__ = ["write_demo_files", "N_INITIATIVES", "N_EVENTS", "CITY_AGS"]

N_INITIATIVES = 200
CITY_AGS = {"14713000": "Leipzig", "14612000": "Dresden", "14511000": "Chemnitz"}
N_CITY_INITIATIVES = N_INITIATIVES // 2
YEARS = (2023, 2024, 2025)
YEAR_WEIGHTS = {2023: 30, 2024: 37, 2025: 33}
# Exact counts per location kind keep the mix identical for every seed.
SHARE_POSTAL, SHARE_MUNICIPALITY = 0.10, 0.10
SHARE_PRIVATE = 0.05
SHARE_DECIMAL_COMMA = 0.25
EVENT_TYPE_COUNTS = {
    "Workshop": 16,
    "Roadshow": 14,
    "Netzwerktreffen": 12,
    "Coaching": 10,
    "Hackathon": 6,
    "Bildungsreise": 6,
    "Konferenz": 6,
}
N_EVENTS = sum(EVENT_TYPE_COUNTS.values())
N_LINKED_EVENTS = N_EVENTS // 2
UNLINKED_TYPES = ("Roadshow", "Konferenz")
PARTICIPANTS = {
    "Workshop": (8, 35),
    "Roadshow": (15, 60),
    "Netzwerktreffen": (20, 80),
    "Coaching": (4, 20),
    "Hackathon": (30, 120),
    "Bildungsreise": (10, 30),
    "Konferenz": (80, 400),
}

# District -> region of its partners, phone area code and rural weight factor.
# Rural weight = factor * population ** 1.2: low factors leave whole districts sparse;
# the three cities are drawn by population and have no factor.
# fmt: off
DISTRICTS: dict[str, tuple[str, str, float | None]] = {
    "14511": ("sued",    "371",   None),  # Chemnitz
    "14521": ("sued",    "3733",  0.4),   # Erzgebirgskreis
    "14522": ("sued",    "3731",  0.6),   # Mittelsachsen
    "14523": ("sued",    "3741",  0.7),   # Vogtlandkreis
    "14524": ("sued",    "375",   1.0),   # Zwickau
    "14612": ("dresden", "351",   None),  # Dresden
    "14625": ("ost",     "3591",  1.0),   # Bautzen
    "14626": ("ost",     "3581",  0.8),   # Görlitz
    "14627": ("dresden", "3521",  1.1),   # Meißen
    "14628": ("dresden", "3501",  1.2),   # Sächsische Schweiz-Osterzgebirge
    "14713": ("leipzig", "341",   None),  # Leipzig
    "14729": ("leipzig", "3437",  1.3),   # Landkreis Leipzig
    "14730": ("leipzig", "34202", 0.3),   # Nordsachsen
}
# fmt: on
REGION = {ars: region for ars, (region, _, _) in DISTRICTS.items()}
AREA_CODE = {ars: code for ars, (_, code, _) in DISTRICTS.items()}
DISTRICT_FACTOR = {ars: f for ars, (_, _, f) in DISTRICTS.items() if f is not None}
# Impact Hubs work around their city, Caritas in the east, DRK statewide.
PARTNER_WEIGHTS = {
    "leipzig": {"Impact Hub Leipzig": 45, "DRK": 20, "parikom": 15, "Startnext": 20},
    "dresden": {
        "Impact Hub Dresden": 40,
        "Caritas": 20,
        "DRK": 15,
        "parikom": 10,
        "Startnext": 15,
    },
    "ost": {
        "Caritas": 35,
        "DRK": 30,
        "parikom": 20,
        "Startnext": 10,
        "Impact Hub Dresden": 5,
    },
    "sued": {"DRK": 40, "parikom": 30, "Startnext": 25, "Impact Hub Leipzig": 5},
}

THEME_WEIGHTS = {
    "Bildung": 14,
    "Teilhabe & Demokratie": 12,
    "Alter": 10,
    "Familie": 10,
    "Migration & Integration": 9,
    "Gesundheit": 9,
    "Inklusion": 8,
    "Arbeit": 8,
    "Wohnen": 7,
    "Pflege": 7,
    "Katastrophenschutz": 3,
    "Sonstiges": 3,
}
# A few English spellings exercise the importer's theme mapping.
THEME_ENGLISH = {
    "Bildung": "Education",
    "Gesundheit": "Health",
    "Wohnen": "Housing",
    "Pflege": "Care",
    "Familie": "Family",
    "Inklusion": "Inclusion",
    "Arbeit": "Work",
}
SHARE_ENGLISH_THEME = 0.08
STAGE_WEIGHTS = {
    2023: {"Idee": 5, "Aufbau": 20, "Wachstum": 40, "Verstetigung": 35},
    2024: {"Idee": 15, "Aufbau": 40, "Wachstum": 30, "Verstetigung": 15},
    2025: {"Idee": 45, "Aufbau": 40, "Wachstum": 12, "Verstetigung": 3},
}

# Names, places and titles live in a data file; see its header for why order matters.
_TEXTS_FILE = Path(__file__).parent / "data" / "demo_texts.toml"
_TEXTS: dict[str, Any] = tomllib.loads(_TEXTS_FILE.read_text(encoding="utf-8"))
STREETS: tuple[str, ...] = tuple(_TEXTS["streets"])
FIRST_NAMES: tuple[str, ...] = tuple(_TEXTS["first_names"])
LAST_NAMES: tuple[str, ...] = tuple(_TEXTS["last_names"])
WORKSHOP_TOPICS: tuple[str, ...] = tuple(_TEXTS["workshop_topics"])
ORGANISATIONS: tuple[str, ...] = tuple(_TEXTS["organisations"])
PARTNER_ORGANISATIONS: dict[str, str] = _TEXTS["partner_organisations"]
QUARTERS: dict[str, tuple[str, ...]] = {
    ags: tuple(names) for ags, names in _TEXTS["quarters"].items()
}
# Theme -> (name template, what the initiative does).
INITIATIVE_TEMPLATES: dict[str, tuple[tuple[str, str], ...]] = {
    theme: tuple((x["name"], x["purpose"]) for x in templates)
    for theme, templates in _TEXTS["initiative"].items()
}
# Type -> (title, title when an initiative hosts it, description).
EVENT_TEXT: dict[str, tuple[str, str, str]] = {
    kind: (x["title"], x["hosted"], x["description"])
    for kind, x in _TEXTS["event"].items()
}

INITIATIVE_HEADERS = {
    "id": "id",
    "name": "name",
    "organisation": "träger",
    "partner": "partner",
    "theme": "thema",
    "stage": "phase",
    "start_year": "gründungsjahr",
    "street": "straße",
    "postal_code": "plz",
    "city": "ort",
    "municipality": "gemeinde",
    "lat": "breitengrad",
    "lon": "längengrad",
    "url": "website",
    "description": "beschreibung",
    "contact_name": "contact_name",
    "contact_email": "contact_email",
    "contact_phone": "contact_phone",
    "public": "public",
    "funding_eur": "fördersumme",
}
EVENT_HEADERS = (
    "id",
    "name",
    "type",
    "date",
    "participants",
    "partner",
    "theme",
    "initiative_id",
    "street",
    "postal_code",
    "city",
    "municipality",
    "lat",
    "lon",
    "url",
    "description",
    "public",
)


K = TypeVar("K")


@dataclass(frozen=True)
class Municipality:
    """A municipality with what the generator needs to place rows in it."""

    ags: str
    name: str
    district_ars: str
    district_label: str
    population: int
    degurba: int
    web: shapely.Polygon
    metric: shapely.Polygon
    postal_codes: tuple[str, ...]
    unique_name: bool

    @property
    def place(self) -> str:
        """Short place name for titles ("Königstein/Sächs. Schw." -> "Königstein")."""
        return self.name.split("/")[0].strip()

    def eligible(self, kind: str) -> bool:
        """Whether a ``kind`` row placed here resolves to exactly this place."""
        if kind == "postal_code":
            return bool(self.postal_codes)
        return self.unique_name if kind == "municipality" else True


def load_municipalities(con: duckdb.DuckDBPyConnection) -> list[Municipality]:
    """Read municipalities, district labels and safe postal codes from ``con``."""
    rows = con.execute(
        """
        SELECT m.ags, m.name, m.district_ars,
               CASE WHEN count(*) OVER (PARTITION BY d.name) > 1 AND d.kind = ?
                    THEN d.kind || ' ' || d.name ELSE d.name END AS district_label,
               m.population, m.degurba, ST_AsWKB(m.geom_web), ST_AsWKB(m.geom),
               count(*) OVER (PARTITION BY m.name) = 1 AS unique_name
        FROM municipalities m JOIN districts d ON d.ars = m.district_ars
        -- a newer boundary edition may hold keys without statistics: skip them
        WHERE m.population IS NOT NULL AND m.degurba IS NOT NULL
        ORDER BY m.ags
        """,
        ["Landkreis"],
    ).fetchall()
    # A shared postal code resolves only through a place name equal to the municipality.
    postal = con.execute(
        """
        SELECT ags, list(postal_code ORDER BY postal_code)
        FROM (SELECT *, count(*) OVER (PARTITION BY postal_code) AS n FROM postal_codes)
        WHERE n = 1 OR place = municipality
        GROUP BY ags
        """
    ).fetchall()
    codes = {ags: tuple(found) for ags, found in postal}
    result = []
    for ags, name, ars, label, pop, degurba, web, metric, unique in rows:
        web_geom, metric_geom = shapely.from_wkb(web), shapely.from_wkb(metric)
        shapely.prepare(web_geom)
        shapely.prepare(metric_geom)
        result.append(
            Municipality(
                ags,
                name,
                ars,
                label,
                int(pop),
                int(degurba),
                web_geom,
                metric_geom,
                codes.get(ags, ()),
                bool(unique),
            )
        )
    return result


class _Sampler:
    """Seeded draws of places, points and fake details."""

    def __init__(self, munis: list[Municipality], seed: int) -> None:
        self.rng = random.Random(seed)
        self.cities = [m for m in munis if m.ags in CITY_AGS]
        self.rural = [m for m in munis if m.ags not in CITY_AGS]
        self.to_metric = Transformer.from_crs(WEB_CRS, METRIC_CRS, always_xy=True)
        self.city_weight = {m.ags: float(m.population) for m in self.cities}
        self.rural_weight = {
            m.ags: DISTRICT_FACTOR[m.district_ars] * m.population**1.2
            for m in self.rural
        }
        # Roadshows favour small rural places in the sparse districts.
        self.roadshow_weight = {
            m.ags: m.population**0.5
            * (4 if m.degurba == 3 else 1)
            / DISTRICT_FACTOR[m.district_ars]
            for m in self.rural
            if m.degurba >= 2
        }
        self.town_weight = {
            m.ags: m.population**1.5 for m in self.rural if m.degurba <= 2
        }

    def weighted(self, options: dict[K, float]) -> K:
        """One key of ``options`` drawn by weight."""
        return self.rng.choices(list(options), weights=list(options.values()))[0]

    def municipality(
        self, pool: Sequence[Municipality], kind: str, weight: dict[str, float]
    ) -> Municipality:
        """A municipality of ``pool`` that suits ``kind``, drawn by ``weight[ags]``."""
        fits = [m for m in pool if m.eligible(kind) and weight.get(m.ags, 0) > 0]
        return self.rng.choices(fits, weights=[weight[m.ags] for m in fits])[0]

    def point(self, muni: Municipality) -> tuple[float, float]:
        """A random lon/lat (5 decimals) inside both the web and the metric polygon."""
        west, south, east, north = muni.web.bounds
        while True:
            lon = round(self.rng.uniform(west, east), 5)
            lat = round(self.rng.uniform(south, north), 5)
            x, y = self.to_metric.transform(lon, lat)
            if muni.web.contains(shapely.Point(lon, lat)) and muni.metric.contains(
                shapely.Point(x, y)
            ):
                return lon, lat

    def kinds(self, n: int) -> list[str]:
        """Location kinds for ``n`` rows in exact shares, shuffled."""
        postal = round(n * SHARE_POSTAL)
        by_name = round(n * SHARE_MUNICIPALITY)
        kinds = ["postal_code"] * postal + ["municipality"] * by_name
        kinds += ["coordinates"] * (n - len(kinds))
        self.rng.shuffle(kinds)
        return kinds

    def flags(self, n: int, share: float) -> list[bool]:
        """``round(n * share)`` True values among ``n``, shuffled."""
        flags = [True] * round(n * share) + [False] * (n - round(n * share))
        self.rng.shuffle(flags)
        return flags

    def location(self, muni: Municipality, kind: str, comma: bool) -> dict[str, str]:
        """Location columns for ``kind``: coordinates, postal code + place, or name."""
        if kind == "municipality":
            return {"municipality": muni.name}
        loc = {
            "street": f"{self.rng.choice(STREETS)} {self.rng.randint(1, 80)}",
            "postal_code": self.rng.choice(muni.postal_codes)
            if muni.postal_codes
            else "",
            "city": muni.name,
        }
        if kind == "coordinates":
            lon, lat = self.point(muni)
            sep = "," if comma else "."
            loc["lon"], loc["lat"] = (f"{v:.5f}".replace(".", sep) for v in (lon, lat))
        return loc

    def theme(self) -> tuple[str, str]:
        """A controlled theme and its raw spelling (sometimes English)."""
        theme = self.weighted(THEME_WEIGHTS)
        english = THEME_ENGLISH.get(theme)
        raw = english if english and self.rng.random() < SHARE_ENGLISH_THEME else theme
        return theme, raw

    def partner(self, muni: Municipality) -> str:
        """A SINN partner active in the municipality's region."""
        return self.weighted(PARTNER_WEIGHTS[REGION[muni.district_ars]])

    def place_label(self, muni: Municipality) -> str:
        """Place for a title: a city quarter in the three cities, else the town."""
        if muni.ags in QUARTERS:
            return f"{muni.name}-{self.rng.choice(QUARTERS[muni.ags])}"
        return muni.place

    def contact(self, muni: Municipality) -> dict[str, str]:
        """Fake contact person, e-mail at example.org and a 000 phone number."""
        first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
        phone = f"+49 {AREA_CODE[muni.district_ars]} 000{self.rng.randint(1000, 9999)}"
        return {
            "contact_name": f"{first} {last}" if self.rng.random() < 0.9 else "",
            "contact_email": f"{_slug(first)[0]}.{_slug(last)}@example.org"
            if self.rng.random() < 0.9
            else "",
            "contact_phone": phone if self.rng.random() < 0.75 else "",
        }


@dataclass(frozen=True)
class _Initiative:
    """A generated initiative row and where it is."""

    row: dict[str, str]
    muni: Municipality
    theme_raw: str
    year: int


def _slug(text: str) -> str:
    """ASCII slug for fake domains ("Repair-Café Plauen" -> "repair-cafe-plauen")."""
    text = text.lower().translate(_UMLAUTS)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def _unique_name(
    s: _Sampler, theme: str, label: str, used: set[str]
) -> tuple[str, str]:
    """An unused initiative name for ``theme`` at ``label`` and its purpose."""
    options = list(INITIATIVE_TEMPLATES[theme])
    s.rng.shuffle(options)
    names = [(template.format(place=label), what) for template, what in options]
    name, what = next((pair for pair in names if pair[0] not in used), names[0])
    base, number = name, 2
    while name in used:
        name, number = f"{base} {number}", number + 1
    used.add(name)
    return name, what


def _initiative(
    s: _Sampler,
    number: int,
    muni: Municipality,
    kind: str,
    public: bool,
    used: set[str],
) -> _Initiative:
    """One initiative row with German-style values."""
    theme, theme_raw = s.theme()
    year = s.weighted(YEAR_WEIGHTS)
    stage = s.weighted(STAGE_WEIGHTS[year])
    label = s.place_label(muni)
    name, what = _unique_name(s, theme, label, used)
    partner = s.partner(muni)
    template = PARTNER_ORGANISATIONS.get(partner) if s.rng.random() < 0.5 else None
    organisation = (template or s.rng.choice(ORGANISATIONS)).format(
        place=muni.place, district=muni.district_label
    )
    funding = round(s.rng.lognormvariate(math.log(25_000), 0.8) / 500) * 500
    row = {
        "id": f"demo-i-{number:04d}",
        "name": name,
        "organisation": organisation,
        "partner": partner,
        "theme": theme_raw,
        "stage": stage,
        "start_year": str(year),
        **s.location(muni, kind, comma=s.rng.random() < SHARE_DECIMAL_COMMA),
        "url": f"https://www.{_slug(name)}.example.org" if s.rng.random() < 0.6 else "",
        "description": f"{what} in {label}. Seit {year} begleitet von {partner}.",
        **s.contact(muni),
        "public": "true" if public else "false",
        "funding_eur": str(min(max(funding, 1_000), 250_000))
        if s.rng.random() < 0.7
        else "",
    }
    return _Initiative(row, muni, theme_raw, year)


def _initiatives(s: _Sampler) -> list[_Initiative]:
    """About half in the three cities, the rest by weighted rural districts."""
    n = N_INITIATIVES
    kinds = s.kinds(n)
    in_city = s.flags(n, N_CITY_INITIATIVES / n)
    public = s.flags(n, 1 - SHARE_PRIVATE)
    used: set[str] = set()
    result = []
    for i in range(n):
        pool, weight = (
            (s.cities, s.city_weight) if in_city[i] else (s.rural, s.rural_weight)
        )
        muni = s.municipality(pool, kinds[i], weight)
        result.append(_initiative(s, i + 1, muni, kinds[i], public[i], used))
    return result


def _event_place(s: _Sampler, event_type: str, kind: str) -> Municipality:
    """Roadshows go to the countryside, conferences to the cities."""
    if event_type == "Roadshow":
        return s.municipality(s.rural, kind, s.roadshow_weight)
    if event_type == "Konferenz":
        if s.rng.random() < 5 / 6:
            return s.municipality(s.cities, kind, s.city_weight)
        return s.municipality(s.rural, kind, s.town_weight)
    if s.rng.random() < N_CITY_INITIATIVES / N_INITIATIVES:
        return s.municipality(s.cities, kind, s.city_weight)
    return s.municipality(s.rural, kind, s.rural_weight)


def _events(s: _Sampler, initiatives: list[_Initiative]) -> list[dict[str, str]]:
    """Events of fixed type counts; half of the hostable ones hosted by initiatives."""
    types = [t for t, count in EVENT_TYPE_COUNTS.items() for _ in range(count)]
    s.rng.shuffle(types)
    linkable = [i for i, t in enumerate(types) if t not in UNLINKED_TYPES]
    linked = set(s.rng.sample(linkable, N_LINKED_EVENTS))
    kinds = s.kinds(N_EVENTS)
    public = s.flags(N_EVENTS, 1 - SHARE_PRIVATE)
    rows = []
    for i, event_type in enumerate(types):
        host = None
        if i in linked:
            host = s.rng.choice([x for x in initiatives if x.muni.eligible(kinds[i])])
            muni, partner, theme_raw = host.muni, host.row["partner"], host.theme_raw
            first = dt.date(host.year, 1, 1)
        else:
            muni = _event_place(s, event_type, kinds[i])
            partner, theme_raw = s.partner(muni), s.theme()[1]
            first = dt.date(YEARS[0], 1, 1)
        span = (dt.date(YEARS[-1], 12, 31) - first).days
        date = first + dt.timedelta(days=s.rng.randint(0, span))
        title, hosted, text = EVENT_TEXT[event_type]
        name = (hosted if host else title).format(
            topic=s.rng.choice(WORKSHOP_TOPICS),
            place=s.place_label(muni),
            district=muni.district_label,
            year=date.year,
            host=host.row["name"] if host else "",
        )
        event_id = f"demo-e-{i + 1:04d}"
        rows.append(
            {
                "id": event_id,
                "name": name,
                "type": event_type,
                "date": date.isoformat(),
                "participants": str(s.rng.randint(*PARTICIPANTS[event_type])),
                "partner": partner,
                "theme": theme_raw,
                "initiative_id": host.row["id"] if host else "",
                **s.location(muni, kinds[i], comma=False),
                "url": f"https://sinn-sachsen.example.org/termine/{event_id}",
                "description": f"{text}.",
                "public": "true" if public[i] else "false",
            }
        )
    return rows


def _write_csv(path: Path, headers: dict[str, str], rows: list[dict[str, str]]) -> None:
    """UTF-8, comma separated, header row, rows sorted by id, ``\\n`` line ends."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(headers.values())
        for row in sorted(rows, key=lambda r: r["id"]):
            writer.writerow(row.get(column, "") for column in headers)


def write_demo_files(
    con: duckdb.DuckDBPyConnection, out_dir: Path, seed: int = 2025
) -> tuple[Path, Path]:
    """Write ``demo_initiatives.csv`` and ``demo_events.csv``; same seed, same bytes."""
    sampler = _Sampler(load_municipalities(con), seed)
    initiatives = _initiatives(sampler)
    events = _events(sampler, initiatives)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = out_dir / "demo_initiatives.csv", out_dir / "demo_events.csv"
    _write_csv(paths[0], INITIATIVE_HEADERS, [x.row for x in initiatives])
    _write_csv(paths[1], {h: h for h in EVENT_HEADERS}, events)
    return paths
