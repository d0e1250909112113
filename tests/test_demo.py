"""The seeded demo data: deterministic, realistic, and resolvable by the importer."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from etl.demo import CITY_AGS, write_demo_files
from etl.reference import build_reference
from etl.schema import THEME_SYNONYMS
from sinn.config import mirror_dir
from sinn.db import connect
from sinn.vocab import EVENT_TYPES, PARTNERS, STAGES, THEMES

# Canonical location column -> header in each file.
INITIATIVE_LOCATION = {
    "lat": "breitengrad",
    "lon": "längengrad",
    "postal_code": "plz",
    "city": "ort",
    "municipality": "gemeinde",
}
EVENT_LOCATION = {c: c for c in ("lat", "lon", "postal_code", "city", "municipality")}


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    """Reference tables of the real mirror, in memory."""
    connection = connect()
    build_reference(connection, mirror_dir())
    return connection


@pytest.fixture(scope="module")
def files(con, tmp_path_factory) -> tuple[Path, Path]:
    """The demo files for the default seed."""
    return write_demo_files(con, tmp_path_factory.mktemp("demo"))


def read_rows(path: Path) -> list[dict[str, str]]:
    """Rows of a demo CSV as dicts."""
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def initiatives(files) -> list[dict[str, str]]:
    """Initiative rows."""
    return read_rows(files[0])


@pytest.fixture(scope="module")
def events(files) -> list[dict[str, str]]:
    """Event rows."""
    return read_rows(files[1])


def location_kind(row: dict[str, str], cols: dict[str, str]) -> str:
    """Which geocoding rule the row is meant for."""
    if row[cols["lat"]]:
        return "coordinates"
    return "postal_code" if row[cols["postal_code"]] else "municipality"


def number(text: str) -> float:
    """A coordinate written with a decimal point or a German decimal comma."""
    return float(text.replace(",", "."))


def resolve(con, row: dict[str, str], cols: dict[str, str]) -> list[str]:
    """AGS of every municipality the row's location matches (one when unambiguous)."""
    kind = location_kind(row, cols)
    if kind == "coordinates":
        sql = (
            "SELECT ags FROM municipalities WHERE ST_Contains(geom_web, ST_Point(?, ?))"
        )
        params = [number(row[cols["lon"]]), number(row[cols["lat"]])]
    elif kind == "postal_code":
        sql = (
            "SELECT ags FROM postal_codes "
            "WHERE postal_code = ? AND ? IN (place, municipality)"
        )
        params = [row[cols["postal_code"]], row[cols["city"]]]
    else:
        sql = "SELECT ags FROM municipalities WHERE name = ?"
        params = [row[cols["municipality"]]]
    return [r[0] for r in con.execute(sql, params).fetchall()]


def test_same_seed_gives_identical_bytes(con, files, tmp_path):
    again = write_demo_files(con, tmp_path, seed=2025)
    assert [p.name for p in again] == ["demo_initiatives.csv", "demo_events.csv"]
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in files]


def test_other_seed_gives_other_data(con, files, tmp_path):
    other = write_demo_files(con, tmp_path, seed=7)
    assert other[0].read_bytes() != files[0].read_bytes()
    assert other[1].read_bytes() != files[1].read_bytes()


def test_headers_use_german_and_english_aliases(files):
    first_lines = [p.read_text(encoding="utf-8").splitlines()[0] for p in files]
    assert first_lines == [
        "id,name,träger,partner,thema,phase,gründungsjahr,straße,plz,ort,gemeinde,"
        "breitengrad,längengrad,website,beschreibung,contact_name,contact_email,"
        "contact_phone,public,fördersumme",
        "id,name,type,date,participants,partner,theme,initiative_id,street,"
        "postal_code,city,municipality,lat,lon,url,description,public",
    ]


def test_row_counts_and_unique_ids(initiatives, events):
    assert len(initiatives) == 200
    assert len(events) == 70
    assert len({r["id"] for r in initiatives}) == 200
    assert len({r["id"] for r in events}) == 70
    assert len({r["name"] for r in initiatives}) == 200


def test_location_kinds_have_exact_shares(initiatives, events):
    assert Counter(location_kind(r, INITIATIVE_LOCATION) for r in initiatives) == {
        "coordinates": 160,
        "postal_code": 20,
        "municipality": 20,
    }
    assert Counter(location_kind(r, EVENT_LOCATION) for r in events) == {
        "coordinates": 56,
        "postal_code": 7,
        "municipality": 7,
    }


def test_some_initiative_coordinates_use_a_decimal_comma(initiatives):
    commas = [r for r in initiatives if "," in r["breitengrad"]]
    assert 20 <= len(commas) <= 80
    assert all("," in r["längengrad"] for r in commas)


@pytest.mark.parametrize("which", ["initiatives", "events"])
def test_every_row_resolves_to_exactly_one_municipality(con, request, which):
    rows = request.getfixturevalue(which)
    cols = INITIATIVE_LOCATION if which == "initiatives" else EVENT_LOCATION
    unresolved = [r["id"] for r in rows if len(resolve(con, r, cols)) != 1]
    assert unresolved == []


@pytest.mark.parametrize("which", ["initiatives", "events"])
def test_coordinates_lie_inside_the_named_municipality(con, request, which):
    rows = request.getfixturevalue(which)
    cols = INITIATIVE_LOCATION if which == "initiatives" else EVENT_LOCATION
    points = [r for r in rows if location_kind(r, cols) == "coordinates"]
    for row in points:
        lon, lat = number(row[cols["lon"]]), number(row[cols["lat"]])
        assert (lon, lat) == (round(lon, 5), round(lat, 5))
        names = con.execute(
            "SELECT name FROM municipalities "
            "WHERE ST_Contains(geom_web, ST_Point(?, ?)) "
            "AND ST_Contains(geom, "
            "ST_Transform(ST_Point(?, ?), ?, ?, always_xy := true))",
            [lon, lat, lon, lat, "EPSG:4326", "EPSG:25833"],
        ).fetchall()
        assert names == [(row[cols["city"]],)], row["id"]


def test_about_half_of_initiatives_are_in_the_three_cities(con, initiatives):
    ags = [resolve(con, r, INITIATIVE_LOCATION)[0] for r in initiatives]
    in_cities = Counter(a for a in ags if a in CITY_AGS)
    assert set(in_cities) == set(CITY_AGS)
    assert 0.4 <= sum(in_cities.values()) / len(ags) <= 0.6


def test_some_rural_districts_stay_sparse(con, initiatives):
    ags = [resolve(con, r, INITIATIVE_LOCATION)[0] for r in initiatives]
    per_district = Counter(a[:5] for a in ags)
    districts = [r[0] for r in con.execute("SELECT ars FROM districts").fetchall()]
    sparse = [d for d in districts if per_district[d] <= 5]
    assert len(sparse) >= 2


def test_years_and_dates_within_2023_to_2025(initiatives, events):
    assert {r["gründungsjahr"] for r in initiatives} == {"2023", "2024", "2025"}
    dates = sorted(r["date"] for r in events)
    assert dates[0] >= "2023-01-01"
    assert dates[-1] <= "2025-12-31"


def test_only_controlled_values(initiatives, events):
    partners = set(PARTNERS) - {"other"}
    themes = set(THEMES) | set(THEME_SYNONYMS)
    for row in initiatives:
        assert row["partner"] in partners
        assert row["thema"] in THEMES or row["thema"].lower() in themes
        assert row["phase"] in set(STAGES) - {"unbekannt"}
        assert row["public"] in {"true", "false"}
    for row in events:
        assert row["partner"] in partners
        assert row["theme"] in THEMES or row["theme"].lower() in themes
        assert row["type"] in set(EVENT_TYPES) - {"other"}
        assert int(row["participants"]) > 0


def test_some_themes_are_english_synonyms(initiatives):
    english = {r["thema"] for r in initiatives} - set(THEMES)
    assert english
    assert all(THEME_SYNONYMS[t.lower()] in THEMES for t in english)


def test_about_five_percent_are_not_public(initiatives, events):
    assert Counter(r["public"] for r in initiatives)["false"] == 10
    assert Counter(r["public"] for r in events)["false"] == 4


def test_half_of_events_refer_to_existing_initiatives(initiatives, events):
    ids = {r["id"] for r in initiatives}
    linked = [r["initiative_id"] for r in events if r["initiative_id"]]
    assert len(linked) == 35
    assert set(linked) <= ids


def test_partners_follow_their_regions(con, initiatives):
    ags = [resolve(con, r, INITIATIVE_LOCATION)[0] for r in initiatives]
    district = {r["id"]: a[:5] for r, a in zip(initiatives, ags, strict=True)}
    by_partner: dict[str, list[str]] = {}
    for row in initiatives:
        by_partner.setdefault(row["partner"], []).append(district[row["id"]])
    east = {"14612", "14625", "14626", "14627", "14628"}
    assert set(by_partner["Caritas"]) <= east
    assert set(by_partner["Impact Hub Dresden"]) <= east
    leipzig = [
        d in {"14713", "14729", "14730"} for d in by_partner["Impact Hub Leipzig"]
    ]
    assert sum(leipzig) / len(leipzig) >= 0.8
    assert len(set(by_partner["DRK"])) >= 8


def test_roadshows_go_mostly_to_rural_municipalities(con, events):
    roadshows = [r for r in events if r["type"] == "Roadshow"]
    ags = [resolve(con, r, EVENT_LOCATION)[0] for r in roadshows]
    label = dict(
        con.execute("SELECT ags, degurba_label FROM municipalities").fetchall()
    )
    assert len(roadshows) == 14
    assert not set(ags) & set(CITY_AGS)
    assert sum(label[a] == "ländlich" for a in ags) >= 0.6 * len(ags)


def test_contact_data_is_clearly_fake(initiatives):
    emails = {r["contact_email"] for r in initiatives} - {""}
    phones = {r["contact_phone"] for r in initiatives} - {""}
    urls = {r["website"] for r in initiatives} - {""}
    assert emails and all(e.endswith("@example.org") for e in emails)
    assert phones and all(p.startswith("+49 ") and " 000" in p for p in phones)
    assert urls and all(u.endswith(".example.org") for u in urls)
