"""Downloads of a filtered table: CSV, XLSX, GeoJSON, Parquet and a data dictionary.

CSV is written for German Excel: UTF-8 with BOM, ``;`` as separator and a decimal
comma, so that a double-click opens it with umlauts intact and numbers as numbers.
Text cells that a spreadsheet would run as a formula (starting with ``=``, ``+``,
``-``, ``@``, tab or carriage return) get a leading apostrophe (OWASP CSV
injection advice); numeric columns are left alone.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import shapely
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# column -> (unit key, source key); the meaning is the translation key "doc.<column>"
COLUMN_DOCS: dict[str, tuple[str, str]] = {
    "id": ("unit.key", "src.sinn"),
    "name": ("unit.text", "src.sinn"),
    "organisation": ("unit.text", "src.sinn"),
    "partner": ("unit.text", "src.sinn"),
    "theme": ("unit.text", "src.sinn"),
    "stage": ("unit.text", "src.sinn"),
    "start_year": ("unit.year", "src.sinn"),
    "funding_eur": ("unit.eur", "src.sinn"),
    "type": ("unit.text", "src.sinn"),
    "date": ("unit.date", "src.sinn"),
    "participants": ("unit.persons", "src.sinn"),
    "initiative_id": ("unit.key", "src.sinn"),
    "postal_code": ("unit.key", "src.sinn"),
    "city": ("unit.text", "src.sinn"),
    "municipality": ("unit.text", "src.bkg"),
    "ags": ("unit.key", "src.bkg"),
    "ars": ("unit.key", "src.bkg"),
    "district": ("unit.text", "src.bkg"),
    "district_name": ("unit.text", "src.bkg"),
    "district_ars": ("unit.key", "src.bkg"),
    "kind": ("unit.text", "src.bkg"),
    "degurba": ("unit.key", "src.gv"),
    "degurba_label": ("unit.text", "src.gv"),
    "lon": ("unit.degrees", "src.sinn"),
    "lat": ("unit.degrees", "src.sinn"),
    "location_precision": ("unit.text", "src.sinn"),
    "url": ("unit.text", "src.sinn"),
    "description": ("unit.text", "src.sinn"),
    "is_demo": ("unit.bool", "src.sinn"),
    "population": ("unit.persons", "src.zensus"),
    "initiatives": ("unit.count", "src.computed"),
    "events": ("unit.count", "src.computed"),
    "per_100k": ("unit.per_100k", "src.computed"),
    "events_per_100k": ("unit.per_100k", "src.computed"),
    "lq": ("unit.ratio", "src.computed"),
    "operation_id": ("unit.key", "src.esf"),
    "beneficiary": ("unit.text", "src.esf"),
    "start_date": ("unit.date", "src.esf"),
    "end_date": ("unit.date", "src.esf"),
    "eligible_eur": ("unit.eur", "src.esf"),
    "eu_rate": ("unit.percent", "src.esf"),
    "fund": ("unit.text", "src.esf"),
    "category": ("unit.text", "src.esf"),
    "guideline": ("unit.text", "src.esf"),
    "place_raw": ("unit.text", "src.esf"),
    "operations": ("unit.count", "src.computed"),
    "eur_per_inhabitant": ("unit.eur_per_inhabitant", "src.computed"),
    "operations_per_100k": ("unit.per_100k", "src.computed"),
    "key": ("unit.key", "src.bkg"),
    "source": ("unit.text", "src.esf"),
}


def data_dictionary(
    columns: Iterable[str], translate: Callable[[str], str]
) -> pd.DataFrame:
    """Column, meaning, unit and source of each column, in the UI language."""
    rows = []
    for column in columns:
        unit, source = COLUMN_DOCS.get(column, ("unit.text", "src.computed"))
        rows.append(
            (column, translate(f"doc.{column}"), translate(unit), translate(source))
        )
    headers = [translate(f"col.{h}") for h in ("column", "meaning", "unit", "source")]
    return pd.DataFrame(rows, columns=headers)


def _neutral_text(value: object) -> object:
    """Prefix an apostrophe to text a spreadsheet would evaluate."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text columns cannot start a spreadsheet formula."""
    out = frame.copy()
    for column in out.columns:
        if not pd.api.types.is_numeric_dtype(out[column]) and not (
            pd.api.types.is_bool_dtype(out[column])
            or pd.api.types.is_datetime64_any_dtype(out[column])
        ):
            out[column] = out[column].map(_neutral_text).astype(object)
    return out


def to_csv(frame: pd.DataFrame) -> bytes:
    """CSV for German Excel (UTF-8 BOM, ``;``, decimal comma), formulas neutralised."""
    text = neutralise(frame).to_csv(
        index=False, sep=";", decimal=",", date_format="%Y-%m-%d", lineterminator="\r\n"
    )
    return text.encode("utf-8-sig")


def _xlsx_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Neutralised copy without control characters (openpyxl refuses them)."""
    out = neutralise(frame)
    for column in out.columns:
        if out[column].dtype == object:
            out[column] = out[column].map(
                lambda v: ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v
            )
    return out


def to_xlsx(sheets: dict[str, pd.DataFrame]) -> bytes:
    """An XLSX workbook with one sheet per frame (sheet names up to 31 characters)."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(
        buffer,
        engine="openpyxl",
        date_format="YYYY-MM-DD",
        datetime_format="YYYY-MM-DD",
    ) as writer:
        for name, frame in sheets.items():
            _xlsx_safe(frame).to_excel(writer, sheet_name=name[:31], index=False)
    return buffer.getvalue()


def to_geojson(frame: pd.DataFrame) -> bytes:
    """A GeoJSON FeatureCollection of points (``lon``/``lat``, EPSG:4326)."""
    props = frame.drop(columns=["lon", "lat"]).copy()
    for column in props.columns:
        # dates are not JSON: ISO text (the tables hold calendar dates only)
        if pd.api.types.is_datetime64_any_dtype(props[column]):
            props[column] = props[column].dt.strftime("%Y-%m-%d").astype(object)
    gdf = gpd.GeoDataFrame(
        props,
        geometry=gpd.points_from_xy(frame["lon"], frame["lat"]),
        crs="EPSG:4326",
    )
    text = gdf.to_json(na="null", drop_id=True, ensure_ascii=False)
    return text.encode("utf-8")


def to_area_geojson(frame: pd.DataFrame, geometries: dict[str, str]) -> bytes:
    """A GeoJSON FeatureCollection of areas: ``key`` -> GeoJSON geometry text."""
    gdf = gpd.GeoDataFrame(
        frame.copy(),
        geometry=shapely.from_geojson(frame["key"].map(geometries).to_numpy()),
        crs="EPSG:4326",
    )
    return gdf.to_json(na="null", drop_id=True, ensure_ascii=False).encode("utf-8")


def to_parquet(frame: pd.DataFrame, dictionary: pd.DataFrame | None = None) -> bytes:
    """Parquet; the data dictionary's meanings become column descriptions."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if dictionary is not None:
        meanings = dict(
            zip(dictionary.iloc[:, 0], dictionary.iloc[:, 1].map(str), strict=True)
        )
        schema = pa.schema(
            [
                f.with_metadata({"description": meanings.get(f.name, "")})
                for f in table.schema
            ],
            metadata={
                **(table.schema.metadata or {}),
                b"sinn_dictionary": json.dumps(meanings, ensure_ascii=False).encode(),
            },
        )
        table = table.cast(schema)
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()
