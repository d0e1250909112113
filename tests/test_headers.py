"""Headers from real systems: aliases, the column map, refusals, visibility, inspect."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import openpyxl
import pytest

from etl.build import ImportOptions, build
from etl.checks import CheckFailed
from etl.headers import HeaderError, map_headers
from etl.schema import EVENT_ALIASES, INITIATIVE_ALIASES, header_score, normalise_header
from sinn.config import PROJECT_ROOT
from sinn.db import connect
from tests.etl_helpers import reference_raw, write_csv

EVENT_HEADERS = [
    "ID",
    "Veranstaltung",
    "Art",
    "Datum",
    "Teilnehmende",
    "Straße",
    "PLZ",
    "Ort",
]
# Real town halls and venues; several postal codes span more than one municipality
# (04720, 01796, 04860, 02763), so the place decides.
ADDRESSES = [
    tuple(line.split(";"))
    for line in """Neumarkt;01067;Dresden;14612000
Augustusplatz 8;04109;Leipzig;14713000
Markt 1;09111;Chemnitz;14511000
Untermarkt 6;02826;Görlitz;14626110
Fleischmarkt 1;02625;Bautzen;14625020
Markt 1;01662;Meißen;14627140
Hauptmarkt 1;08056;Zwickau;14524330
Obermarkt 24;09599;Freiberg;14522180
Unterer Graben 1;08523;Plauen;14523320
Obermarkt 1;04720;Döbeln;14522080
Am Markt 1;01796;Pirna;14628270
Markt 1;04860;Torgau;14730310
Markt 1;02763;Zittau;14626610""".splitlines()
]
DRESDEN = {"PLZ": "01067", "Ort": "Dresden"}


def _events_workbook(path, headers=EVENT_HEADERS):
    """The issue's events workbook: 13 events, Excel dates and DD.MM.YYYY text."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(headers)
    for i, (street, plz, place, _) in enumerate(ADDRESSES, start=1):
        date = dt.datetime(2024, 3, i) if i % 2 else f"{i:02d}.03.2024"
        ws.append(
            [f"V{i}", f"Workshop {place}", "Workshop", date, 10 + i, street, plz, place]
        )
    wb.save(path)
    return path


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("1. Name des Begünstigten", "namedesbeguenstigten"),
        ("Öffentlich?", "oeffentlich"),
        ("  STRASSE ", "strasse"),
        ("Straße", "strasse"),
        ("1.2 PLZ", "plz"),
        ("a) Ort", "ort"),
        ("E-Mail", "email"),
        ("2024", "2024"),
    ],
)
def test_normalise_header(header, key):
    assert normalise_header(header) == key


def test_header_score_counts_distinct_fields():
    assert header_score(EVENT_HEADERS, EVENT_ALIASES) == 8
    # Art, Datum, Teilnehmende mean nothing for initiatives
    assert header_score(EVENT_HEADERS, INITIATIVE_ALIASES) == 5
    assert header_score(["Name", "Titel", "Bezeichnung"], INITIATIVE_ALIASES) == 1
    assert header_score(["Farbe", "", "x"], INITIATIVE_ALIASES) == 0


ISSUE_ALIASES = {
    field: headers.split("|")
    for field, headers in {
        "name": "Titel|Bezeichnung|Veranstaltung|Veranstaltungstitel|Projekt|"
        "Projektname|Vorhaben|Bezeichnung des Vorhabens",
        "organisation": "Träger|Verein|Einrichtung|1. Name des Begünstigten",
        "type": "Art|Typ|Format|Veranstaltungsart",
        "date": "Datum|Termin|Beginn|Datum des Beginns",
        "participants": "Teilnehmende|Teilnehmer|TN|Anzahl Teilnehmende",
        "street": "Straße|Strasse|Anschrift|Adresse",
        "postal_code": "PLZ|Postleitzahl",
        "city": "Ort|Stadt",
        "municipality": "Gemeinde|Durchführungsort",
        "district": "Landkreis|Kreis",
        "public": "Öffentlich?|is_public|öffentlich (ja/nein)|Sichtbarkeit|"
        "veröffentlichen",
    }.items()
}


@pytest.mark.parametrize(
    ("field", "header"), [(f, h) for f, hs in ISSUE_ALIASES.items() for h in hs]
)
def test_issue_aliases_map(field, header):
    kind = "initiative" if field == "organisation" else "event"
    assert map_headers([header], kind).fields == {field: header}
    assert map_headers([header.upper()], kind).fields == {field: header.upper()}


def test_initiative_header_means_name_for_initiatives_and_a_link_for_events():
    assert map_headers(["Initiative"], "initiative").fields == {"name": "Initiative"}
    assert map_headers(["Initiative"], "event").fields == {
        "initiative_id": "Initiative"
    }


def test_events_workbook_imports_13_of_13(tmp_path):
    src = _events_workbook(tmp_path / "veranstaltungen.xlsx")
    summary = build(tmp_path / "db.duckdb", events=[src], raw=reference_raw())
    assert summary.accepted == {"initiatives": 0, "events": 13}
    assert summary.rejected == 0
    assert summary.notes == [
        "veranstaltungen.xlsx: no visibility column: 13 rows treated as public"
    ]
    assert (
        "note: veranstaltungen.xlsx: no visibility column: 13 rows treated as "
        "public" in summary.to_text()
    )
    with connect(tmp_path / "db.duckdb", read_only=True) as con:
        rows = con.execute(
            "SELECT id, name, type, date, participants, street, ags, geocode_method, "
            "public FROM events ORDER BY source_row"
        ).fetchall()
    assert [r[6] for r in rows] == [a[3] for a in ADDRESSES]
    assert {r[7] for r in rows} == {"postal_code"}
    assert [r[3] for r in rows] == [dt.date(2024, 3, i) for i in range(1, 14)]
    assert rows[0][:6] == (
        "V1",
        "Workshop Dresden",
        "Workshop",
        dt.date(2024, 3, 1),
        11,
        "Neumarkt",
    )
    assert all(r[8] for r in rows)


def test_missing_name_refuses_the_file_and_keeps_the_previous_db(tmp_path):
    db = tmp_path / "db.duckdb"
    good = write_csv(tmp_path / "ok.csv", [{"Name": "A", **DRESDEN}])
    build(db, initiatives=[good], raw=reference_raw())
    before = db.read_bytes()
    bad = write_csv(
        tmp_path / "bad.csv",
        [{"Nr": str(i), "Eventbezeichnung": f"E{i}", **DRESDEN} for i in range(5)],
    )
    with pytest.raises(HeaderError) as err:
        build(db, initiatives=[bad], raw=reference_raw())
    message = str(err.value)
    assert message.startswith("bad.csv: refused, no row imported.")
    assert "Headers found: 'Nr', 'Eventbezeichnung', 'PLZ', 'Ort'" in message
    assert (
        "name: not found; closest header 'Eventbezeichnung'; map it with --columns"
        in message
    )
    assert "location" not in message
    assert db.read_bytes() == before
    assert not list(tmp_path.glob(".db.duckdb.*"))

    columns = tmp_path / "columns.toml"
    columns.write_text('name = "eventbezeichnung"\n', encoding="utf-8")
    summary = build(
        db,
        initiatives=[bad],
        raw=reference_raw(),
        options=ImportOptions(columns=columns),
    )
    assert summary.accepted["initiatives"] == 5
    with connect(db, read_only=True) as con:
        assert con.execute(
            "SELECT min(name), max(name) FROM initiatives"
        ).fetchone() == ("E0", "E4")


def test_missing_location_refuses_the_file(tmp_path):
    row = {"Name": "A", "Straße": "Markt 1", "Lat": "51.05", "PLZ Ort": "01067 Dresden"}
    src = write_csv(tmp_path / "in.csv", [row])
    with pytest.raises(HeaderError) as err:
        build(tmp_path / "db.duckdb", initiatives=[src], raw=reference_raw())
    assert str(err.value) == (
        "in.csv: refused, no row imported. Headers found: 'Name', 'Straße', 'Lat', "
        "'PLZ Ort'. location (postal_code, city, municipality, ags, or lat + lon): "
        "not found; closest header 'PLZ Ort' (for postal_code); map it with --columns"
    )
    assert not (tmp_path / "db.duckdb").exists()


def test_column_map_rejects_unknown_fields(tmp_path):
    columns = tmp_path / "c.toml"
    columns.write_text('nmae = "Titel"\n', encoding="utf-8")
    src = write_csv(tmp_path / "in.csv", [{"Name": "A", **DRESDEN}])
    with pytest.raises(ValueError, match="unknown field 'nmae'"):
        build(
            tmp_path / "db.duckdb",
            initiatives=[src],
            raw=reference_raw(),
            options=ImportOptions(columns=columns),
        )


@pytest.mark.parametrize(
    "header",
    [
        "Öffentlich?",
        "is_public",
        "öffentlich (ja/nein)",
        "Sichtbarkeit",
        "veröffentlichen",
        "3. Öffentlich",
    ],
)
def test_visibility_headers_keep_private_rows_private(tmp_path, header):
    rows = [
        {"Name": "Privat", **DRESDEN, header: "nein"},
        {"Name": "Offen", **DRESDEN, header: "ja"},
    ]
    src = write_csv(tmp_path / "in.csv", rows, delimiter=";")
    summary = build(tmp_path / "db.duckdb", initiatives=[src], raw=reference_raw())
    assert summary.notes == []
    with connect(tmp_path / "db.duckdb", read_only=True) as con:
        got = con.execute("SELECT name, public, extra FROM initiatives ORDER BY name")
        assert got.fetchall() == [("Offen", True, None), ("Privat", False, None)]


VALUES = {
    True: ["ja", "Ja", "yes", "TRUE", "1", "x", "öffentlich", "Öffentlich", "wahr"],
    False: [
        "nein",
        "NO",
        "false",
        "0",
        "intern",
        "privat",
        "nicht öffentlich",
        "Nicht-Öffentlich",
    ],
    None: ["vielleicht", "-", "2", "ja/nein", "öffentlich?", "n/a", "NULL"],
}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_visibility_values_are_parsed_strictly(tmp_path, fmt):
    rows = [
        {"ID": f"{expected}-{i}", "Name": value, **DRESDEN, "Öffentlich": value}
        for expected, values in VALUES.items()
        for i, value in enumerate(values)
    ]
    src = write_csv(tmp_path / "in.csv", rows)
    if fmt == "xlsx":  # spreadsheet readers must not turn "n/a" into an empty cell
        wb = openpyxl.Workbook()
        wb.active.append(list(rows[0]))
        for row in rows:
            wb.active.append(list(row.values()))
        wb.save(src := tmp_path / "in.xlsx")
    summary = build(tmp_path / "db.duckdb", initiatives=[src], raw=reference_raw())
    assert summary.rejected_by_reason == {"unparseable_value": len(VALUES[None])}
    with connect(tmp_path / "db.duckdb", read_only=True) as con:
        public = dict(con.execute("SELECT name, public FROM initiatives").fetchall())
        rejected = con.execute(
            "SELECT raw->>'Name', detail FROM rejects ORDER BY source_row"
        ).fetchall()
    assert public == {v: key for key in (True, False) for v in VALUES[key]}
    assert [r[0] for r in rejected] == VALUES[None]
    assert all(r[1].startswith("public: not a yes/no value") for r in rejected)


def test_checkbox_column_empty_means_not_public(tmp_path):
    rows = [
        {"Name": "Markiert", **DRESDEN, "Veröffentlichen": "x"},
        {"Name": "Leer", **DRESDEN, "Veröffentlichen": ""},
    ]
    src = write_csv(tmp_path / "in.csv", rows)
    build(tmp_path / "db.duckdb", initiatives=[src], raw=reference_raw())
    with connect(tmp_path / "db.duckdb", read_only=True) as con:
        got = con.execute("SELECT name, public FROM initiatives ORDER BY name")
        assert got.fetchall() == [("Leer", False), ("Markiert", True)]


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (["Privat"], "'Privat' looks like a visibility column but is not one"),
        (["Nicht öffentlich"], "'Nicht öffentlich' looks like a visibility column"),
        (
            ["public", "Sichtbarkeit"],
            "'Sichtbarkeit' looks like a visibility column besides 'public'",
        ),
    ],
)
def test_unrecognised_visibility_header_refuses_the_file(tmp_path, headers, expected):
    src = write_csv(
        tmp_path / "in.csv",
        [{"Name": "A", **DRESDEN, **dict.fromkeys(headers, "nein")}],
    )
    with pytest.raises(HeaderError, match="refused, no row imported") as err:
        build(tmp_path / "db.duckdb", initiatives=[src], raw=reference_raw())
    assert expected in str(err.value)
    assert not (tmp_path / "db.duckdb").exists()
    # Declared plain data on purpose, the column is kept in extra
    columns = tmp_path / "c.toml"
    columns.write_text(f"extra = {headers[-1:]!r}\n".replace("'", '"'), "utf-8")
    build(
        tmp_path / "db.duckdb",
        initiatives=[src],
        raw=reference_raw(),
        options=ImportOptions(columns=columns),
    )


def test_non_empty_input_without_accepted_rows_is_not_published(tmp_path):
    db = tmp_path / "db.duckdb"
    build(
        db,
        initiatives=[write_csv(tmp_path / "ok.csv", [{"Name": "A", **DRESDEN}])],
        raw=reference_raw(),
    )
    before = db.read_bytes()
    src = write_csv(
        tmp_path / "berlin.csv",
        [{"Name": f"B{i}", "PLZ": "10178", "Ort": "Berlin"} for i in range(3)],
    )
    with pytest.raises(CheckFailed) as err:
        build(db, initiatives=[src], raw=reference_raw())
    assert str(err.value) == (
        "berlin.csv: 3 rows read, none accepted (outside_saxony 3). Nothing published; "
        "see the reasons above, fix the input or pass --allow-empty to publish anyway"
    )
    assert db.read_bytes() == before
    summary = build(
        db,
        initiatives=[src],
        raw=reference_raw(),
        options=ImportOptions(allow_empty=True),
    )
    assert (summary.accepted["initiatives"], summary.rejected) == (0, 3)


def test_district_narrows_a_shared_municipality_name(tmp_path):
    rows = [
        {"ID": "1", "Name": "A", "Gemeinde": "Bernsdorf", "Landkreis": "Bautzen"},
        {"ID": "2", "Name": "B", "Gemeinde": "Bernsdorf", "Landkreis": "LK Zwickau"},
        {"ID": "3", "Name": "C", "Gemeinde": "Bernsdorf", "Landkreis": ""},
        {"ID": "4", "Name": "D", "Gemeinde": "Bernsdorf", "Landkreis": "14625"},
    ]
    src = write_csv(tmp_path / "in.csv", rows)
    summary = build(tmp_path / "db.duckdb", initiatives=[src], raw=reference_raw())
    assert summary.rejected_by_reason == {"ambiguous_municipality": 1}
    with connect(tmp_path / "db.duckdb", read_only=True) as con:
        got = con.execute("SELECT id, ags FROM initiatives ORDER BY id").fetchall()
    assert got == [("1", "14625030"), ("2", "14524010"), ("4", "14625030")]


def _rejects_lines(db):
    return len((db.parent / "rejects.csv").read_text("utf-8").splitlines()) - 1


def test_rejects_csv_is_published_with_the_database(tmp_path):
    db = tmp_path / "db.duckdb"
    many = write_csv(
        tmp_path / "=many.csv",
        [{"Name": "A", **DRESDEN}]
        + [{"Name": "=HYPERLINK(1)", "PLZ": "x", "Ort": ""}] * 4,
    )
    build(db, initiatives=[many], raw=reference_raw())
    assert _rejects_lines(db) == 4
    text = (tmp_path / "rejects.csv").read_text("utf-8")
    assert text.count(",'=many.csv,") == 4 and ",=" not in text
    # Temporaries of killed builds (current and older naming) are removed
    for stale in (
        ".rejects.csv.4242",
        ".rejects.csv.building-4242",
        ".db.duckdb.building-4242",
    ):
        (tmp_path / stale).write_text("partial")
    one = write_csv(tmp_path / "one.csv", [{"Name": "B", **DRESDEN}])
    build(db, initiatives=[one], raw=reference_raw())
    assert _rejects_lines(db) == 0
    with connect(db, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM rejects").fetchone()[0] == 0
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_directory_in_place_of_rejects_csv_publishes_nothing(tmp_path):
    db = tmp_path / "db.duckdb"
    one = write_csv(tmp_path / "one.csv", [{"Name": "B", **DRESDEN}])
    build(db, initiatives=[one], raw=reference_raw())
    before = db.read_bytes()
    (tmp_path / "rejects.csv").unlink()
    (tmp_path / "rejects.csv").mkdir()
    two = write_csv(tmp_path / "two.csv", [{"Name": "C", **DRESDEN}] * 2)
    with pytest.raises(
        IsADirectoryError, match="is a directory; nothing was published"
    ):
        build(db, initiatives=[two], raw=reference_raw())
    assert db.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """Run ``python -m etl`` in the project root."""
    return subprocess.run(
        [sys.executable, "-m", "etl", *args],
        cwd=PROJECT_ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_inspect_shows_mapping_and_geocoding_without_building(tmp_path):
    reference_raw()
    src = _events_workbook(tmp_path / "ev.xlsx")
    done = run_cli("inspect", str(src))
    assert done.returncode == 0, done.stderr
    out = done.stdout.splitlines()
    assert "format: xlsx" in out
    assert "kind: event" in out
    assert "rows: 13" in out
    assert "  'Veranstaltung' -> name (alias)" in out
    assert "  'Teilnehmende' -> participants (alias)" in out
    assert "visibility: no visibility column: 13 rows treated as public" in out
    assert (
        "  row 1 'Workshop Dresden': placed by postal_code -> 14612000 Dresden" in out
    )
    assert "geocoding, first 10 rows:" in out
    assert "  row 10 'Workshop Döbeln': placed by postal_code -> 14522080 Döbeln" in out
    assert not any(line.startswith("  row 11 ") for line in out)
    assert list(tmp_path.iterdir()) == [src]

    csv_src = write_csv(
        tmp_path / "x.csv",
        [{"Eventtitel": "Ä", "PLZ": "02826"}],
        delimiter=";",
        encoding="cp1252",
    )
    done = run_cli("inspect", str(csv_src), "--kind", "event")
    assert done.returncode == 1
    assert "encoding: Windows-1252" in done.stdout and "delimiter: ';'" in done.stdout
    assert "  'Eventtitel' -> extra (kept as data)" in done.stdout
    assert "name: not found; closest header 'Eventtitel'" in done.stdout

    columns = tmp_path / "c.toml"
    columns.write_text('name = "Eventtitel"\n', encoding="utf-8")
    done = run_cli("inspect", str(csv_src), "--columns", str(columns))
    assert done.returncode == 0, done.stderr
    assert "  'Eventtitel' -> name (--columns)" in done.stdout


def test_build_cli_refusal_and_allow_empty(tmp_path):
    reference_raw()
    db = tmp_path / "db.duckdb"
    src = write_csv(
        tmp_path / "b.csv", [{"Name": "B", "PLZ": "10178", "Ort": "Berlin"}]
    )
    done = run_cli("build", "--initiatives", str(src), "--db", str(db))
    assert done.returncode == 1
    assert (
        "error: build failed, nothing published, previous database left "
        "untouched (rejects.csv too): b.csv: 1 rows read, none accepted "
        "(outside_saxony 1)" in done.stderr
    )
    assert not db.exists()
    done = run_cli("build", "--initiatives", str(src), "--db", str(db), "--allow-empty")
    assert done.returncode == 0, done.stderr
    assert "note: b.csv: no visibility column: 0 rows treated as public" in done.stdout
    assert f"published: {db} and {tmp_path / 'rejects.csv'} (1 rows)" in done.stdout


def test_sheet_option_selects_the_data_sheet(tmp_path):
    src = _events_workbook(tmp_path / "ev.xlsx")
    wb = openpyxl.load_workbook(src)
    wb.active.title = "Daten"
    note = wb.create_sheet("Hinweis", 0)
    note.append(["Stand: März 2024, bitte nicht verändern"])
    wb.save(src)
    summary = build(
        tmp_path / "db.duckdb",
        events=[src],
        raw=reference_raw(),
        options=ImportOptions(sheet="Daten"),
    )
    assert summary.accepted["events"] == 13
    with pytest.raises(
        ValueError, match="ev.xlsx: no sheet 'Fehlt'; sheets: Hinweis, Daten"
    ):
        build(
            tmp_path / "db.duckdb",
            events=[src],
            raw=reference_raw(),
            options=ImportOptions(sheet="Fehlt"),
        )
