"""Downloads: German-Excel CSV, XLSX, GeoJSON, Parquet and the data dictionary."""

from __future__ import annotations

import io
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest

from dashboard import exports
from dashboard import queries as q
from dashboard.i18n import TEXT
from dashboard.queries import Filters
from sinn.db import connect

HOSTILE = ['=HYPERLINK("http://x")', "+1+1", "-2", "@SUM(A1)", "\tTab", "\rCR"]


def german(key: str) -> str:
    """Translate with the German column of the table (no Streamlit session here)."""
    return TEXT[key][0] if key in TEXT else key


@pytest.fixture(scope="module")
def tables(demo_db: Path) -> dict[str, pd.DataFrame]:
    """The public tables and statistics of the demo build."""
    with connect(demo_db, read_only=True) as con:
        return {
            "initiatives": q.initiatives_public(con, Filters()),
            "events": q.events_public(con, Filters()),
            "municipalities": q.municipality_statistics(con, Filters()),
            "districts": q.district_statistics(con, Filters()),
        }


def _hostile_frame() -> pd.DataFrame:
    """Text that spreadsheets would run, next to real numbers."""
    return pd.DataFrame(
        {"name": HOSTILE, "participants": [1, -2, 3, 4, 5, 6], "lq": [0.5] * 6}
    )


def test_csv_opens_in_german_excel() -> None:
    """BOM, semicolons, decimal comma; formulas neutralised, numbers untouched."""
    raw = exports.to_csv(_hostile_frame())
    assert raw.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(raw), sep=";", decimal=",", encoding="utf-8-sig")
    assert list(back["name"]) == ["'" + v for v in HOSTILE]
    assert list(back["participants"]) == [1, -2, 3, 4, 5, 6]
    assert list(back["lq"]) == [0.5] * 6
    assert b";0,5\r\n" in raw


def test_csv_keeps_umlauts_and_leading_zeros(tables: dict) -> None:
    """Postal codes keep their zero; umlauts survive the round trip."""
    frame = tables["events"]
    back = pd.read_csv(
        io.BytesIO(exports.to_csv(frame)), sep=";", decimal=",", dtype=str
    )
    assert len(back) == len(frame) == 66
    assert back["postal_code"].dropna().str.fullmatch(r"\d{5}").all()
    assert set(back["district"]) == set(frame["district"])


def test_xlsx_has_data_and_dictionary(tables: dict) -> None:
    """Two sheets; hostile text is stored as plain text, numbers as numbers."""
    dictionary = exports.data_dictionary(["name", "participants", "lq"], german)
    raw = exports.to_xlsx({"Daten": _hostile_frame(), "Datenwörterbuch": dictionary})
    book = openpyxl.load_workbook(io.BytesIO(raw))
    assert book.sheetnames == ["Daten", "Datenwörterbuch"]
    sheet = book["Daten"]
    names = [sheet.cell(row=r, column=1) for r in range(2, 8)]
    # XML stores a lone carriage return as a line feed: compare the rest exactly
    assert [c.value for c in names[:5]] == ["'" + v for v in HOSTILE[:5]]
    assert names[5].value in ("'\rCR", "'\nCR")
    assert all(c.data_type == "s" for c in names)
    assert sheet.cell(row=3, column=2).value == -2
    assert book["Datenwörterbuch"].max_row == 4


def test_geojson_points(tables: dict) -> None:
    """One point feature per row, coordinates in lon/lat order, no contacts."""
    frame = tables["initiatives"]
    doc = json.loads(exports.to_geojson(frame))
    assert doc["type"] == "FeatureCollection" and len(doc["features"]) == 190
    first = doc["features"][0]
    assert first["geometry"]["coordinates"] == pytest.approx(
        [frame["lon"].iloc[0], frame["lat"].iloc[0]]
    )
    assert first["properties"]["id"] == frame["id"].iloc[0]
    assert "contact_email" not in first["properties"]
    events = json.loads(exports.to_geojson(tables["events"]))
    assert all(
        f["properties"]["date"][4] == "-"
        for f in events["features"]
        if f["properties"]["date"]
    )


def test_parquet_round_trip_with_descriptions(tables: dict) -> None:
    """Same rows and columns; the dictionary's meanings are field descriptions."""
    frame = tables["municipalities"]
    dictionary = exports.data_dictionary(frame.columns, german)
    table = pq.read_table(io.BytesIO(exports.to_parquet(frame, dictionary)))
    assert table.num_rows == 419 and table.column_names == list(frame.columns)
    meta = table.schema.field("per_100k").metadata
    assert meta[b"description"].decode() == german("doc.per_100k")


def test_every_exported_column_is_documented(tables: dict) -> None:
    """Each column of each download has a meaning, unit and source in both languages."""
    for frame in tables.values():
        for column in frame.columns:
            assert f"doc.{column}" in TEXT, column
            assert column in exports.COLUMN_DOCS, column
            unit, source = exports.COLUMN_DOCS[column]
            assert unit in TEXT and source in TEXT
    dictionary = exports.data_dictionary(tables["districts"].columns, german)
    assert list(dictionary.columns) == ["Spalte", "Bedeutung", "Einheit", "Quelle"]
    assert len(dictionary) == len(tables["districts"].columns)
