"""Property-based import tests: broken and hostile rows never crash or vanish."""

from __future__ import annotations

import csv
import io
import json

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl.build import ImportOptions, build
from etl.checks import CheckFailed
from etl.headers import HeaderError
from etl.schema import REJECT_REASONS
from sinn.db import connect
from tests.etl_helpers import reference_raw

COLUMNS = [
    "id",
    "name",
    "lat",
    "lon",
    "plz",
    "ort",
    "ags",
    "gemeinde",
    "thema",
    "gründungsjahr",
    "public",
    "url",
    "beschreibung",
    "zusatz",
]

nasty_text = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "a\x00b",
            "\r\n",
            "\t=1+1",
            '=HYPERLINK("x")',
            "<script>alert(1)</script>",
            "'; DROP TABLE initiatives; --",
            "Ärger über Straße",
            "x" * 100_000,
        ]
    ),
)
coordinate = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.floats(50.2, 51.6).map(lambda v: f"{v:.5f}"),
    st.floats(12.0, 15.0).map(lambda v: f"{v:.5f}".replace(".", ",")),
    st.sampled_from(
        ["", "NaN", "inf", "-inf", "1e308", "abc", "51.05", "13.74", "52.52"]
    ),
)
year = st.one_of(
    st.integers(-10, 3000).map(str),
    st.sampled_from(["", "45000", "15.03.2023", "2024-13-45", "zwei"]),
)
row = st.fixed_dictionaries(
    {
        "id": st.one_of(st.sampled_from(["", "1", "2", "dup"]), nasty_text),
        "name": nasty_text,
        "lat": coordinate,
        "lon": coordinate,
        "plz": st.sampled_from(
            ["", "01067", "01454", "10178", "9999", "abcde", "04109"]
        ),
        "ort": st.sampled_from(["", "Dresden", "Wachau", "Leipzig", "\x00"]),
        "ags": st.sampled_from(
            ["", "14612000", "11000000", "1461200", "x", "146120000000"]
        ),
        "gemeinde": st.sampled_from(
            ["", "Görlitz", "Bernsdorf", "Atlantis", "GOERLITZ"]
        ),
        "thema": st.one_of(st.sampled_from(["Bildung", "health", ""]), nasty_text),
        "gründungsjahr": year,
        "public": st.sampled_from(["", "ja", "nein", "vielleicht", "0"]),
        "url": st.sampled_from(
            ["", "https://example.org", "javascript:alert(1)", "ftp://x"]
        ),
        "beschreibung": nasty_text,
        "zusatz": nasty_text,
    }
)
files = st.tuples(
    st.lists(row, max_size=12),
    st.sampled_from(["csv,", "csv;", "csv-cp1252", "json", "xlsx"]),
    st.sets(st.sampled_from(COLUMNS), max_size=3),  # columns the file leaves out
)


def _write(path_base, rows, fmt, dropped):
    """Write rows in one of the supported formats; return the path."""
    columns = [c for c in COLUMNS if c not in dropped]
    rows = [{c: r[c] for c in columns} for r in rows]
    if fmt == "json":
        path = path_base.with_suffix(".json")
        path.write_text(json.dumps(rows), encoding="utf-8")
    elif fmt == "xlsx":
        path = path_base.with_suffix(".xlsx")
        wb = openpyxl.Workbook()
        wb.active.append(columns)
        for r in rows:  # XLSX cannot hold control characters at all
            wb.active.append(
                [
                    openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE.sub("", r[c])
                    for c in columns
                ]
            )
        wb.save(path)
    else:
        path = path_base.with_suffix(".csv")
        encoding = "cp1252" if fmt == "csv-cp1252" else "utf-8"
        with path.open("w", encoding=encoding, errors="replace", newline="") as fh:
            writer = csv.DictWriter(
                fh, columns, delimiter=";" if fmt != "csv," else ","
            )
            writer.writeheader()
            writer.writerows(rows)
    return path


def _rows_with_data(rows: list[dict], fmt: str, columns: list[str]) -> int:
    """Rows the file holds: a workbook has no blank rows, only rows with a value.

    openpyxl stores no control characters, and no value for a formula it wrote
    (Excel would store the result); such cells are empty when read back.
    """
    if not fmt.startswith("xlsx"):
        return len(rows)
    clean = openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE.sub
    return sum(
        any(
            clean("", r[c]).strip() and not clean("", r[c]).startswith("=")
            for c in columns
        )
        for r in rows
    )


# Every example builds a database: no deadline, fixtures shared across examples.
BUILD_SETTINGS = {
    "deadline": None,
    "suppress_health_check": [
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
    ],
}


def _build(work, path):
    """Build with empty inputs allowed; return the summary or the refusal."""
    try:
        return build(
            work / "db.duckdb",
            initiatives=[path],
            raw=reference_raw(),
            options=ImportOptions(allow_empty=True),
        )
    except HeaderError as exc:
        assert not (work / "db.duckdb").exists()  # nothing published
        return exc


@settings(max_examples=20, **BUILD_SETTINGS)
@given(files)
def test_every_row_accounted_for(tmp_path_factory, spec):
    rows, fmt, dropped = spec
    work = tmp_path_factory.mktemp("prop")
    path = _write(work / "input", rows, fmt, dropped)
    summary = _build(work, path)
    # a missing column refuses the file, never row by row (an empty JSON list has
    # no headers at all: nothing to refuse)
    if "name" in dropped and (rows or fmt != "json"):
        assert isinstance(summary, HeaderError)
        assert "name: not found" in str(summary)
        return
    expected = _rows_with_data(rows, fmt, [c for c in COLUMNS if c not in dropped])
    assert summary.rows_read == expected
    assert summary.accepted["initiatives"] + summary.rejected == expected
    assert set(summary.rejected_by_reason) <= set(REJECT_REASONS)
    with connect(work / "db.duckdb", read_only=True) as con:
        bad_urls = con.execute(
            "SELECT count(*) FROM initiatives "
            "WHERE url IS NOT NULL AND url NOT LIKE 'http%'"
        ).fetchone()[0]
        no_place = con.execute(
            "SELECT count(*) FROM initiatives i LEFT JOIN municipalities m USING (ags) "
            "WHERE m.ags IS NULL OR NOT ST_Contains(ST_Transform(m.geom, 'EPSG:25833', "
            "'EPSG:4326', always_xy := true), ST_Point(i.lon, i.lat)) "
            "AND i.location_precision = 'exact'"
        ).fetchone()[0]
        raws = [
            json.loads(r[0]) for r in con.execute("SELECT raw FROM rejects").fetchall()
        ]
    assert bad_urls == 0
    assert no_place == 0
    assert all(isinstance(r, dict) for r in raws)


# Header spellings a partner's export may use, per canonical column.
HEADER_VARIANTS = {
    "name": "Name|1. Titel|VERANSTALTUNG|Bezeichnung des Vorhabens|projekt-name",
    "plz": "PLZ|Postleitzahl|2. plz|P.L.Z.",
    "ort": "Ort|Stadt|ORT |3) Ort",
    "public": "Öffentlich?|is_public|öffentlich (ja/nein)|Sichtbarkeit|"
    "veröffentlichen|OEFFENTLICH|4. Öffentlich",
}
# Visibility values: what a reader of the file would take them to mean.
MEANS_PUBLIC = ["ja", "JA", "yes", "true", "1", "x", "öffentlich", "Wahr"]
MEANS_PRIVATE = ["nein", "no", "False", "0", "intern", "privat", "nicht öffentlich"]
UNCLEAR = ["vielleicht", "-", "2", "n/a", "?", "öffentlich?", "ja nein"]
PLACES = [
    ("01067", "Dresden"),
    ("04109", "Leipzig"),
    ("01454", "Wachau"),
    ("10178", "Berlin"),
    ("99999", ""),  # never a blank row: a workbook reader skips those
]
visibility_rows = st.lists(
    st.tuples(
        st.sampled_from(["A", "B", ""]),
        st.sampled_from(PLACES),
        st.sampled_from([*MEANS_PUBLIC, *MEANS_PRIVATE, *UNCLEAR, "", " "]),
    ),
    max_size=10,
)
visibility_files = st.tuples(
    visibility_rows,
    st.fixed_dictionaries(
        {k: st.sampled_from(v.split("|")) for k, v in HEADER_VARIANTS.items()}
    ),
    st.sampled_from(["csv", "xlsx", "json"]),
    st.booleans(),  # whether the file has a visibility column at all
)


def _write_table(path_base, headers, rows, fmt):
    """Write a header row and value rows as CSV, XLSX or JSON; return the path."""
    if fmt == "json":
        path = path_base.with_suffix(".json")
        path.write_text(json.dumps([dict(zip(headers, r, strict=True)) for r in rows]))
    elif fmt == "xlsx":
        path = path_base.with_suffix(".xlsx")
        wb = openpyxl.Workbook()
        wb.active.append(headers)
        for r in rows:
            wb.active.append(list(r))
        wb.save(path)
    else:
        path = path_base.with_suffix(".csv")
        with path.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, delimiter=";").writerows([headers, *rows])
    return path


def _expected_visibility(value: str, checkbox: bool) -> bool | None:
    """True/False for a value whose meaning is plain, None when it is unclear."""
    if not value.strip():
        return not checkbox
    if value in MEANS_PUBLIC:
        return True
    return False if value in MEANS_PRIVATE else None


@settings(max_examples=15, **BUILD_SETTINGS)
@given(visibility_files)
def test_visibility_never_made_public(tmp_path_factory, spec):
    rows, headers, fmt, with_visibility = spec
    work = tmp_path_factory.mktemp("vis")
    names = [headers["name"], headers["plz"], headers["ort"]]
    table = [[name, plz, ort] for name, (plz, ort), _ in rows]
    if with_visibility:
        names.append(headers["public"])
        table = [[*t, r[2]] for t, r in zip(table, rows, strict=True)]
    path = _write_table(work / "input", names, table, fmt)
    summary = _build(work, path)
    assert summary.rows_read == len(rows)
    assert summary.accepted["initiatives"] + summary.rejected == len(rows)
    if not with_visibility and rows:
        assert summary.notes == [
            f"{path.name}: no visibility column: "
            f"{summary.accepted['initiatives']} rows treated as public"
        ]
    with connect(work / "db.duckdb", read_only=True) as con:
        public = dict(
            con.execute("SELECT source_row, public FROM initiatives").fetchall()
        )
    checkbox = any(r[2].strip().lower() == "x" for r in rows)
    for number, (_, _, value) in enumerate(rows, start=1):
        if not with_visibility:
            assert public.get(number, True) is True
            continue
        expected = _expected_visibility(value, checkbox)
        if expected is None:
            assert number not in public  # an unclear value is rejected
        elif number in public:
            assert public[number] is expected
    # no success with lost rows: without --allow-empty an all-rejected file fails
    if rows and not public:
        with pytest.raises(CheckFailed, match="none accepted"):
            build(work / "db2.duckdb", initiatives=[path], raw=reference_raw())
        assert not (work / "db2.duckdb").exists()


# File shapes from issue 13: the table on a later sheet or below a hidden one, a
# wrapped JSON list, preamble lines, mixed line endings, stray bytes, ragged rows.
shaped_files = st.tuples(
    st.lists(row, max_size=12),
    st.sampled_from(["csv", "xlsx-sheets", "xlsx-hidden", "json-wrapped"]),
    st.lists(st.sampled_from(["\n", "\r\n", "\r"]), min_size=1, max_size=4),
    st.sets(st.integers(0, 11), max_size=3),  # rows written in Windows-1252
    st.sets(st.integers(0, 11), max_size=3),  # rows with one field too many/few
    st.booleans(),  # preamble lines above the header
)


def _csv_line(values: list[str]) -> str:
    """One CSV record (quoted as needed) without its line ending."""
    buffer = io.StringIO()
    # The default terminator makes the writer quote fields holding CR or LF.
    csv.writer(buffer, delimiter=";").writerow(values)
    return buffer.getvalue().removesuffix("\r\n")


def _write_shaped(path_base, rows, shape, endings, stray, ragged, preamble):
    """Write rows in one of the hostile shapes; return the path."""
    if shape == "json-wrapped":
        path = path_base.with_suffix(".json")
        wrapped = {"errors": [], "meta": {"n": len(rows)}, "data": rows}
        path.write_text(json.dumps(wrapped), encoding="utf-8")
        return path
    if shape.startswith("xlsx"):
        path = path_base.with_suffix(".xlsx")
        wb = openpyxl.Workbook()
        first = wb.active
        clean = openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE.sub
        if shape == "xlsx-hidden":  # an old copy of the table, hidden
            first.append(COLUMNS)
            first.append(["old", "ALT-1", "51.05", "13.74"] + [""] * 10)
            first.sheet_state = "hidden"
        else:
            first.append(["Hinweis: die Daten stehen auf Blatt 2"])
        ws = wb.create_sheet("Daten")
        if preamble:
            ws.append(["Export SINN-Plattform"])
        ws.append(COLUMNS)
        for r in rows:
            ws.append([clean("", r[c]) for c in COLUMNS])
        wb.save(path)
        return path
    path = path_base.with_suffix(".csv")
    lines = ["sep=;", "Export SINN-Plattform, Stand 01.02.2024"] if preamble else []
    records = [_csv_line(COLUMNS)]
    for i, r in enumerate(rows):
        values = [r[c] for c in COLUMNS]
        if i in ragged:
            values = values[:-1] if i % 2 else [*values, "zu viel"]
        records.append(_csv_line(values))
    data = b""
    for i, line in enumerate(lines + records):
        stray_row = i - len(lines) - 1 in stray
        data += line.encode("cp1252" if stray_row else "utf-8", errors="replace")
        data += endings[i % len(endings)].encode()
    path.write_bytes(data)
    return path


@settings(max_examples=20, **BUILD_SETTINGS)
@given(shaped_files)
def test_file_shapes_lose_no_row(tmp_path_factory, spec):
    rows, shape, endings, stray, ragged, preamble = spec
    work = tmp_path_factory.mktemp("shape")
    path = _write_shaped(work / "input", rows, shape, endings, stray, ragged, preamble)
    summary = _build(work, path)
    expected = _rows_with_data(rows, shape, COLUMNS)
    assert summary.rows_read == expected
    assert summary.accepted["initiatives"] + summary.rejected == expected
    with connect(work / "db.duckdb", read_only=True) as con:
        rejected_rows = {
            r[0] for r in con.execute("SELECT source_row FROM rejects").fetchall()
        }
        old = con.execute(
            "SELECT count(*) FROM initiatives WHERE name = 'ALT-1'"
        ).fetchone()[0]
    assert old == 0
    if shape == "csv":  # every ragged row is a reject, none is padded or cut
        assert {i + 1 for i in ragged if i < len(rows)} <= rejected_rows
