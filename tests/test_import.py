"""The importer: formats, encodings, the geocoding cascade and every reject reason."""

from __future__ import annotations

import json

import openpyxl
import pytest

from etl.build import build
from etl.ingest import InputError
from sinn.db import connect
from tests.etl_helpers import reference_raw, write_csv

# Dresden Frauenkirche; Berlin Alexanderplatz; Chemnitz AGS.
DRESDEN = {"lat": "51.05189", "lon": "13.74183"}
BERLIN = {"lat": "52.52194", "lon": "13.41321"}
BASE = {
    "id": "",
    "name": "",
    "lat": "",
    "lon": "",
    "ags": "",
    "plz": "",
    "ort": "",
    "gemeinde": "",
}

# fmt: off
CASES = [
    # (row overrides, expected outcome:
    #  ("ok", ags, method, precision) or ("reject", reason))
    ({"id": "c1", "name": "Koordinaten", **DRESDEN},
     ("ok", "14612000", "coordinates", "exact")),
    ({"id": "c2", "name": "Vertauscht", "lat": DRESDEN["lon"], "lon": DRESDEN["lat"]},
     ("ok", "14612000", "coordinates_swapped", "exact")),
    ({"id": "c3", "name": "Komma", "lat": "51,05189", "lon": "13,74183"},
     ("ok", "14612000", "coordinates", "exact")),
    ({"id": "c4", "name": "Auf Gitterlinie", "lat": "51.05", "lon": "13.75"},
     ("ok", "14612000", "coordinates", "exact")),
    ({"id": "a1", "name": "Per AGS", "ags": "14511000"},
     ("ok", "14511000", "ags", "municipality")),
    ({"id": "a2", "name": "Per ARS", "ags": "146120000000"},
     ("ok", "14612000", "ags", "municipality")),
    ({"id": "p1", "name": "PLZ eindeutig", "plz": "1067"},
     ("ok", "14612000", "postal_code", "municipality")),
    ({"id": "p2", "name": "PLZ mit Ort", "plz": "01454", "ort": "Wachau"},
     ("ok", "14625600", "postal_code", "municipality")),
    ({"id": "p3", "name": "PLZ mehrdeutig", "plz": "01454"},
     ("reject", "ambiguous_postal_code")),
    ({"id": "n1", "name": "Name", "gemeinde": "Görlitz, Stadt"},
     ("ok", "14626110", "municipality", "municipality")),
    ({"id": "n2", "name": "Name ohne Umlaut", "gemeinde": "GOERLITZ"},
     ("ok", "14626110", "municipality", "municipality")),
    ({"id": "n3", "name": "Name plain", "gemeinde": "gorlitz"},
     ("ok", "14626110", "municipality", "municipality")),
    ({"id": "n4", "name": "Doppelname", "gemeinde": "Bernsdorf"},
     ("reject", "ambiguous_municipality")),
    ({"id": "r1", "name": "  ", "gemeinde": "Görlitz"}, ("reject", "missing_name")),
    ({"id": "r2", "name": "Nirgends"}, ("reject", "no_location")),
    ({"id": "r3", "name": "Unbekannter Ort", "gemeinde": "Atlantis"},
     ("reject", "no_location")),
    ({"id": "r4", "name": "Berlin", **BERLIN}, ("reject", "outside_saxony")),
    ({"id": "r5", "name": "Berlin AGS", "ags": "11000000"},
     ("reject", "outside_saxony")),
    ({"id": "r6", "name": "Berlin PLZ", "plz": "10178"}, ("reject", "outside_saxony")),
    ({"id": "r7", "name": "Kaputt", "lat": "abc", "lon": "13.7"},
     ("reject", "unparseable_value")),
    ({"id": "r8", "name": "Unendlich", "lat": "inf", "lon": "13.7"},
     ("reject", "unparseable_value")),
    ({"id": "c1", "name": "Doppelte ID", **DRESDEN}, ("reject", "duplicate_id")),
    ({"id": "f1", "name": "Fallback auf AGS", **BERLIN, "ags": "14612000"},
     ("ok", "14612000", "ags", "municipality")),
]
# fmt: on


@pytest.fixture(scope="module")
def cascade_db(tmp_path_factory):
    """A database built from one CSV holding every cascade case."""
    work = tmp_path_factory.mktemp("cascade")
    rows = [{**BASE, **overrides} for overrides, _ in CASES]
    src = write_csv(work / "cases.csv", rows)
    summary = build(work / "sinn.duckdb", initiatives=[src], raw=reference_raw())
    con = connect(work / "sinn.duckdb", read_only=True)
    yield con, summary
    con.close()


@pytest.mark.parametrize("row_number", range(1, len(CASES) + 1))
def test_cascade_case(cascade_db, row_number):
    con, _ = cascade_db
    expected = CASES[row_number - 1][1]
    accepted = con.execute(
        "SELECT ags, geocode_method, location_precision FROM initiatives "
        "WHERE source_row = ?",
        [row_number],
    ).fetchone()
    rejected = con.execute(
        "SELECT reason, detail, raw FROM rejects WHERE source_row = ?", [row_number]
    ).fetchone()
    if expected[0] == "ok":
        assert rejected is None
        assert accepted == expected[1:]
    else:
        assert accepted is None
        assert rejected[0] == expected[1]
        assert rejected[1]  # a human-readable detail
        assert json.loads(rejected[2])["name"] == CASES[row_number - 1][0]["name"]


def test_rows_in_equal_accepted_plus_rejected(cascade_db):
    con, summary = cascade_db
    ok = sum(1 for _, e in CASES if e[0] == "ok")
    assert summary.rows_read == len(CASES)
    assert summary.accepted == {"initiatives": ok, "events": 0}
    assert summary.rejected == len(CASES) - ok
    assert con.execute("SELECT count(*) FROM rejects").fetchone()[0] == len(CASES) - ok


def test_swapped_coordinates_are_repaired(cascade_db):
    con, _ = cascade_db
    lon, lat, repaired = con.execute(
        "SELECT lon, lat, coords_repaired FROM initiatives WHERE id = 'c2'"
    ).fetchone()
    assert (lon, lat, repaired) == (13.74183, 51.05189, True)


def test_rejects_csv_written(cascade_db, tmp_path_factory):
    con, summary = cascade_db
    from pathlib import Path

    text = (Path(summary.db_path).parent / "rejects.csv").read_text(encoding="utf-8")
    assert text.splitlines()[0] == "kind,source_file,source_row,reason,detail,raw"
    assert len(text.splitlines()) == 1 + summary.rejected


ROWS = [
    {
        "ID": "e1",
        "Name": "Café Grün",
        "Thema": "Bildung",
        "PLZ": "01067",
        "Ort": "Dresden",
        "Längengrad": "13,74",
        "Breitengrad": "51,05",
        "Fördersumme": "1.234,50",
        "Gründungsjahr": "2024",
        "Partner": "caritas",
        "Öffentlich": "nein",
        "Farbe": "blau",
    },
    {
        "ID": "e2",
        "Name": "Straßenfest Görlitz",
        "Thema": "Health",
        "PLZ": "",
        "Ort": "",
        "Längengrad": "",
        "Breitengrad": "",
        "Fördersumme": "",
        "Gründungsjahr": "15.03.2023",
        "Partner": "Unbekannt e.V.",
        "Öffentlich": "",
        "Farbe": "",
    },
]
ROWS[1]["Gemeinde"] = ROWS[0]["Gemeinde"] = ""
ROWS[1]["Gemeinde"] = "Görlitz"


def _check_two_rows(db):
    with connect(db, read_only=True) as con:
        rows = con.execute(
            "SELECT id, name, theme, partner, partner_raw, funding_eur, start_year, "
            "public, extra, ags FROM initiatives ORDER BY id"
        ).fetchall()
    assert rows[0][:8] == (
        "e1",
        "Café Grün",
        "Bildung",
        "Caritas",
        "caritas",
        1234.5,
        2024,
        False,
    )
    assert json.loads(rows[0][8]) == {"Farbe": "blau"}
    assert rows[0][9] == "14612000"
    assert rows[1][:8] == (
        "e2",
        "Straßenfest Görlitz",
        "Gesundheit",
        "other",
        "Unbekannt e.V.",
        None,
        2023,
        True,
    )
    assert rows[1][9] == "14626110"


@pytest.mark.parametrize(
    ("delimiter", "encoding"),
    [(",", "utf-8"), (";", "utf-8-sig"), (";", "cp1252"), ("\t", "utf-8")],
)
def test_csv_delimiters_and_encodings(tmp_path, delimiter, encoding):
    src = write_csv(tmp_path / "in.csv", ROWS, delimiter=delimiter, encoding=encoding)
    build(tmp_path / "db.duckdb", initiatives=[src], raw=reference_raw())
    _check_two_rows(tmp_path / "db.duckdb")


def test_xlsx_json_and_geojson(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(ROWS[0]))
    for row in ROWS:
        ws.append([row[k] for k in ROWS[0]])
    wb.save(tmp_path / "in.xlsx")
    build(
        tmp_path / "x.duckdb", initiatives=[tmp_path / "in.xlsx"], raw=reference_raw()
    )
    _check_two_rows(tmp_path / "x.duckdb")

    (tmp_path / "in.json").write_text(json.dumps(ROWS), encoding="utf-8")
    build(
        tmp_path / "j.duckdb", initiatives=[tmp_path / "in.json"], raw=reference_raw()
    )
    _check_two_rows(tmp_path / "j.duckdb")

    features = [
        {
            "type": "Feature",
            "properties": {
                "name": "Punkt",
                "type": "Hackathon",
                "datum": "01.02.2024",
                "teilnehmende": "40",
            },
            "geometry": {"type": "Point", "coordinates": [12.37, 51.34]},
        },
        {
            "type": "Feature",
            "properties": {"name": "Fläche"},
            "geometry": {"type": "Polygon", "coordinates": []},
        },
    ]
    geo = tmp_path / "ev.geojson"
    geo.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    summary = build(tmp_path / "g.duckdb", events=[geo], raw=reference_raw())
    assert summary.accepted == {"initiatives": 0, "events": 1}
    assert summary.rejected_by_reason == {"unparseable_value": 1}
    with connect(tmp_path / "g.duckdb", read_only=True) as con:
        row = con.execute("SELECT ags, type, date, participants FROM events").fetchone()
    assert row[0] == "14713000" and row[1] == "Hackathon" and row[3] == 40
    assert str(row[2]) == "2024-02-01"


def test_wrong_content_fails_and_keeps_previous_db(tmp_path):
    db = tmp_path / "sinn.duckdb"
    good = write_csv(tmp_path / "ok.csv", [{**BASE, "id": "1", "name": "A", **DRESDEN}])
    build(db, initiatives=[good], raw=reference_raw())
    before = db.read_bytes()
    fake = tmp_path / "bild.csv"
    fake.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    with pytest.raises(InputError, match="named .csv but the content is a PNG image"):
        build(db, initiatives=[fake], raw=reference_raw())
    assert db.read_bytes() == before
    assert not list(tmp_path.glob(".sinn.duckdb.building*"))


def test_empty_and_header_only_files(tmp_path):
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "header.csv").write_text("id;name;plz\n")
    summary = build(
        tmp_path / "db.duckdb",
        initiatives=[tmp_path / "empty.csv", tmp_path / "header.csv"],
        raw=reference_raw(),
    )
    assert summary.rows_read == 0
    assert summary.accepted == {"initiatives": 0, "events": 0}


def test_row_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("SINN_MAX_ROWS", "2")
    src = write_csv(tmp_path / "in.csv", [{**BASE, "name": str(i)} for i in range(3)])
    with pytest.raises(InputError, match="3 rows exceed the limit of 2"):
        build(tmp_path / "db.duckdb", initiatives=[src], raw=reference_raw())
