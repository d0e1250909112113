"""Page "Daten": filtered public tables, downloads with data dictionary, ETL report."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import data, exports, filters
from dashboard.components import show_table
from dashboard.downloads import download_buttons
from dashboard.i18n import fmt_num, t
from dashboard.queries import Filters


def _dataset(stem: str, frame: pd.DataFrame, points: bool = True) -> None:
    """A table, its row count and its downloads (points: public entries)."""
    st.caption(t("dat.rows" if points else "dat.rows_plain", n=fmt_num(len(frame))))
    if frame.empty:
        st.info(t("filters.empty"), icon="🔍")
        return
    show_table(frame, height=380, key=f"table_{stem}")
    geojson = (lambda: exports.to_geojson(frame)) if points else None
    download_buttons(stem, frame, geojson)


def _tables(f: Filters) -> None:
    """Initiatives and events of the filtered view (public fields only)."""
    st.subheader(t("dat.downloads"))
    st.caption(t("dat.downloads_note"))
    tab_i, tab_e = st.tabs([t("dat.initiatives"), t("dat.events")])
    with tab_i:
        _dataset("sinn_initiativen", data.initiatives_public(f))
    with tab_e:
        if f.show_events:
            _dataset("sinn_veranstaltungen", data.events_public(f))
        else:
            st.info(t("dat.events_hidden"))


def _statistics(f: Filters) -> None:
    """Per-municipality and per-district statistics of the filtered scope."""
    st.subheader(t("dat.statistics"))
    tab_m, tab_d = st.tabs([t("dat.municipality_stats"), t("dat.district_stats")])
    with tab_m:
        _dataset("sinn_gemeinden", data.municipality_statistics(f), False)
    with tab_d:
        _dataset("sinn_kreise", data.district_statistics(f), False)


def _run_report() -> None:
    """The latest ETL run: inputs, accepted rows, rejected rows by reason."""
    st.subheader(t("dat.run"))
    run = data.latest_run()
    if run is None:
        st.info(t("dat.no_run"))
        return
    st.markdown(
        t(
            "dat.run_summary",
            run_id=run["run_id"],
            status=t(f"run.status.{run['status']}"),
            started=str(run["started_at"])[:19],
            duration=fmt_num(run["duration_s"], 2),
            boundary=run["boundary_file"],
        )
    )
    accepted = run.get("accepted") or {}
    cols = st.columns(3)
    cols[0].metric(t("dat.rows_read"), fmt_num(run["rows_read"]))
    cols[1].metric(
        t("dat.accepted"),
        fmt_num(sum(accepted.values())),
        help=", ".join(f"{t(f'col.{k}')}: {fmt_num(v)}" for k, v in accepted.items()),
    )
    cols[2].metric(t("dat.rejected"), fmt_num(run["rejected"]))
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{t('dat.inputs')}**")
        inputs = pd.DataFrame(run.get("inputs") or [], columns=["kind", "file", "rows"])
        show_table(inputs, key="run_inputs")
    with right:
        st.markdown(f"**{t('dat.rejects_by_reason')}**")
        rejects = data.rejects_by_reason()
        if rejects.empty:
            st.success(t("dat.no_rejects"))
        else:
            rejects["reason"] = rejects["reason"].map(lambda r: t(f"reason.{r}"))
            show_table(rejects, key="run_rejects")


def render() -> None:
    """Lay out the page."""
    f = filters.current()
    _tables(f)
    st.divider()
    _statistics(f)
    st.divider()
    _run_report()


render()
