"""File readers: finding the table, hostile workbooks, encodings, ragged rows."""

from __future__ import annotations

import json
import re
import zipfile
from datetime import date, datetime

import duckdb
import openpyxl
import pytest

from bench.far_workbooks import far_column_workbook
from etl import ingest
from etl.build import build
from etl.ingest import InputError
from etl.schema import EVENT_ALIASES, INITIATIVE_ALIASES, TABLE_DDL, header_score
from sinn.db import connect
from tests.etl_helpers import reference_raw

GOERLITZ = "Görlitz"


@pytest.fixture
def con():
    """A connection with the ``rejects`` table the readers' rejects move into."""
    con = duckdb.connect()
    con.execute(TABLE_DDL["rejects"])
    yield con
    con.close()


def read(con, path, aliases=INITIATIVE_ALIASES, **kw):
    """Read a file; return (rows as dicts ordered by row, rejects as tuples)."""
    table = ingest.read_input(con, path, path.parent, aliases, **kw)
    ingest.store_rejects(con, table, "initiative", path.name)
    cur = con.execute(f"SELECT * FROM {table} ORDER BY {ingest.ROW}")
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    rejects = con.execute(
        "SELECT source_row, reason, detail, raw FROM rejects ORDER BY source_row"
    ).fetchall()
    con.execute("DELETE FROM rejects")
    return rows, rejects


def build_one(tmp_path, path):
    """Build from one initiatives file: summary, accepted rows, rejects in row order."""
    summary = build(tmp_path / "db.duckdb", initiatives=[path], raw=reference_raw())
    with connect(tmp_path / "db.duckdb", read_only=True) as db:
        placed = db.execute(
            "SELECT name, ags, geocode_method FROM initiatives ORDER BY source_row"
        ).fetchall()
        rejected = db.execute(
            "SELECT source_row, reason, detail FROM rejects ORDER BY source_row"
        ).fetchall()
    return summary, placed, rejected


def test_header_score_counts_distinct_fields():
    assert header_score(["Name", "Titel", "PLZ", "Farbe"], INITIATIVE_ALIASES) == 2
    assert header_score(["Hinweis", ""], INITIATIVE_ALIASES) == 0


# --- CSV: preamble, encodings, line endings, ragged rows --------------------------


def test_csv_sep_line_and_title_lines_are_skipped(con, tmp_path):
    path = tmp_path / "in.csv"
    path.write_text(
        "sep=;\nExport SINN-Plattform, Stand 01.02.2024\n# Kommentar\n\n"
        "id;name;gemeinde\n1;Repair-Café;Görlitz\n2;Tafel;Zittau\n",
        encoding="utf-8",
    )
    rows, rejects = read(con, path)
    assert [(r["__sinn_row"], r["name"], r["gemeinde"]) for r in rows] == [
        (1, "Repair-Café", GOERLITZ),
        (2, "Tafel", "Zittau"),
    ]
    assert rejects == []


def test_one_latin1_byte_keeps_a_utf8_file_utf8(con, tmp_path):
    path = tmp_path / "big.csv"
    lines = [b"id;name;gemeinde"]
    lines += [b"%d;Initiative %d;G\xc3\xb6rlitz" % (i, i) for i in range(1, 200_001)]
    lines[150_001] = b"150001;Initiative 150001;G\xf6rlitz"  # one Latin-1 byte
    path.write_bytes(b"\n".join(lines) + b"\n")
    rows, rejects = read(con, path)
    assert len(rows) == 199_999
    assert {r["gemeinde"] for r in rows} == {GOERLITZ}
    assert rejects == [
        (
            150_001,
            "unparseable_value",
            "line 150002: Windows-1252 text in a UTF-8 file (kept as read; "
            "SINN_REPAIR_ENCODING=1 decodes such lines instead)",
            json.dumps({"line": "150001;Initiative 150001;G\\xf6rlitz"}),
        )
    ]
    assert rows[-1]["__sinn_row"] == 200_000


def test_stray_line_inside_a_quoted_field_rejects_its_record(con, tmp_path):
    path = tmp_path / "in.csv"
    path.write_bytes(
        b'id;name;beschreibung\n1;G\xc3\xb6rlitz;"zwei\nZeilen"\n'
        b'2;Tafel;"erste\nzweite mit \xe4"\n3;Laden;kurz\n'
    )
    rows, rejects = read(con, path)
    assert [(r["__sinn_row"], r["beschreibung"]) for r in rows] == [
        (1, "zwei\nZeilen"),
        (3, "kurz"),
    ]
    assert [r[:3] for r in rejects] == [
        (
            2,
            "unparseable_value",
            "lines 4-5: Windows-1252 text in a UTF-8 file "
            "(kept as read; SINN_REPAIR_ENCODING=1 decodes such lines instead)",
        )
    ]
    assert json.loads(rejects[0][3]) == {"line": '2;Tafel;"erste\nzweite mit \\xe4"'}


def test_utf8_line_in_a_windows_1252_file(con, tmp_path):
    path = tmp_path / "in.csv"
    lines = ["id;name"] + [f"{i};Stra\xdfe {i}" for i in range(1, 6)]
    data = "\n".join(lines).encode("cp1252") + "\n6;Görlitz\n".encode()
    path.write_bytes(data)
    rows, rejects = read(con, path)
    assert [r["name"] for r in rows] == [f"Straße {i}" for i in range(1, 6)]
    assert [r[:3] for r in rejects] == [
        (
            6,
            "unparseable_value",
            "line 7: UTF-8 text in a Windows-1252 file "
            "(kept as read; SINN_REPAIR_ENCODING=1 decodes such lines instead)",
        )
    ]


def test_repair_flag_decodes_the_stray_line(con, tmp_path, monkeypatch):
    monkeypatch.setenv("SINN_REPAIR_ENCODING", "1")
    path = tmp_path / "in.csv"
    path.write_bytes(b"id;name\n1;G\xc3\xb6rlitz\n2;G\xf6rlitz\n")
    rows, rejects = read(con, path)
    assert [r["name"] for r in rows] == [GOERLITZ, GOERLITZ]
    assert rejects == []


def test_windows_1252_file_stays_windows_1252(con, tmp_path):
    path = tmp_path / "in.csv"
    path.write_bytes("id;name\n1;Görlitz\n2;Straße\n".encode("cp1252"))
    rows, rejects = read(con, path)
    assert [r["name"] for r in rows] == [GOERLITZ, "Straße"]
    assert rejects == []


def test_lone_cr_does_not_eat_the_next_line(con, tmp_path):
    path = tmp_path / "in.csv"
    path.write_bytes(b"id,name\r\n1,Werkstatt\r2,Radhaus\n3,Tafel\r\n4,Laden")
    rows, rejects = read(con, path)
    assert [r["name"] for r in rows] == ["Werkstatt", "Radhaus", "Tafel", "Laden"]
    assert [r["id"] for r in rows] == ["1", "2", "3", "4"]
    assert rejects == []


def test_unquoted_delimiter_rejects_only_its_row(con, tmp_path):
    header = "id;name;thema;plz;ort;ags;gemeinde;lat;lon;url;partner;phase;x;y"
    lines = [header] + [
        f"{i};Initiative {i};Bildung;01067;Dresden;;;;;;DRK;Idee;a;b"
        for i in range(1, 100_001)
    ]
    bad = "90001;Initiative 90001; Teil 2;Bildung;01067;Dresden;;;;;;DRK;Idee;a;b"
    lines[90_001] = bad
    path = tmp_path / "in.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows, rejects = read(con, path)
    assert len(rows) == 99_999
    assert rows[-1]["__sinn_row"] == 100_000 and rows[-1]["y"] == "b"
    assert rows[90_000]["name"] == "Initiative 90002"
    assert rejects == [
        (
            90_001,
            "unparseable_value",
            "line 90002: 15 fields where the header has 14",
            json.dumps({"line": bad}),
        )
    ]


def test_short_row_rejected_not_padded(con, tmp_path):
    path = tmp_path / "in.csv"
    path.write_text('id,name,ort\n1,A,Dresden\n2,"B"\n3,C,Leipzig\n', encoding="utf-8")
    rows, rejects = read(con, path)
    assert [r["id"] for r in rows] == ["1", "3"]
    assert rejects[0][:3] == (
        2,
        "unparseable_value",
        "line 3: 2 fields where the header has 3",
    )
    assert json.loads(rejects[0][3]) == {"line": '2,"B"'}


def test_utf16_unicode_text_imports(con, tmp_path):
    path = tmp_path / "unicode.txt"
    text = "id\tname\tgemeinde\r\n1\tCafé Grün\tGörlitz\r\n2\tTafel\tZittau\r\n"
    path.write_bytes(text.encode("utf-16"))  # with BOM, like Excel's "Unicode text"
    rows, rejects = read(con, path)
    assert [(r["name"], r["gemeinde"]) for r in rows] == [
        ("Café Grün", GOERLITZ),
        ("Tafel", "Zittau"),
    ]
    assert rejects == []


def test_unclosed_quote_names_its_line(con, tmp_path):
    path = tmp_path / "in.csv"
    path.write_text('id,name\n1,A\n2,"B\n3,C\n4,D\n', encoding="utf-8")
    with pytest.raises(
        InputError,
        match=r"in.csv: line 3: a quoted field starts here "
        r"and is never closed",
    ):
        read(con, path)


def test_directory_as_input_says_so(con, tmp_path):
    folder = tmp_path / "export.csv"
    folder.mkdir()
    with pytest.raises(InputError, match="is a directory, not a file"):
        read(con, folder)


def test_build_counts_reader_rejects(tmp_path):
    path = tmp_path / "in.csv"
    path.write_bytes(
        b"id;name;gemeinde\n1;Werkstatt;G\xc3\xb6rlitz\n2;Laden;Zittau;extra\n"
        b"3;Tafel;B\xe4ckerei\r4;Radhaus;Zittau"
    )
    summary, placed, rejected = build_one(tmp_path, path)
    assert summary.rows_read == 4
    assert summary.accepted["initiatives"] == 2
    assert summary.rejected_by_reason == {"unparseable_value": 2}
    assert "line endings normalised (lone CR)" in summary.to_text()
    assert [r[0] for r in placed] == ["Werkstatt", "Radhaus"]
    assert [r[0] for r in rejected] == [2, 3]
    assert rejected[0][2] == "line 3: 4 fields where the header has 3"
    assert rejected[1][2].startswith("line 4: Windows-1252 text in a UTF-8 file")


# --- XLSX ----------------------------------------------------------------------------


def _book(tmp_path, sheets, hidden=()):
    """A workbook with sheets {title: rows}; titles in ``hidden`` are hidden."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
        if title in hidden:
            ws.sheet_state = "hidden"
    path = tmp_path / "in.xlsx"
    wb.save(path)
    return path


DATA = [
    ["Name", "Gemeinde", "Gründungsjahr"],
    ["Tafel", "Görlitz", 2021],
    ["Werkstatt", "Zittau", 2022],
]


def test_xlsx_note_sheet_then_data_sheet(con, tmp_path):
    path = _book(
        tmp_path,
        {"Hinweise": [["Bitte Blatt 2 ausfüllen"], ["Name: Pflicht"]], "Daten": DATA},
    )
    rows, _ = read(con, path)
    assert [(r["Name"], r["Gründungsjahr"]) for r in rows] == [
        ("Tafel", "2021"),
        ("Werkstatt", "2022"),
    ]


def test_xlsx_hidden_sheet_with_old_rows_is_ignored_and_said(con, tmp_path):
    old = [DATA[0], ["Alte Zeile", "Dresden", 1999]]
    path = _book(tmp_path, {"Alt": old, "Daten": DATA}, hidden={"Alt"})
    table = ingest.read_input(con, path, tmp_path, INITIATIVE_ALIASES)
    names = con.execute(f"SELECT Name FROM {table} ORDER BY 1").fetchall()
    assert names == [("Tafel",), ("Werkstatt",)]
    assert ingest.notes(con, table) == [
        "in.xlsx: sheet 'Alt' is hidden and was not read",
        "in.xlsx: read sheet 'Daten', header in row 1",
    ]


def test_xlsx_sheet_override_and_unknown_sheet(con, tmp_path):
    other = [DATA[0], ["Zweite", "Leipzig", 2020]]
    path = _book(tmp_path, {"Daten": DATA, "Archiv": other})
    rows, _ = read(con, path, sheet="Archiv")
    assert [r["Name"] for r in rows] == ["Zweite"]
    with pytest.raises(InputError, match="no sheet 'Nope'; sheets: Daten, Archiv"):
        read(con, path, sheet="Nope")


def test_xlsx_title_rows_formulas_and_dates(con, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Veranstaltungen 2024"])
    ws.append(["Stand: Januar"])
    ws.append(["Name", "Datum", "Teilnehmende", "Gemeinde"])
    ws.append(["Hackathon", datetime(2024, 2, 1), "=20+22", "Görlitz"])
    ws.append(["Forum", "15.03.2024", 12, "Zittau"])
    ws.append(["Tag", date(2024, 5, 6), None, "Zittau"])
    wb.save(tmp_path / "raw.xlsx")
    path = tmp_path / "ev.xlsx"
    _cache_formula_value(tmp_path / "raw.xlsx", path, "42")
    rows, _ = read(con, path, aliases=EVENT_ALIASES)
    assert [(r["Name"], r["Datum"], r["Teilnehmende"]) for r in rows] == [
        ("Hackathon", "2024-02-01", "42"),
        ("Forum", "15.03.2024", "12"),
        ("Tag", "2024-05-06", None),
    ]


def _cache_formula_value(src, dst, value):
    """Copy a workbook, storing ``value`` as its formula's cached result, like Excel."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename.startswith("xl/worksheets/"):
                text = data.decode()
                text, n = re.subn(
                    r"<f>([^<]*)</f><v\s*/>|<f>([^<]*)</f><v></v>|"
                    r"<f>([^<]*)</f>(?!<v)",
                    lambda m: (
                        f"<f>{m.group(1) or m.group(2) or m.group(3)}</f><v>{value}</v>"
                    ),
                    text,
                )
                assert n == 1
                data = text.encode()
            zout.writestr(item, data)


def test_events_workbook_builds_with_dates(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["Name", "Datum", "Gemeinde"])
    wb.active.append(["Forum", datetime(2024, 2, 1), "Görlitz"])
    wb.active.append(["Tag", "15.03.2024", "Zittau"])
    wb.save(tmp_path / "ev.xlsx")
    build(tmp_path / "db.duckdb", events=[tmp_path / "ev.xlsx"], raw=reference_raw())
    with connect(tmp_path / "db.duckdb", read_only=True) as db:
        dates = db.execute("SELECT name, date FROM events ORDER BY name").fetchall()
    assert dates == [("Forum", date(2024, 2, 1)), ("Tag", date(2024, 3, 15))]


@pytest.mark.parametrize("rows", [1_000, 200_000])
def test_xlsx_far_column_is_bounded_by_the_header(con, tmp_path, rows):
    path = far_column_workbook(tmp_path / "far.xlsx", rows)
    table = ingest.read_input(con, path, tmp_path, INITIATIVE_ALIASES)
    columns = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
    assert columns == [ingest.ROW, "name", "gemeinde"]
    assert con.execute(f"SELECT count(*), max(gemeinde) FROM {table}").fetchone() == (
        rows,
        GOERLITZ,
    )


@pytest.mark.parametrize("rows", [1_000, 200_000])
def test_xlsx_only_far_cells_fail_fast(con, tmp_path, rows):
    path = far_column_workbook(tmp_path / "far.xlsx", rows, table=False)
    with pytest.raises(
        InputError,
        match="far.xlsx: sheet 'Daten' has no header row "
        "in its first 20 rows and 1,000 columns",
    ):
        ingest.read_input(con, path, tmp_path, INITIATIVE_ALIASES)


def test_xlsx_limits_apply_while_reading(con, tmp_path, monkeypatch):
    path = far_column_workbook(tmp_path / "far.xlsx", 200_000)
    monkeypatch.setenv("SINN_MAX_ROWS", "1000")
    with pytest.raises(InputError, match="1,001 rows exceed the limit of 1,000"):
        ingest.read_input(con, path, tmp_path, INITIATIVE_ALIASES)
    monkeypatch.setenv("SINN_MAX_ROWS", "5000000")
    monkeypatch.setenv("SINN_MAX_CELLS", "100")
    with pytest.raises(InputError, match=r"102 cells \(51 rows × 2 columns\) exceed"):
        ingest.read_input(con, path, tmp_path, INITIATIVE_ALIASES)
    monkeypatch.setenv("SINN_MAX_UNZIPPED_MB", "1")
    with pytest.raises(InputError, match="MB uncompressed; the limit is 1 MB"):
        ingest.read_input(con, path, tmp_path, INITIATIVE_ALIASES)


# --- JSON and GeoJSON ---------------------------------------------------------------


def test_wrapped_json_list_is_found(con, tmp_path):
    path = tmp_path / "in.json"
    records = [{"name": "Tafel", "gemeinde": "Görlitz"}, 7, {"name": "Laden"}]
    path.write_text(
        json.dumps({"errors": ["keine"], "meta": {"n": 3}, "data": records})
    )
    rows, rejects = read(con, path)
    assert [(r["__sinn_row"], r["name"]) for r in rows] == [(1, "Tafel"), (3, "Laden")]
    assert rejects == [
        (2, "unparseable_value", "record 2 is a number, not an object", '{"record": 7}')
    ]


def test_deeply_nested_json_is_a_clear_error(con, tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(InputError, match="deep.json: JSON nested too deeply"):
        read(con, path)
    path.write_text('{"a": [1, 2,}')
    with pytest.raises(InputError, match="deep.json: invalid JSON"):
        read(con, path)


def test_malformed_geojson_features_are_row_rejects(tmp_path):
    square = [
        [[14.98, 51.14], [14.99, 51.14], [14.99, 51.16], [14.98, 51.16], [14.98, 51.14]]
    ]
    features = [
        {
            "type": "Feature",
            "properties": {"name": "Punkt"},
            "geometry": {"type": "Point", "coordinates": [14.9872, 51.1528]},
        },
        {"type": "Feature", "properties": "Name: Text", "geometry": None},
        {"type": "Feature", "properties": 42, "geometry": None},
        {"type": "Feature", "properties": {"name": "G"}, "geometry": "POINT (1 2)"},
        {
            "type": "Feature",
            "properties": {"name": "S"},
            "geometry": {"type": "Point", "coordinates": 14.9},
        },
        {
            "type": "Feature",
            "properties": {"name": "Fläche"},
            "geometry": {"type": "Polygon", "coordinates": square},
        },
        {
            "type": "Feature",
            "properties": {"name": "Linie"},
            "geometry": {
                "type": "LineString",
                "coordinates": [[14.9, 51.1], [15, 51.2]],
            },
        },
        {
            "type": "Feature",
            "properties": {"name": "Kaputt"},
            "geometry": {"type": "Polygon", "coordinates": 3},
        },
        "kein Feature",
    ]
    path = tmp_path / "in.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    summary, placed, rejected = build_one(tmp_path, path)
    assert summary.rows_read == 9
    assert summary.accepted["initiatives"] == 2
    assert placed == [
        ("Punkt", "14626110", "coordinates"),
        ("Fläche", "14626110", "coordinates"),
    ]
    assert rejected == [
        (2, "unparseable_value", "feature 2: properties is a string, not an object"),
        (3, "unparseable_value", "feature 3: properties is a number, not an object"),
        (4, "unparseable_value", "feature 4: geometry is a string, not an object"),
        (
            5,
            "unparseable_value",
            "feature 5: coordinates is a number, not a [lon, lat] pair",
        ),
        (7, "unparseable_value", "feature 7: geometry is not a point (LineString)"),
        (
            8,
            "unparseable_value",
            "feature 8: geometry is not a point (unreadable Polygon)",
        ),
        (9, "unparseable_value", "feature 9: is a string, not an object"),
    ]


def test_operations_list_keeps_reader_rejects(tmp_path):
    esf = reference_raw() / "2016-06-30_Liste_der_Vorhaben_ESF_2014-2020.csv"
    lines = esf.read_bytes().split(b"\r\n")[:4]
    ragged = lines[3] + b",zu viel"
    path = tmp_path / "Liste_der_Vorhaben_ESF.csv"
    path.write_bytes(b"\r\n".join([*lines[:3], ragged]) + b"\r\n")
    summary = build(tmp_path / "db.duckdb", operations=[path], raw=reference_raw())
    assert summary.rows_read == 3
    assert summary.accepted["operations"] == 2
    with connect(tmp_path / "db.duckdb", read_only=True) as db:
        rejected = db.execute(
            "SELECT kind, source_row, reason, detail FROM rejects"
        ).fetchall()
        rows = db.execute("SELECT rows FROM operation_sources").fetchall()
    assert rejected == [
        (
            "operation",
            3,
            "unparseable_value",
            "line 4: 14 fields where the header has 13",
        )
    ]
    assert rows == [(3,)]
