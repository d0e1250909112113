"""Download buttons for one table: CSV, XLSX, Parquet, optional GeoJSON, dictionary."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from dashboard import data, exports
from dashboard.citation import dictionary_notes
from dashboard.i18n import language, t

MIME = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
    "parquet": "application/vnd.apache.parquet",
}


def download_buttons(
    stem: str, frame: pd.DataFrame, geojson: Callable[[], bytes] | None = None
) -> None:
    """One row of buttons; each file is built only when its button is clicked."""
    notes = dictionary_notes(data.latest_run(), language())
    dictionary = exports.data_dictionary(frame.columns, t, notes)
    sheet = t("dat.dictionary")
    makers: dict[str, Callable[[], bytes]] = {
        "csv": lambda: exports.to_csv(frame),
        "xlsx": lambda: exports.to_xlsx({stem: frame, sheet: dictionary}),
    }
    if geojson is not None:
        makers["geojson"] = geojson
    makers["parquet"] = lambda: exports.to_parquet(frame, dictionary)
    with st.container(horizontal=True, gap="small"):
        for fmt, make in makers.items():
            st.download_button(
                t(f"fmt.{fmt}"),
                data=make,
                file_name=f"{stem}.{fmt}",
                mime=MIME[fmt],
                key=f"dl_{stem}_{fmt}",
                on_click="ignore",
                icon=":material/download:",
            )
        st.download_button(
            t("fmt.dictionary"),
            data=lambda: exports.to_csv(dictionary),
            file_name=f"{stem}_datenwoerterbuch.csv",
            mime=MIME["csv"],
            key=f"dl_{stem}_dictionary",
            on_click="ignore",
            icon=":material/menu_book:",
        )
