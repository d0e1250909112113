"""Page "Methodik & Quellen": definitions, data state, sources, licences, demo."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard import data
from dashboard.citation import citation, data_version
from dashboard.i18n import fmt_date, fmt_num, language, t
from sinn.config import BOUNDARIES_FILE

# non-breaking hyphens keep the licence names on one line in the narrow column
DL_DE_BY = "[dl\u2011de/by\u20112\u20110](https://www.govdata.de/dl-de/by-2-0)"
ODBL = "[ODbL 1.0](https://opendatacommons.org/licenses/odbl/1-0/)"
ESF_FILE = "2016-06-30_Liste_der_Vorhaben_ESF_2014-2020.csv"
# Attributions are quoted as the licensors require them, in German in both languages.
# (text key, reference file in the build record or "", licence, attribution)
SOURCES = (
    (
        "bkg",
        BOUNDARIES_FILE,
        DL_DE_BY,
        "© GeoBasis-DE / BKG 2021 (Daten verändert)",
    ),
    (
        "zensus",
        "zensus2022_gemeinden.parquet",
        DL_DE_BY,
        "Statistische Ämter des Bundes und der Länder, Zensus 2022",
    ),
    (
        "gv",
        "AuszugGV4QAktuell.csv",
        DL_DE_BY,
        "Statistisches Bundesamt (Destatis), GV-ISys, Gebietsstand 4. Quartal 2020, "
        "Bevölkerung 31.12.2019",
    ),
    (
        "plz",
        "zuordnung_plz_ort_landkreis.csv",
        ODBL,
        "© OpenStreetMap-Mitwirkende (über suche-postleitzahl.org)",
    ),
    ("osm", "", ODBL, "© OpenStreetMap-Mitwirkende"),
)
DEFINITIONS = (
    ("ind.per_100k", "met.per_100k"),
    ("ind.lq", "met.lq"),
    ("met.rural_gap_name", "met.rural_gap"),
    ("met.settlement_name", "met.settlement"),
    ("met.distance_name", "met.distance"),
    ("met.unreached_name", "met.unreached"),
    ("met.recommendation_name", "met.recommendation"),
    ("ind.eur_per_inhabitant", "met.funding"),
    ("met.funding_gap_name", "met.funding_gap"),
)


def _definitions() -> None:
    """The indicators and how they are computed."""
    st.subheader(t("met.definitions"))
    rows = [(t(name), t(text)) for name, text in DEFINITIONS]
    st.markdown(_markdown_table([t("met.metric"), t("met.definition")], rows))
    st.caption(t("met.filters"))
    st.markdown(t("met.smoothing"))


def _state() -> None:
    """Build time, counts and dates of the loaded data."""
    st.subheader(t("met.state"))
    state = data.data_state()
    run = data.latest_run() or {}
    lines = []
    if run:
        lines.append(
            t(
                "met.state_built",
                built=str(run.get("finished_at"))[:19],
                run_id=run.get("run_id"),
                status=t(f"run.status.{run.get('status')}"),
            )
        )
        lines.append(f"{t('cite.version_name')}: {data_version(run, language())}")
    lines += [
        t(
            "met.state_initiatives",
            n=fmt_num(state["initiatives"]),
            public=fmt_num(state["initiatives_public"]),
            first=state["first_start_year"] or "–",
            last=state["last_start_year"] or "–",
        ),
        t(
            "met.state_events",
            n=fmt_num(state["events"]),
            public=fmt_num(state["events_public"]),
            first=fmt_date(state["first_event_date"]),
            last=fmt_date(state["last_event_date"]),
        ),
        t(
            "met.state_territory",
            boundary=run.get("boundary_file", "–"),
            municipalities=fmt_num(state["municipalities"]),
            districts=fmt_num(state["districts"]),
        ),
        t("met.state_population", population=fmt_num(state["population"])),
    ]
    st.markdown("\n".join(f"- {line}" for line in lines))


def _sources() -> None:
    """Sources, their use, licences and the required attributions."""
    st.subheader(t("met.sources"))
    fetched = {f["file"]: f for f in (data.latest_run() or {}).get("sources") or []}
    rows = [
        (
            t(f"met.src_{key}"),
            t(f"met.use_{key}"),
            licence,
            attribution,
            _retrieval(fetched.get(file)),
        )
        for key, file, licence, attribution in SOURCES
    ]
    rows.append(
        (t("met.src_sinn"), t("met.use_sinn"), "–", t("met.sinn_attribution"), "–")
    )
    if data.funding_loaded():
        esf_citation = "; ".join(data.funding_sources()["citation"])
        esf = fetched.get(ESF_FILE)
        rows.append(
            (
                t("met.src_esf"),
                t("met.use_esf"),
                t("met.licence_esf"),
                esf_citation,
                _retrieval(esf),
            )
        )
    keys = ("met.source", "met.use", "met.licence", "met.attribution", "met.col_url")
    header = [t(k) for k in keys]
    st.markdown(_markdown_table(header, rows))


def _retrieval(source: dict | None) -> str:
    """Link to the public file and the day it was fetched, from the build record."""
    if not source:
        return "–"
    name = source["file"].replace("|", "\\|")
    retrieved = fmt_date(dt.date.fromisoformat(source["retrieved"]))
    return f"[{name}]({source['url']}), {t('met.retrieved')} {retrieved}"


def _citation() -> None:
    """The suggested citation with the data version."""
    st.subheader(t("met.citation"))
    st.code(citation(data.latest_run(), language()), language=None, wrap_lines=True)


def _markdown_table(header: list[str], rows: list[tuple]) -> str:
    """A pipe table for st.markdown (keeps the licence links clickable)."""
    lines = ["| " + " | ".join(header) + " |", "|---" * len(header) + "|"]
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in rows]
    return "\n".join(lines)


def _demo() -> None:
    """What the demo data is and how it is marked."""
    st.subheader(t("met.demo"))
    if data.has_demo_rows():
        st.warning(t("met.demo_text"), icon=":material/science:")
    else:
        st.info(t("met.no_demo"))


def render() -> None:
    """Lay out the page."""
    _definitions()
    _state()
    _sources()
    _citation()
    _demo()


render()
